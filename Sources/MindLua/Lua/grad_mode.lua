-- mv.no_grad / mv.enable_grad: to-be-closed guards and function forms over mv.set_grad_enabled
-- (AutogradBindings.swift).
local mv = rawget(_G, "mv")
local set_grad_enabled, is_grad_enabled, stderr = mv.set_grad_enabled, mv.is_grad_enabled, io.stderr

local Guard = {__name = "GradModeGuard"}
Guard.__index = Guard
function Guard.__close(guard)
  guard.closed = true
  set_grad_enabled(guard.previous)
end
-- A guard dropped without <close> (`mv.no_grad()` typed as in PyTorch) leaves the mode switched until someone
-- switches it back; restoring it at an arbitrary collection would be worse, so the collector only says so.
function Guard.__gc(guard)
  if not guard.closed and is_grad_enabled() ~= guard.previous then
    stderr:write("warning: a guard of mv.no_grad() or mv.enable_grad() was dropped without being closed: gradient recording stays ",
                 is_grad_enabled() and "on" or "off", " until mv.set_grad_enabled(", tostring(guard.previous),
                 "); write local _ <close> = mv.no_grad(), or pass a function\n")
  end
end
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

-- The engine has one recording switch; each coroutine keeps its own, as PyTorch keeps one per thread: a coroutine
-- that yields inside mv.no_grad must not leave recording off in the code that resumed it. A coroutine starts with
-- the mode of whoever first resumes it and gets back the mode it had when it yielded.
local modes = setmetatable({}, {__mode = "k"})
local raw_resume, create, close, pack, unpack = coroutine.resume, coroutine.create, coroutine.close, table.pack, table.unpack
local function resume(co, ...)
  local outer = is_grad_enabled()
  local inner = modes[co]
  if inner == nil then inner = outer end
  set_grad_enabled(inner)
  local results = pack(raw_resume(co, ...))
  modes[co] = is_grad_enabled()
  set_grad_enabled(outer)
  return unpack(results, 1, results.n)
end
coroutine.resume = resume  -- luacheck: ignore 122 (replacing the standard function is the point)
function coroutine.wrap(f)  -- luacheck: ignore 122
  local co = create(f)
  return function(...)
    local results = pack(resume(co, ...))
    if not results[1] then
      close(co)
      error(results[2], 0)  -- as the standard wrap: the coroutine's error value, unchanged
    end
    return unpack(results, 2, results.n)
  end
end
