-- mv.no_grad / mv.enable_grad: to-be-closed guards and function forms over mv.set_grad_enabled
-- (AutogradBindings.swift).
local mv = rawget(_G, "mv")
local set_grad_enabled = mv.set_grad_enabled

local Guard = {__name = "GradModeGuard"}
Guard.__index = Guard
function Guard.__close(guard) set_grad_enabled(guard.previous) end
function Guard.__tostring(guard) return "GradModeGuard(restores " .. tostring(guard.previous) .. ")" end

local function scope(enabled, name)
  return function(f, ...)
    if f == nil then return setmetatable({previous = set_grad_enabled(enabled)}, Guard) end
    if type(f) ~= "function" then
      error(("mv.%s: argument #1 'f': expected a function (or nothing, for a guard), got %s"):format(name, type(f)), 2)
    end
    local guard <close> = setmetatable({previous = set_grad_enabled(enabled)}, Guard)  -- luacheck: ignore 211 (closing it is its use)
    return f(...)
  end
end

mv.no_grad = scope(false, "no_grad")
mv.enable_grad = scope(true, "enable_grad")
