-- Autograd from Lua: gradients of a small network against finite differences computed here, hand-derived
-- gradients, accumulation, detach, retain_graph and the grad mode.
local T = require "lib.testing"

--- The network: loss = mean((tanh(x W1 + b1) W2 - target)^2).
local function network_loss(x, w1, b1, w2, target)
  local y = (x:matmul(w1) + b1):tanh():matmul(w2)
  return ((y - target) ^ 2):mean()
end

T.test("a small network's gradients equal finite differences", function()
  mv.manual_seed(3)
  local x, target = mv.randn(4, 3), mv.randn(4, 2)
  local params = {w1 = mv.randn(3, 5):requires_grad(), b1 = mv.randn(5):requires_grad(), w2 = mv.randn(5, 2):requires_grad()}
  local loss = network_loss(x, params.w1, params.b1, params.w2, target)
  T.truthy(loss.grad_fn ~= nil and not loss.is_leaf, "the loss has a graph")
  -- Composite operations are named as called (as PyTorch's MeanBackward), not after the op they end in.
  local w = params.w2
  T.eq(w:mean().grad_fn, "mean")
  T.eq(w:mean(1).grad_fn, "mean")
  T.eq(w:var().grad_fn, "var")
  T.eq(mv.nn.functional.mse_loss(w, mv.zeros(5, 2)).grad_fn, "mse_loss")
  T.eq(mv.nn.functional.l1_loss(w, mv.zeros(5, 2), {reduction = "none"}).grad_fn, "l1_loss")
  T.eq((w * 2).grad_fn, "mul")
  loss:backward()
  local eps = 1e-2
  local function loss_value() return network_loss(x, params.w1, params.b1, params.w2, target):item() end
  for name, p in pairs(params) do
    local flat, grad = p:view(-1), p.grad:view(-1)
    for i = 1, p:numel() do
      local numeric = mv.no_grad(function()
        local saved = flat[i]
        flat[i] = saved + eps
        local up = loss_value()
        flat[i] = saved - eps
        local down = loss_value()
        flat[i] = saved
        return (up - down) / (2 * eps)
      end)
      T.near(grad[i], numeric, 2e-3, name .. "[" .. i .. "]")
    end
  end
end)

T.test("hand-derived gradients", function()
  local a, b = mv.tensor{1, 2, 3}:requires_grad(), mv.tensor{4, 5, 6}:requires_grad()
  ;(a * b):sum():backward()
  T.near(a.grad:totable(), {4, 5, 6})
  T.near(b.grad:totable(), {1, 2, 3})
  local x = mv.tensor{{1, -2}, {3, 0.5}}:requires_grad()
  ;(x ^ 2):mean():backward()
  T.near(x.grad:totable(), {{0.5, -1}, {1.5, 0.25}}, 1e-6, "d mean(x^2) = 2x / n")
  local s = mv.tensor{1, 2}:requires_grad()
  local scalar = 3 * s:sum() - 1 / s:sum()
  scalar:backward()
  T.near(s.grad:totable(), {3 + 1 / 9, 3 + 1 / 9}, 1e-6, "numbers on the left of operators")
  local v = mv.tensor{{1, 2}, {3, 4}}:requires_grad()
  v:max():backward()
  T.near(v.grad:totable(), {{0, 0}, {0, 1}})
end)

T.test("norm and std: gradient 0 where they are 0, as PyTorch (it was NaN)", function()
  local function grad_of(t, f) t = t:requires_grad(); f(t):backward(); return t.grad end
  T.truthy(grad_of(mv.zeros(3), function(t) return t:norm() end):equal(mv.zeros(3)))
  local rows = grad_of(mv.tensor{{0, 0}, {3, 4}}, function(t) return t:norm(2, 2):sum() end)
  T.truthy(rows:allclose(mv.tensor{{0, 0}, {0.6, 0.8}}), tostring(rows))
  -- p = 3 along rows: torch gives [[0, 0], [0.4449, 0.7908]].
  local cubes = grad_of(mv.tensor{{0, 0}, {3, 4}}, function(t) return t:norm(3, 2):sum() end)
  T.truthy(cubes:allclose(mv.tensor{{0, 0}, {0.4449, 0.7908}}, 0, 1e-4), tostring(cubes))
  local spread = grad_of(mv.tensor{{1, 1, 1}, {1, 2, 3}}, function(t) return t:std(2):sum() end)
  T.truthy(spread:allclose(mv.tensor{{0, 0, 0}, {-0.5, 0, 0.5}}), tostring(spread))
  T.near(mv.tensor{3, 4}:norm():item(), 5); T.near(mv.tensor{3, -4}:norm(1):item(), 7)
end)

T.test("one element of a tensor that requires grad is a 0-d tensor the gradient flows through", function()
  local w = mv.tensor{{1, 2}, {3, 4}}:requires_grad()
  ;(w * w[{1, 2}]):sum():backward()
  T.truthy(w.grad:equal(mv.tensor{{2, 12}, {2, 2}}), tostring(w.grad))
  local v = mv.tensor{5, 6, 7}:requires_grad()
  ;(v * v[2]):sum():backward()
  T.truthy(v.grad:equal(mv.tensor{6, 24, 6}), tostring(v.grad))
  T.eq(type(mv.tensor{1, 2}[1]), "number", "without grad a number, as Lua code expects")
  T.eq(mv.no_grad(function() return type(v[1]) end), "number", "and under no_grad")
end)

T.test("logsumexp: stable values and the softmax as gradient (torch.logsumexp's numbers)", function()
  local x = mv.tensor{{1, 2, 3}, {1000, 1000, -1000}, {-1 / 0, -1 / 0, -1 / 0}}:requires_grad()
  local y = x:logsumexp(2)
  T.near(y[1]:item(), 3.4076059, 1e-5); T.near(y[2]:item(), 1000.6931472, 1e-3); T.eq(y[3]:item(), -math.huge)
  y:narrow(1, 1, 2):sum():backward()
  T.truthy(x.grad:narrow(1, 1, 2):allclose(mv.tensor{{0.0900306, 0.2447285, 0.6652410}, {0.5, 0.5, 0}}, 0, 1e-6), tostring(x.grad))
  T.eq(tostring(mv.logsumexp(mv.tensor{{1, 2}, {3, 4}}, 1, true):shape()), "[1, 2]")
end)

T.test("PyTorch's gradients at ties and outside a function's domain (torch 2.15's numbers)", function()
  -- max()/min() over all elements split the gradient among the tied elements; along a dimension the first takes it.
  local x = mv.tensor{{1, 3, 3}, {2, 3, 0}}:requires_grad()
  x:max():backward()
  T.near(x.grad:totable(), {{0, 1 / 3, 1 / 3}, {0, 1 / 3, 0}}, 1e-7)
  local y = mv.tensor{{1, 0, 0}, {2, 3, 0}}:requires_grad()
  y:min():backward()
  T.near(y.grad:totable(), {{0, 1 / 3, 1 / 3}, {0, 0, 1 / 3}}, 1e-7)
  local z = mv.tensor{{1, 3, 3}}:requires_grad()
  z:max(2):sum():backward()
  T.near(z.grad:totable(), {{0, 1, 0}})
  -- d(b^e)/de = b^e log b: NaN for a negative base (it was 0), 0 for a zero base with e >= 0.
  local b, e = mv.tensor{-2, 0, 3}, mv.tensor{2, 2, 2}:requires_grad()
  b:pow(e):sum():backward()
  local g = e.grad:totable()
  T.truthy(g[1] ~= g[1] and g[2] == 0 and math.abs(g[3] - 9 * math.log(3)) < 1e-4, tostring(e.grad))
end)

T.test("maximum and minimum split a tie's gradient in halves, as PyTorch", function()
  local a, b = mv.tensor{2, 1}:requires_grad(), mv.tensor{2, 5}:requires_grad()
  a:maximum(b):sum():backward()
  T.truthy(a.grad:equal(mv.tensor{0.5, 0}) and b.grad:equal(mv.tensor{0.5, 1}), tostring(a.grad) .. tostring(b.grad))
  local c, d = mv.tensor{2, 1}:requires_grad(), mv.tensor{2, 5}:requires_grad()
  c:minimum(d):sum():backward()
  T.truthy(c.grad:equal(mv.tensor{0.5, 1}) and d.grad:equal(mv.tensor{0.5, 0}), tostring(c.grad) .. tostring(d.grad))
end)

T.test("gradients accumulate until cleared", function()
  local w = mv.tensor{1, 2}:requires_grad()
  for _ = 1, 3 do (w * w):sum():backward() end
  T.near(w.grad:totable(), {6, 12})
  w.grad = nil
  T.eq(w.grad, nil)
  ;(w * 2):sum():backward()
  T.near(w.grad:totable(), {2, 2})
end)

T.test("backward with an explicit gradient, retain_graph", function()
  local x = mv.tensor{1, 2}:requires_grad()
  local y = x * 3
  y:backward(mv.tensor{1, 10}, {retain_graph = true})
  T.near(x.grad:totable(), {3, 30})
  y:backward(mv.tensor{1, 1})
  T.near(x.grad:totable(), {6, 33})
  T.raises(function() y:backward(mv.tensor{1, 1}) end, "Tensor:backward: the graph was already freed")
  T.raises(function() (x * 1):backward() end, "Tensor:backward: output of shape [2] is not a scalar")
  T.raises(function() mv.ones(2):sum():backward() end, "does not require grad")
  local w = mv.ones(3):requires_grad()
  local unrecorded = mv.no_grad(function() return (w * w):sum() end)
  T.raises(function() unrecorded:backward() end, "or it was computed while gradient recording was off (no_grad)")
  T.raises(function() x:backward(nil, {retian_graph = true}) end, "Tensor:backward: unknown option 'retian_graph' (did you mean 'retain_graph'?)")
end)

T.test("detach stops gradients and shares storage", function()
  local x = mv.tensor{1, 2}:requires_grad()
  local d = x:detach()
  T.truthy(not d.needs_grad and d.is_leaf, "detached")
  local y = (x * d):sum()
  y:backward()
  T.near(x.grad:totable(), {1, 2}, 0, "no gradient through the detached factor")
  mv.no_grad(function() x:add_(1) end)
  T.near(d:totable(), {2, 3}, 0, "shares storage")
  local z = x * 2
  T.truthy(not z.is_leaf and z.needs_grad, "results of ops are not leaves")
  T.raises(function() z:requires_grad(false) end, "cannot turn off gradients of a non-leaf tensor")
end)

T.test("a tensor saved for backward and modified in place is reported", function()
  local x = mv.tensor{1, 2}:requires_grad()
  local h = x * 1
  local e = h:exp()
  mv.no_grad(function() h:detach():add_(1) end)
  T.raises(function() e:sum():backward() end, "a tensor saved for the gradient was modified in place")
  local k = x * 1
  local top = k:max()
  mv.no_grad(function() k:detach():add_(1) end)
  T.raises(function() top:backward() end, "a tensor saved for the gradient was modified in place")
end)

T.test("no_grad returns the function's results and restores the mode", function()
  local w = mv.ones(2):requires_grad()
  local a, b, c = mv.no_grad(function(k) return w * k, "two", nil end, 5)
  T.truthy(not a.needs_grad, "no graph under no_grad")
  T.near(a:totable(), {5, 5})
  T.eq(b, "two")
  T.eq(c, nil)
  T.eq(mv.is_grad_enabled(), true)
  local ok, message = pcall(mv.no_grad, function() error("inside", 0) end)
  T.truthy(not ok and message == "inside", "errors propagate unchanged")
  T.eq(mv.is_grad_enabled(), true, "restored after an error")
  mv.no_grad(function()
    T.eq(mv.is_grad_enabled(), false)
    local inner = mv.enable_grad(function() return w * 2 end)
    T.truthy(inner.needs_grad, "enable_grad inside no_grad records")
    T.eq(mv.is_grad_enabled(), false)
  end)
  do
    local _ <close> = mv.no_grad()
    T.truthy(not (w * 2).needs_grad, "guard form")
  end
  T.eq(mv.is_grad_enabled(), true, "restored when the guard closes")
  T.eq(mv.set_grad_enabled(false), true)
  T.eq(mv.set_grad_enabled(true), false)
  T.raises(function() mv.no_grad(5) end, "mv.no_grad: argument #1 'f': expected a function")
end)

T.test("each coroutine keeps its own recording mode", function()
  local w = mv.ones(2):requires_grad()
  local inside = {}
  local co = coroutine.wrap(function()
    mv.no_grad(function()
      coroutine.yield()
      inside[#inside + 1] = mv.is_grad_enabled()
    end)
    return mv.is_grad_enabled()
  end)
  co()  -- suspended inside mv.no_grad
  T.eq(mv.is_grad_enabled(), true, "the resumer records while the coroutine waits inside no_grad")
  T.truthy((w * 2).needs_grad)
  T.eq(co(), true, "restored in the coroutine when its no_grad block ends")
  T.eq(inside[1], false, "and off again inside it after the yield")
  local ok, value = coroutine.resume(coroutine.create(function() return mv.is_grad_enabled() end))
  T.truthy(ok and value == true)
  local failing = coroutine.wrap(function() error({code = 7}) end)
  local okay, err = pcall(failing)
  T.truthy(not okay and err.code == 7, "wrap passes the error value unchanged")
end)

T.test("requires_grad and grad assignment checks", function()
  local t = mv.zeros(2)
  T.eq(t:requires_grad(), t, "returns the tensor itself")
  T.truthy(t.needs_grad and t.is_leaf)
  t:requires_grad(false)
  T.truthy(not t.needs_grad)
  T.raises(function() t.grad = mv.ones(3) end, "Tensor.grad: a gradient of shape [3] does not fit a tensor of shape [2]")
  T.raises(function() t.grad = 1 end, "Tensor.grad: expected a Tensor or nil, got 1")
  T.raises(function() t.shape = 1 end, "Tensor has no settable field 'shape'")
end)

T.test("backward{retain_graph = true} and the message that names it", function()
  local x = mv.randn(3):requires_grad()
  local y = (x * x):sum()
  y:backward{retain_graph = true}
  y:backward()
  T.near(x.grad:totable(), (x:detach() * 4):totable(), 1e-5, "two backwards accumulate")
  T.raises(function() y:backward() end, "keep it with retain_graph")
  local z = (x * 2):sum()
  z:backward(nil, {retain_graph = true})
  T.raises(function() z:backward{retain_grpah = true} end, "unknown option 'retain_grpah' (did you mean 'retain_graph'?)")
end)

T.finish()
