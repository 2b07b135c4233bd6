-- The Lua <-> Swift boundary through the demo bindings (delete with DemoBindings.swift): thousands of bad calls
-- leave the interpreter alive with readable messages; userdata lifetime; options; callbacks.
local T = require "lib.testing"

T.test("bad calls raise readable errors and the interpreter survives", function()
  local cases = {
    {function() return mv.add() end, "mv.add: argument #1 'a': expected a number, got no value"},
    {function() return mv.add(nil, 1) end, "mv.add: argument #1 'a': expected a number, got nil"},
    {function() return mv.add(1, "2") end, "mv.add: argument #2 'b': expected a number, got string \"2\""},
    {function() return mv.add({}, 1) end, "mv.add: argument #1 'a': expected a number, got table"},
    {function() return mv.Counter(2.5) end, "mv.Counter: argument #1 'start': expected an integer, got 2.5"},
    {function() return mv.Counter(0/0) end, "mv.Counter: argument #1 'start': expected an integer, got "},
    {function() return mv.Counter(2^70) end, "mv.Counter: argument #1 'start': expected an integer, got 1.1805916207174e+21"},
    {function() return mv.Counter(1):increment(-3) end, "Counter:increment: argument #1 'by': expected a positive integer, got -3"},
    {function() return mv.Counter(1).increment() end, "Counter:increment: bad self: expected a Counter, got no value (call methods with ':')"},
    {function() return mv.sleep(-1) end, "mv.sleep: argument #1 'seconds': expected a finite number >= 0, got -1"},
    {function() return mv.options_demo{weight_decy = 1} end, "mv.options_demo: unknown option 'weight_decy' (did you mean 'weight_decay'?)"},
    {function() return mv.options_demo{learning_rate = "fast"} end, "mv.options_demo: option 'learning_rate': expected a number, got string \"fast\""},
    {function() return mv.options_demo(5) end, "mv.options_demo: argument #1 'options': expected an options table, got 5"},
    {function() return mv.map(5, print) end, "mv.map: argument #1 'items': expected an array, got 5"},
  }
  for round = 1, 300 do
    for _, case in ipairs(cases) do T.raises(case[1], case[2]) end
  end
  T.eq(mv.add(2, 3), 5.0)
end)

T.test("error positions point at the calling line", function()
  local message = T.raises(function() mv.add(1) end, "mv.add")
  T.truthy(message:find("^.-test_demo_boundary%.lua:%d+: mv%.add: "), message)
end)

T.test("callbacks: Lua -> Swift -> Lua, errors pass through unchanged", function()
  local doubled = mv.map({1, 2, 3}, function(x) return 2 * x end)
  T.eq(#doubled, 3); T.eq(doubled[3], 6)
  local nested = mv.map({1}, function(x) return mv.map({x, x}, function(y) return y + 1 end)[2] end)
  T.eq(nested[1], 2)
  T.eq(select(2, pcall(mv.map, {1}, function() error({code = 7}) end)), "(error object is a table value)")
  T.raises(function() mv.map({1}, function() error("inner", 0) end) end, "inner")
end)

T.test("userdata: methods, properties, __gc releases the Swift object", function()
  collectgarbage(); collectgarbage()
  local base = mv.live_counters()
  for i = 1, 1000 do local c = mv.Counter(i); c:increment() end
  collectgarbage(); collectgarbage()
  T.eq(mv.live_counters(), base)
  local c = mv.Counter(41)
  T.eq(c:increment(), 42)
  c.value = 7
  T.eq(c.value, 7)
  T.eq(tostring(c), "Counter(7)")
  T.truthy(c == mv.Counter(7), "__eq")
end)

T.test("userdata: <close> and free release early; later use errors cleanly", function()
  local base = mv.live_counters()
  local escaped
  do
    local c <close> = mv.Counter(1)
    escaped = c
    T.eq(mv.live_counters(), base + 1)
  end
  T.eq(mv.live_counters(), base)
  T.raises(function() escaped:increment() end, "Counter:increment: attempt to use a freed Counter")
  T.eq(tostring(escaped), "Counter (freed)")
  local f = mv.Counter(2)
  f:free()
  T.raises(function() return f.value end, "Counter.value: attempt to use a freed Counter")
end)

T.finish()
