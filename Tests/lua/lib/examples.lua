-- Runs an example as a user would (mindvis examples/x.lua), here with its printed output captured.
local T = require "lib.testing"
local E = {}

--- Runs examples/<name> with `arg` = {...} and checks it took at most `seconds` of CPU time (both workers'); returns
--- its printed lines.
function E.run_within(seconds, name, ...)
  local lines = {}
  local env = setmetatable({
    print = function(...)
      local parts = table.pack(...)
      for i = 1, parts.n do parts[i] = tostring(parts[i]) end
      lines[#lines + 1] = table.concat(parts, "\t", 1, parts.n)
    end,
    arg = {[0] = "examples/" .. name, ...},
  }, {__index = _G})
  local chunk = assert(loadfile("examples/" .. name, "t", env))
  -- `mindvis examples/x.lua` puts the script's folder first in package.path (examples/lib/*.lua).
  local saved_path = package.path
  package.path = "examples/?.lua;" .. package.path
  local started = os.clock()
  local ok, err = xpcall(chunk, debug.traceback, ...)
  package.path = saved_path
  if not ok then error(err, 0) end
  T.truthy(os.clock() - started < seconds, ("%s takes %d s at most"):format(name, seconds))
  return table.concat(lines, "\n")
end

--- An example that takes a few seconds at most.
function E.run(name, ...) return E.run_within(10, name, ...) end

return E
