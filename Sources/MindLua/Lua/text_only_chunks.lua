-- load, loadfile, dofile and require read Lua source only. Lua's undump trusts its input: a damaged or crafted
-- binary chunk (string.dump's output, edited) can crash the process, and nothing a script does may. Installed last
-- (MindVisRuntime.makeState): the library's own chunks are compiled before, and stripped with a binary load.
local raw_load, raw_loadfile, select, error, format = load, loadfile, select, error, string.format

-- The mode argument is ignored ("b" and "bt" ask for binary chunks: those loads fail as with mode "t"). The env
-- argument counts when given, even as nil (it becomes the chunk's _ENV): exactly what was given is passed on.
function load(chunk, chunkname, _, ...)  -- luacheck: ignore 121 (replacing the standard function is the point)
  if select("#", ...) > 0 then return raw_load(chunk, chunkname, "t", ...) end
  return raw_load(chunk, chunkname, "t")
end

function loadfile(filename, _, ...)  -- luacheck: ignore 121
  if select("#", ...) > 0 then return raw_loadfile(filename, "t", ...) end
  return raw_loadfile(filename, "t")
end

function dofile(filename)  -- luacheck: ignore 121
  local f, message = raw_loadfile(filename, "t")
  if not f then error(message, 0) end
  return f()
end

-- require's searcher of Lua files, as the standard one but text only.
package.searchers[2] = function(name)
  local path, message = package.searchpath(name, package.path)
  if not path then return message end
  local f, load_error = raw_loadfile(path, "t")
  if not f then error(format("error loading module '%s' from file '%s':\n\t%s", name, path, load_error), 0) end
  return f, path
end
