-- help(): every function of mv and every method and field of every object type has help, and the lookups work.
local T = require "lib.testing"

local function sorted_keys(tbl)
  local keys = {}
  for k in pairs(tbl) do if type(k) == "string" then keys[#keys + 1] = k end end
  table.sort(keys)
  return keys
end

T.test("every mv function has help", function()
  local missing, seen = {}, {}
  local function walk(tbl, path)
    if seen[tbl] then return end
    seen[tbl] = true
    for _, key in ipairs(sorted_keys(tbl)) do
      local value, name = rawget(tbl, key), path .. "." .. key
      if key:sub(1, 2) ~= "__" then
        if type(value) == "function" then
          if mv.help_text(value):find("^no help") then missing[#missing + 1] = name end
        elseif type(value) == "table" and getmetatable(value) == nil then
          walk(value, name)
        end
      end
    end
  end
  walk(mv, "mv")
  T.eq(table.concat(missing, " "), "", #missing .. " functions without help")
end)

T.test("every method and field of every bound type has help", function()
  local missing = {}
  for _, type_name in ipairs(sorted_keys(debug.getregistry())) do
    local mt = debug.getregistry()[type_name]
    if type(mt) == "table" and type(rawget(mt, "__methods")) == "table" then
      for _, kind in ipairs{{"__methods", ":"}, {"__properties", "."}} do
        for _, key in ipairs(sorted_keys(rawget(mt, kind[1]) or {})) do
          local name = type_name .. kind[2] .. key
          if key:sub(1, 2) ~= "__" and key ~= "free" and mv.help_text(name):find("^no help") then missing[#missing + 1] = name end
        end
      end
    end
  end
  T.eq(table.concat(missing, " "), "", #missing .. " methods without help")
end)

T.test("help finds functions, objects, modules, namespaces and names", function()
  T.truthy(mv.help_text(mv.nn.Linear):find("mv.nn.Linear(in_features, out_features", 1, true))
  T.truthy(mv.help_text(mv.nn.Linear):find("bias = true", 1, true), "options with defaults")
  T.truthy(mv.help_text("mv.randn"):find("mv.randn", 1, true))
  T.truthy(mv.help_text(mv.eval.scroe):find("^help got nil: the value you named does not exist"), "a misspelt name is not help()")
  T.truthy(mv.help_text(mv.randn(2)):find("^Tensor: "), "an object shows its type")
  T.truthy(mv.help_text(mv.randn(2)):find("t:matmul", 1, true), "and its methods")
  T.truthy(mv.help_text(mv.nn):find("mv.nn.Linear", 1, true), "a namespace lists its entries")
  T.truthy(mv.help_text(mv.nn.Sequential(mv.nn.Linear(2, 2))):find("Module", 1, true))
  T.truthy(mv.help_text("Tensor:matmul"):find("matmul", 1, true))
  T.truthy(mv.help_text(mv.nn.Linear(2, 2).apply):find("m:apply(fn)", 1, true), "methods written in Lua")
  T.truthy(mv.help_text():find("namespaces", 1, true), "an overview without argument")
  T.truthy(mv.help_text("nonsense"):find("^no help for 'nonsense'"))
  T.truthy(mv.help_text(print):find("not part of the mv API"))
  T.eq(help, mv.help)
end)

T.test("help on a model instance starts with its class, then the constructor", function()
  local text = mv.help_text(mv.models.MAE{preset = "tiny", num_voxels = 64})
  T.eq(text:match("^[^\n]*"), "MaskedAutoencoder, made by:")
  T.truthy(text:find("mv.models.MAE{num_voxels", 1, true), "the constructor's signature follows")
end)

T.finish()
