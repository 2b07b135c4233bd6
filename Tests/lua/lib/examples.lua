-- Runs an example as a user would (mindvis examples/x.lua), here with its printed output captured.
local E = {}

--- Runs examples/<name> with `arg` = {...}; returns its printed lines. How long it takes is for `scripts/bench`, not
--- for a test: the CPU changes from one machine to the next.
function E.run(name, ...)
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
  local ok, err = xpcall(chunk, debug.traceback, ...)
  package.path = saved_path
  if not ok then error(err, 0) end
  return table.concat(lines, "\n")
end

return E
