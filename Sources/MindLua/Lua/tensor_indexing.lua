-- Replaces the Tensor metatable's __index: methods first (the common case: one table lookup), then number, table and
-- tensor keys (a tensor key is an error, never nil), then properties (t.grad); __newindex is __setitem. Library
-- code (LuaLibraryChunk), so an error such as t[9] out of range points at the user's line.
local mt = debug.getregistry().Tensor
local methods, properties = mt.__methods, mt.__properties
local getitem, type = methods.__getitem, type

mt.__index = function(t, key)
  local method = methods[key]
  if method ~= nil then return method end
  local kind = type(key)
  if kind == "number" or kind == "table" or kind == "userdata" then return getitem(t, key) end
  local getter = properties[key]
  if getter ~= nil then return getter(t) end
  return nil
end
mt.__newindex = methods.__setitem
