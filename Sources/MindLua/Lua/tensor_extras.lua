-- Tensor conveniences written in Lua over the bound methods (TensorExtras.swift): printable sizes, float,
-- and the function forms PyTorch users reach for (mv.exp(x), mv.sum(x, 2), ...).
local mv = rawget(_G, "mv")
local methods = debug.getregistry().Tensor.__methods
local function_forms = rawget(_G, "mindvis_tensor_function_forms")
rawset(_G, "mindvis_tensor_function_forms", nil)
local setmetatable, type, concat, error, is_tensor = setmetatable, type, table.concat, error, mv.is_tensor

-- t:shape() and t:size() print as [2, 3] and compare by value (torch.Size); they stay plain arrays otherwise.
local Size = {__name = "Size"}
function Size.__tostring(size) return "[" .. concat(size, ", ") .. "]" end
function Size.__eq(a, b)
  if #a ~= #b then return false end
  for i = 1, #a do if a[i] ~= b[i] then return false end end
  return true
end
for _, name in ipairs{"shape", "size"} do
  local bound = methods[name]
  methods[name] = function(t, ...)
    local result = bound(t, ...)
    if type(result) == "table" then setmetatable(result, Size) end
    return result
  end
end

-- t:float(): tensors are float32 already; returns t itself, so PyTorch code ports unchanged.
function methods.float(t) return t end

-- mv.NAME(t, ...) for t:NAME(...).
for _, name in ipairs(function_forms) do
  local qualified = "mv." .. name
  mv[name] = function(...)
    local t = ...
    if not is_tensor(t) then
      error(("%s: argument #1 'input': expected a Tensor, got %s"):format(qualified, type(t)), 2)
    end
    return t[name](...)
  end
end
