-- Tensor conveniences written in Lua over the bound methods (TensorExtras.swift): printable sizes, norm, float,
-- and the function forms PyTorch users reach for (mv.exp(x), mv.sum(x, 2), ...).
local mv = rawget(_G, "mv")
local methods = debug.getregistry().Tensor.__methods
local function_forms = rawget(_G, "mindvis_tensor_function_forms")
rawset(_G, "mindvis_tensor_function_forms", nil)
local setmetatable, type, concat, error, is_tensor, tostring, math = setmetatable, type, table.concat, error, mv.is_tensor, tostring, math

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

-- t:norm([p [, dim [, keepdim]]]): the p-norm (2 by default) of all elements, or along dim.
function methods.norm(t, p, dim, keepdim)
  if not is_tensor(t) then
    error("Tensor:norm: bad self: expected a Tensor, got " .. type(t) .. " (call methods with ':')", 2)
  end
  p = p or 2
  if type(p) ~= "number" or p <= 0 or p ~= p or p == math.huge then
    error("Tensor:norm: argument #1 'p': expected a positive finite number, got " .. tostring(p), 2)
  end
  local powered = p == 1 and t:abs() or (p == 2 and t * t or t:abs():pow(p))
  local summed = dim == nil and powered:sum() or powered:sum(dim, keepdim)
  if p == 1 then return summed end
  return p == 2 and summed:sqrt() or summed:pow(1 / p)
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
