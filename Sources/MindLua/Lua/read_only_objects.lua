-- Gives every bound type registered so far (their metatables carry __methods) a __newindex if it has none, so
-- `opt.lr = 1` reports "<Type> has no settable field 'lr'" (ReadOnlyObjects.swift).
local error, format, rawget, tostring, type, pairs = error, string.format, rawget, tostring, type, pairs
for name, mt in pairs(debug.getregistry()) do
  if type(name) == "string" and type(mt) == "table" and rawget(mt, "__methods") ~= nil and rawget(mt, "__newindex") == nil then
    mt.__newindex = function(_, key)
      error(format("%s has no settable field '%s'", name, tostring(key)), 2)
    end
  end
end
