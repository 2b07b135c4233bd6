-- Tensor memory is charged to the Lua collector (DESIGN.md §2 rule 5): loops that drop large tensors stay bounded
-- without collectgarbage().
local T = require "lib.testing"

local MB = 1024 * 1024

T.test("8 MB tensors in a 500-iteration loop keep the peak bounded", function()
  collectgarbage()
  mv.reset_peak_memory()
  local base = mv.memory().live
  local total = 0
  for i = 1, 500 do
    local t = mv.zeros(2 * MB) + 1          -- two 8 MB tensors per iteration, both garbage at the next one
    total = total + 16 * MB
  end
  local memory = mv.memory()
  local peak = memory.peak - base
  print(string.format("allocated %d MB in total, peak %.1f MB above the start, %d forced collections",
    total // MB, peak / MB, memory.forced_collections))
  T.truthy(peak < 160 * MB, string.format("peak %.1f MB of %d MB allocated", peak / MB, total // MB))
  T.eq(memory.forced_collections, 0, "the debt alone paced the collector")
end)

T.test("autograd graphs held by results are charged too", function()
  collectgarbage()
  mv.reset_peak_memory()
  local base = mv.memory().live
  local w = mv.randn(64, 64):requires_grad()
  for i = 1, 300 do
    local x = mv.zeros(8192, 64)
    local loss = x:matmul(w):tanh():sum()    -- three 2 MB tensors, kept alive by the graph until loss is collected
  end
  local peak = mv.memory().peak - base
  T.truthy(peak < 64 * MB, string.format("peak %.1f MB of 1800 MB allocated", peak / MB))
  collectgarbage()
  T.truthy(mv.memory().live - base < MB, "graphs that never ran backward are freed")
end)

T.test("mv.memory reports live, peak, cached and Lua bytes; empty_cache", function()
  collectgarbage()
  local m = mv.memory()
  for _, key in ipairs{"live", "peak", "cached", "lua"} do T.truthy(math.type(m[key]) == "integer" and m[key] >= 0, key) end
  T.truthy(m.peak >= m.live, "peak >= live")
  local keep = mv.zeros(MB)
  T.truthy(mv.memory().live >= m.live + 4 * MB, "a 4 MB tensor is live")
  keep = nil
  collectgarbage()
  mv.empty_cache()
  T.eq(mv.memory().cached, 0)
end)

T.finish()
