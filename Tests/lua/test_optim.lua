-- mv.optim: one step of each optimizer equals PyTorch's formula computed here in Lua; parameter groups,
-- state dicts, gradient clipping, the cosine schedule and EMA.
local T = require "lib.testing"

--- A parameter with the given values and gradient.
local function parameter(values, grad)
  local p = mv.tensor(values):requires_grad()
  p.grad = mv.tensor(grad)
  return p
end

T.test("SGD with momentum, dampening and weight decay", function()
  local p = parameter({1, -2}, {0.5, 0.25})
  local opt = mv.optim.SGD({p}, {lr = 0.1, momentum = 0.9, dampening = 0.1, weight_decay = 0.01})
  opt:step()
  -- step 1: d = g + wd p; buf = d; p -= lr buf
  local d = {0.5 + 0.01 * 1, 0.25 + 0.01 * -2}
  local expected = {1 - 0.1 * d[1], -2 - 0.1 * d[2]}
  T.near(p:totable(), expected, 1e-6)
  opt:step()
  -- step 2: buf = momentum buf + (1 - dampening) d
  local d2 = {0.5 + 0.01 * expected[1], 0.25 + 0.01 * expected[2]}
  local buf = {0.9 * d[1] + 0.9 * d2[1], 0.9 * d[2] + 0.9 * d2[2]}
  T.near(p:totable(), {expected[1] - 0.1 * buf[1], expected[2] - 0.1 * buf[2]}, 1e-6)
  local plain = parameter({1}, {2})
  mv.optim.SGD({plain}, {lr = 0.5}):step()
  T.near(plain:totable(), {0})
end)

--- One Adam step (PyTorch's torch.optim.Adam / AdamW with amsgrad off) from zero moments.
local function adam_step(p, g, lr, b1, b2, eps, wd, decoupled)
  if decoupled then p = p * (1 - lr * wd) else g = g + wd * p end
  local m, v = (1 - b1) * g, (1 - b2) * g * g
  local m_hat, v_hat = m / (1 - b1), v / (1 - b2)
  return p - lr * m_hat / (math.sqrt(v_hat) + eps)
end

T.test("one AdamW and one Adam step equal the formula", function()
  for _, decoupled in ipairs{true, false} do
    local values, grads = {0.5, -1.5, 3}, {0.1, -2, 0.003}
    local p = parameter(values, grads)
    local make = decoupled and mv.optim.AdamW or mv.optim.Adam
    make({p}, {lr = 0.01, betas = {0.8, 0.95}, eps = 1e-6, weight_decay = 0.1}):step()
    local expected = {}
    for i = 1, 3 do expected[i] = adam_step(values[i], grads[i], 0.01, 0.8, 0.95, 1e-6, 0.1, decoupled) end
    T.near(p:totable(), expected, 1e-6, decoupled and "AdamW" or "Adam")
  end
end)

T.test("parameter groups, param_groups and zero_grad", function()
  local a, b = parameter({1}, {1}), parameter({1}, {1})
  local opt = mv.optim.SGD({{params = {a}, lr = 0.5}, {params = {b}}}, {lr = 0.1})
  T.raises(function() mv.optim.SGD({{params = {a}}, {params = {b * 2}}}, {lr = 0.1}) end,
           "parameter group 2 (counting from 1) holds a tensor that is not a leaf")
  T.eq(#opt.param_groups, 2)
  T.near(opt.param_groups[1].lr, 0.5)
  T.near(opt.param_groups[2].lr, 0.1)
  opt:step()
  T.near(a:item(), 0.5, 1e-6)
  T.near(b:item(), 0.9, 1e-6)
  opt.param_groups[2].lr = 0.2
  opt:step()
  T.near(b:item(), 0.7, 1e-6, "a changed lr applies")
  T.eq(opt.param_groups[1].params[1], a)
  opt:zero_grad()
  T.eq(a.grad, nil)
  opt:step()
  T.near(a:item(), 0, 1e-6, "parameters without gradients are skipped")
  T.raises(function() opt.param_groups[1].lr = -1 end, "ParamGroup.lr: argument #1 'lr': expected a finite number >= 0, got -1")
  T.raises(function() mv.optim.SGD({{params = {a}, lrr = 1}}) end, "mv.optim.SGD: unknown option 'lrr' (did you mean 'lr'?)")
  T.raises(function() mv.optim.AdamW({a, a}) end, "mv.optim.AdamW: a parameter appears more than once")
  T.raises(function() mv.optim.AdamW({a}, {betas = {0.9}}) end, "option 'betas': expected {beta1, beta2}, got 1 numbers")
  T.raises(function() mv.optim.AdamW({a}, {wieght_decay = 0}) end, "unknown option 'wieght_decay' (did you mean 'weight_decay'?)")
  T.raises(function() mv.optim.AdamW(mv.nn.Linear(1, 1)) end, "mv.optim.AdamW: argument #1 'params': expected an array of tensors or of parameter groups, got Module")
  T.raises(function() mv.optim.AdamW({a * 2}) end, "is not a leaf")
end)

T.test("optimizer state_dict round trip continues identically", function()
  local function run(opt, p, steps) for _ = 1, steps do p.grad = p * 0.5 + 1; opt:step() end end
  local p1 = parameter({1, 2}, {0, 0})
  local o1 = mv.optim.AdamW({p1}, {lr = 0.1})
  run(o1, p1, 3)
  local sd = o1:state_dict()
  T.truthy(sd["0.exp_avg"] ~= nil and sd["0.step"]:item() == 3, "state names")
  local p2 = parameter(p1:totable(), {0, 0})
  local o2 = mv.optim.AdamW({p2}, {lr = 0.1})
  o2:load_state_dict(sd)
  run(o1, p1, 2)
  run(o2, p2, 2)
  T.near(p2:totable(), p1:totable(), 1e-6)
  T.raises(function() o2:load_state_dict{["0.step"] = mv.tensor(1e30), ["0.exp_avg"] = mv.zeros(2), ["0.exp_avg_sq"] = mv.zeros(2)} end,
    "must be a step count")
  T.raises(function() o2:load_state_dict{["5.exp_avg"] = mv.zeros(2)} end, "unexpected key '5.exp_avg'")
end)

T.test("clip_grad_norm returns the total norm and scales the gradients", function()
  local a, b = parameter({0, 0}, {3, 0}), parameter({0}, {4})
  T.near(mv.nn.clip_grad_norm({a, b}, 1), 5, 1e-6)
  T.near(a.grad:totable(), {3 / 5, 0}, 1e-5)
  T.near(b.grad:totable(), {4 / 5}, 1e-5)
  T.near(mv.nn.clip_grad_norm({a, b}, 10), 1, 1e-5, "below max_norm nothing changes")
  T.near(mv.nn.clip_grad_norm({a}, 0), 0.6, 1e-5, "max_norm 0 (PyTorch takes it) zeroes the gradients")
  T.near(a.grad:totable(), {0, 0}, 0)
  T.raises(function() mv.nn.clip_grad_norm({a}, -1) end, "mv.nn.clip_grad_norm: max_norm must be a finite number >= 0, got -1.0")
  a.grad = mv.tensor{0 / 0, 1}
  T.raises(function() mv.nn.clip_grad_norm_({a}, 1) end, "mv.nn.clip_grad_norm_: the total gradient norm is nan")
end)

T.test("cosine schedule with warm-up", function()
  local schedule = mv.optim.cosine_schedule{lr = 1, min_lr = 0.1, warmup_epochs = 2, num_epoch = 10}
  T.near(schedule(0), 0)
  T.near(schedule(1), 0.5)
  T.near(schedule(2), 1)
  T.near(schedule(6), 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 4 / 8)), 1e-9)
  T.near(schedule(10), 0.1, 1e-9)
  local p = parameter({1}, {1})
  local opt = mv.optim.SGD({p}, {lr = 5})
  T.near(schedule:apply(opt, 2, 3, 4), 0.5 * 1.5, 1e-9, "epoch 2, iteration 3 of 4 is 1.5 epochs in")
  T.near(opt.param_groups[1].lr, 0.75, 1e-6)
  T.raises(function() schedule:apply(opt, 1, 5, 4) end, "CosineSchedule:apply: argument #3 'iter': expected an integer in 1...4, got 5")
  T.raises(function() mv.optim.cosine_schedule{lr = 1} end, "mv.optim.cosine_schedule: option 'num_epoch' is required")
end)

T.test("EMA of parameters", function()
  local p = mv.tensor{0, 10}:requires_grad()
  local ema = mv.optim.EMA({p}, {decay = 0.5, warmup = false})
  mv.no_grad(function() p:copy_(mv.tensor{2, 0}) end)
  ema:update()
  T.near(ema.shadows[1]:totable(), {1, 5})
  T.eq(ema.num_updates, 1)
  ema:copy_to()
  T.near(p:totable(), {1, 5})
  local warm = mv.optim.EMA({p}, {decay = 0.999})
  -- LitEma increments num_updates before min(decay, (1 + n) / (10 + n)): 2/11 for the first update, and a parameter
  -- at 0 then 1, 2, 3, 4 averages to 0.8182, 1.7045, 2.6014, 3.5005 (its forward, step by step).
  T.near(warm.decay, 2 / 11, 1e-7, "warm-up decay (1 + n) / (10 + n), n counting this update")
  local q = mv.tensor{0}
  local lit = mv.optim.EMA({q}, {decay = 0.9999})
  local expected = {0.8181818, 1.7045455, 2.6013986, 3.5004995}
  for step = 1, 4 do
    mv.no_grad(function() q:fill_(step) end)
    lit:update()
    T.near(lit.shadows[1]:totable()[1], expected[step], 1e-5, "LitEma after update " .. step)
  end
  T.raises(function() mv.optim.EMA({p}, {decay = 2}) end, "mv.optim.EMA: decay must be in [0, 1], got 2.0")
end)

T.finish()
