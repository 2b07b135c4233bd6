-- mv.nn: layers, parameter names and order, state dicts, train/eval, module printing, modules written in Lua.
local T = require "lib.testing"

local function join(names) return table.concat(names, " ") end

T.test("parameter names follow PyTorch, in registration order", function()
  local seq = mv.nn.Sequential(mv.nn.Linear(4, 8), mv.nn.GELU(), mv.nn.Linear(8, 2, {bias = false}))
  T.eq(join(seq:parameter_names()), "0.weight 0.bias 2.weight")
  local block = mv.nn.TransformerBlock{dim = 8, heads = 2, mlp_ratio = 2}
  T.eq(join(block:parameter_names()), "norm1.weight norm1.bias attn.qkv.weight attn.qkv.bias attn.proj.weight attn.proj.bias "
    .. "norm2.weight norm2.bias mlp.fc1.weight mlp.fc1.bias mlp.fc2.weight mlp.fc2.bias")
  local named, order = block:named_parameters()
  T.eq(join(order), join(block:parameter_names()))
  T.eq(named["attn.qkv.weight"], block.attn.qkv.weight, "the parameter tensors themselves")
  T.eq(block:get_parameter("mlp.fc1.bias"), block.mlp.fc1.bias)
  T.eq(block:get_submodule("attn.proj"), block.attn.proj)
  T.near(block.attn.qkv.weight:shape(), {24, 8})
  T.eq(block:num_parameters(), 2 * 8 + (24 * 8 + 24) + (8 * 8 + 8) + 2 * 8 + (16 * 8 + 16) + (8 * 16 + 8))
  local params = block:parameters()
  T.eq(#params, 12)
  T.eq(params[3], block.attn.qkv.weight)
  local modules, module_names = block:named_modules()
  T.eq(join(module_names), " norm1 attn attn.qkv attn.proj norm2 mlp mlp.fc1 mlp.fc2")
  T.eq(modules["mlp.fc2"], block.mlp.fc2)
  T.eq(#block:children(), 4)
  T.raises(function() block:get_submodule("nope") end, "Module:get_submodule: no submodule 'nope' in TransformerBlock")
end)

T.test("modules print as a tree", function()
  local seq = mv.nn.Sequential(mv.nn.Linear(16, 32), mv.nn.GELU{approximate = "tanh"}, mv.nn.Dropout(0.1))
  T.eq(tostring(seq), "Sequential(\n  [1]: Linear(in=16, out=32, bias=true)\n  [2]: GELU(approximate=tanh)\n  [3]: Dropout(p=0.1)\n)")
  T.eq(tostring(mv.nn.Conv2d(3, 8, 3, {stride = 2, padding = 1})), "Conv2d(in=3, out=8, kernel=3, stride=2, padding=1)")
end)

T.test("state_dict round trip and load_state_dict's missing/unexpected keys", function()
  mv.manual_seed(1)
  T.eq(tostring(mv.nn.LayerNorm({4})), tostring(mv.nn.LayerNorm(4)), "a shape of one size, as torch.nn.LayerNorm takes")
  T.raises(function() mv.nn.LayerNorm({3, 4}) end, "only the last dimension is normalised here")
  local a = mv.nn.Sequential(mv.nn.Linear(3, 4), mv.nn.LayerNorm(4))
  local b = mv.nn.Sequential(mv.nn.Linear(3, 4), mv.nn.LayerNorm(4))
  local x = mv.randn(2, 3)
  T.truthy(not a(x):allclose(b(x)), "different initialisations")
  local sd = a:state_dict()
  local names = {}
  for name in pairs(sd) do names[#names + 1] = name end
  T.eq(join(names), "0.weight 0.bias 1.weight 1.bias", "pairs() walks the state dict in registration order")
  T.eq(select("#", a:state_dict()), 1, "one value, so load_state_dict(other:state_dict()) works")
  T.truthy(not sd["0.weight"].needs_grad, "state_dict tensors are detached")
  local missing, unexpected = b:load_state_dict(sd)
  T.eq(#missing + #unexpected, 0)
  T.truthy(a(x):allclose(b(x)), "same outputs after loading")
  local partial = {["0.weight"] = mv.zeros(4, 3), ["0.extra"] = mv.zeros(1)}
  missing, unexpected = b:load_state_dict(partial, {strict = false})
  T.eq(join(missing), "0.bias 1.weight 1.bias")
  T.eq(join(unexpected), "0.extra")
  T.eq(b[1].weight:abs():sum():item(), 0, "present keys are loaded")
  T.raises(function() b:load_state_dict(partial) end, "Module:load_state_dict: missing keys: 0.bias, 1.weight, 1.bias; unexpected keys: 0.extra")
  local prefixed = {}
  for k, v in pairs(sd) do prefixed["model." .. k] = v end
  missing, unexpected = b:load_state_dict(prefixed, {prefix = "model."})
  T.eq(#missing + #unexpected, 0)
  T.raises(function() b:load_state_dict{["0.weight"] = mv.zeros(2, 2)} end, "checkpoint shape [2, 2] does not match model shape [4, 3]")
  T.raises(function() b:load_state_dict{["0.weight"] = 5} end, "Module:load_state_dict: argument #1 'state_dict' at [\"0.weight\"]: expected a Tensor, got 5")
  T.raises(function() b:load_state_dict(sd, {stric = false}) end, "unknown option 'stric' (did you mean 'strict'?)")
end)

T.test("train and eval switch dropout", function()
  mv.manual_seed(5)
  local net = mv.nn.Sequential(mv.nn.Identity(), mv.nn.Dropout(0.5))
  T.eq(net.training, true)
  local y = net(mv.ones(1000))
  local zeros = y:eq(0):sum():item()
  T.truthy(zeros > 400 and zeros < 600, "about half dropped: " .. zeros)
  T.near(y:max():item(), 2, 1e-6, "survivors scaled by 1/(1-p)")
  T.eq(net:eval(), net, "eval returns the module")
  T.eq(net.training, false)
  T.eq(net[2].training, false, "children follow")
  T.near(net(mv.ones(5)):totable(), {1, 1, 1, 1, 1})
  net:train()
  T.eq(net[2].training, true)
end)

T.test("layers compute what PyTorch does", function()
  local lin = mv.nn.Linear(2, 1)
  mv.no_grad(function() lin.weight:copy_(mv.tensor{{2, 3}}); lin.bias:fill_(1) end)
  T.near(lin(mv.tensor{{1, 1}, {0, 2}}):totable(), {{6}, {7}})
  local emb = mv.nn.Embedding(3, 2)
  T.near(emb(mv.tensor{3, 1}):totable(), {emb.weight[3]:totable(), emb.weight[1]:totable()}, 0, "1-based indices")
  T.raises(function() emb(mv.tensor{0}) end, "Embedding: argument #1 'indices': expected indices in 1...3, found 0")
  local conv = mv.nn.Conv2d(1, 1, 3, {padding = 1, bias = false})
  mv.no_grad(function() conv.weight:fill_(1) end)
  T.near(conv(mv.ones(1, 1, 3, 3)):totable(), {{{{4, 6, 4}, {6, 9, 6}, {4, 6, 4}}}})
  local attn = mv.nn.CrossAttention{query_dim = 4, context_dim = 6, heads = 2, head_dim = 3}
  T.near(attn(mv.randn(2, 5, 4), mv.randn(2, 7, 6)):shape(), {2, 5, 4})
  local self_attn = mv.nn.CrossAttention{query_dim = 4, heads = 2, head_dim = 3}
  T.near(self_attn(mv.randn(2, 5, 4)):shape(), {2, 5, 4}, 0, "self-attention without context")
  -- No queries give no output, with and without gradients (without, the inference path divided by zero and ended the process).
  mv.no_grad(function() T.near(attn(mv.randn(2, 0, 4), mv.randn(2, 7, 6)):shape(), {2, 0, 4}) end)
  T.near(mv.nn.functional.attention(mv.randn(1, 0, 4), mv.randn(1, 3, 4), mv.randn(1, 3, 4), 2):shape(), {1, 0, 4})
  T.raises(function() mv.nn.functional.conv2d(mv.randn(1, 2, 4, 4), mv.randn(2, 2, 0, 0)) end, "kernel 0x0 is empty")
  T.near(mv.nn.MultiheadAttention{dim = 8, heads = 2}(mv.randn(1, 3, 8)):shape(), {1, 3, 8})
  T.near(mv.nn.GroupNorm(2, 4)(mv.randn(2, 4, 3)):shape(), {2, 4, 3})
  local F = mv.nn.functional
  T.near(F.cross_entropy(mv.tensor{{0, 0}, {0, 0}}, mv.tensor{1, 2}):item(), math.log(2), 1e-6)
  T.near(F.mse_loss(mv.tensor{1, 2}, mv.tensor{1, 4}):item(), 2)
  -- reduction and label_smoothing as PyTorch (numbers from torch.nn.functional); they used to be ignored.
  local x, y = mv.tensor{{2, 0, 0}, {0, 3, 1}}, mv.tensor{{0, 2, 5}, {1, 1, 1}}
  T.near(F.mse_loss(x, y, {reduction = "sum"}):item(), 38)
  T.eq(tostring(F.mse_loss(x, y, {reduction = "none"}):shape()), "[2, 3]")
  T.near(F.l1_loss(x, y, {reduction = "sum"}):item(), 12)
  T.near(F.cross_entropy(x, mv.tensor{1, 3}, {label_smoothing = 0.1}):item(), 1.254695, 1e-5)
  T.near(F.cross_entropy(x, mv.tensor{1, 3}, {reduction = "sum"}):item(), 2.409391, 1e-5)
  T.near(F.cross_entropy(x, mv.tensor{1, 3}, {label_smoothing = 0.1, reduction = "none"})[2], 2.136513, 1e-5)
  T.raises(function() F.cross_entropy(x, mv.tensor{1, 3}, {weight = mv.ones(3)}) end, "unknown option 'weight'")
  T.raises(function() F.cross_entropy(x, mv.tensor{1, 3}, {label_smoothing = 2}) end, "label_smoothing must be in [0, 1], got 2.0")
  T.raises(function() F.mse_loss(x, y, {reduction = "max"}) end, "expected \"mean\", \"sum\" or \"none\", got \"max\"")
  T.near(F.layer_norm(mv.tensor{{1, 3}}, 2):totable(), {{-1, 1}}, 1e-3)
  T.near(F.linear(mv.tensor{{1, 2}}, mv.tensor{{1, 1}}, mv.tensor{1}):totable(), {{4}})
end)

T.test("errors name the module and carry its path", function()
  local block = mv.nn.TransformerBlock{dim = 8, heads = 2}
  T.raises(function() block(mv.randn(2, 3, 7)) end, "TransformerBlock: ")
  T.raises(function() block(mv.randn(2, 3, 7)) end, "layer_norm: weight [8] does not match normalised size 7")
  T.raises(function() mv.nn.Linear(4, 2)(mv.randn(3, 5)) end, "Linear: linear: input [3, 5] x weight [2, 4]")
  T.raises(function() mv.nn.Linear(4, 2)(5) end, "Linear: argument #1 'input': expected a Tensor, got 5")
  T.raises(function() mv.nn.Linear(4, 0) end, "mv.nn.Linear: argument #2 'out_features': expected an integer in 1...")
  T.raises(function() mv.nn.Conv2d(1, 1, 3, {strid = 2}) end, "mv.nn.Conv2d: unknown option 'strid' (did you mean 'stride'?)")
  T.raises(function() mv.nn.MultiheadAttention{dim = 6, heads = 4} end, "MultiheadAttention: width 6 is not divisible by 4 heads")
  T.raises(function() mv.nn.TransformerBlock{dim = 8} end, "mv.nn.TransformerBlock: option 'heads' is required")
end)

local MLP = mv.nn.Module:extend("MLP")

function MLP:__init(d, hidden)
  self.fc1 = mv.nn.Linear(d, hidden)
  self.act = mv.nn.GELU()
  self.fc2 = mv.nn.Linear(hidden, 1)
  self.gain = mv.nn.Parameter(mv.ones(1))
  self:register_buffer("calls", mv.zeros(1))
  self.description = "plain fields are not registered"
end

function MLP:forward(x)
  mv.no_grad(function() self.calls:add_(1) end)
  return self.fc2(self.act(self.fc1(x))) * self.gain
end

T.test("modules written in Lua: registration, names, printing", function()
  local m = MLP(3, 8)
  T.eq(join(m:parameter_names()), "gain fc1.weight fc1.bias fc2.weight fc2.bias")
  local state_names = {}
  for name in pairs(m:state_dict()) do state_names[#state_names + 1] = name end
  T.eq(join(state_names), "gain calls fc1.weight fc1.bias fc2.weight fc2.bias")
  T.eq(m.description, "plain fields are not registered")
  T.eq(tostring(m), "MLP(\n  (fc1): Linear(in=3, out=8, bias=true)\n  (act): GELU()\n  (fc2): Linear(in=8, out=1, bias=true)\n)")
  T.truthy(mv.nn.is_module(m) and mv.nn.isinstance(m, MLP) and mv.nn.isinstance(m, mv.nn.Module))
  local Outer = mv.nn.class("Outer")
  function Outer:__init() self.blocks = mv.nn.ModuleList{MLP(3, 4), MLP(3, 4)}; self.head = mv.nn.Linear(1, 1) end
  function Outer:forward(x) local s = 0; for _, b in ipairs(self.blocks) do s = s + b(x) end; return self.head(s) end
  local o = Outer()
  T.eq(#o.blocks, 2)
  T.eq(o:get_submodule("blocks.1.fc2"), o.blocks[2].fc2, "list[2] is child '1'")
  T.eq(o:parameter_names()[1], "blocks.0.gain")
  T.near(o(mv.randn(5, 3)):shape(), {5, 1})
  T.eq(o.blocks[1].calls:item(), 1, "buffers are plain tensors the module updates")
  T.eq(o:eval(), o)
  T.eq(o.blocks[2].training, false, "eval reaches Lua children")
  T.raises(function() o.head = mv.nn.Linear(1, 1) end, "Outer: 'head' is a registered module and cannot be reassigned")
  T.raises(function() o.training = false end, "'training' is switched by train() and eval()")
  -- The errors point at the caller's line (this one).
  T.raises(function() mv.nn.Module:extend("bad name") end, "test_nn.lua:" .. debug.getinfo(1, "l").currentline .. ": mv.nn.Module:extend: argument #1 'name': expected a class name")
  T.raises(function() mv.nn.class(3) end, "test_nn.lua:" .. debug.getinfo(1, "l").currentline .. ": mv.nn.class: argument #1 'name': expected a class name")
  T.raises(function() mv.nn.Module()() end, "Module: forward is not defined")
  T.raises(function() o.blocks[1]:register_buffer("a.b", mv.zeros(1)) end, "test_nn.lua:" .. debug.getinfo(1, "l").currentline .. ": MLP: invalid name \"a.b\"")
  local Self = mv.nn.class("Self")
  local s = Self()
  T.raises(function() s.me = s end, "test_nn.lua:" .. debug.getinfo(1, "l").currentline .. ": Self: registering 'me' would make it contain itself")
end)

T.test("a Lua-defined module trains", function()
  mv.manual_seed(11)
  local x = mv.rand(64, 3) * 2 - 1
  local target = (x:select(2, 1) * 2 - x:select(2, 2) + x:select(2, 3):pow(2)):unsqueeze(2)
  local model = MLP(3, 32)
  local opt = mv.optim.AdamW(model:parameters(), {lr = 0.02, weight_decay = 0})
  local first, last
  for step = 1, 150 do
    local loss = mv.nn.functional.mse_loss(model(x), target)
    opt:zero_grad()
    loss:backward()
    opt:step()
    first = first or loss:item()
    last = loss:item()
  end
  T.truthy(last < 0.02 and last < first / 20, string.format("loss fell from %.4f to %.4f", first, last))
  T.eq(model.calls:item(), 150)
end)

T.test("Lua modules are collected like any table", function()
  collectgarbage()
  local base = mv.memory().live
  for _ = 1, 20 do local m = MLP(256, 256) end
  collectgarbage()
  collectgarbage()
  T.truthy(mv.memory().live - base < 100000, "live bytes back to the start")
end)

T.test("freeze, unfreeze and requires_grad_ decide which parameters get gradients", function()
  mv.manual_seed(3)
  local net = mv.nn.Sequential(mv.nn.Linear(4, 8), mv.nn.GELU(), mv.nn.Linear(8, 2))
  T.eq(net[1]:freeze(), net[1], "freeze returns the module")
  T.eq(net:num_parameters(true), 8 * 2 + 2)
  local hidden = net[1](mv.randn(3, 4))
  T.eq(hidden.grad_fn, nil, "no graph is recorded through a frozen layer with a plain input")
  local y = net(mv.randn(3, 4)):pow(2):sum()
  y:backward()
  T.eq(net[1].weight.grad, nil, "a frozen weight gets no gradient")
  T.eq(net[1].bias.grad, nil, "a frozen bias gets no gradient")
  T.truthy(net[3].weight.grad ~= nil, "the trainable layer does")
  net:unfreeze()
  T.eq(net:num_parameters(true), net:num_parameters())
  net:requires_grad_(false)
  T.eq(net:num_parameters(true), 0)
  T.raises(function() net(mv.randn(3, 4)):sum():backward() end, "does not require grad")
  net:requires_grad_()
  T.eq(net:num_parameters(true), net:num_parameters())
end)

T.test("apply visits children before their parent; parameters_matching selects by name", function()
  local block = mv.nn.TransformerBlock{dim = 8, heads = 2}
  local visited = {}
  T.eq(block:apply(function(m) visited[#visited + 1] = tostring(m):match("^%w+") end), block)
  T.eq(table.concat(visited, " "), "LayerNorm Linear Linear MultiheadAttention LayerNorm Linear Linear MLP TransformerBlock")
  local params, names = block:parameters_matching{"norm2", "^attn%.proj", "norm2%.weight"}
  T.eq(table.concat(names, " "), "attn.proj.weight attn.proj.bias norm2.weight norm2.bias", "each parameter once, registration order")
  T.eq(params[3], block.norm2.weight)
  local opt = mv.optim.AdamW({{params = params, lr = 1e-3}}, {weight_decay = 0})
  T.eq(#opt.param_groups[1].params, 4)
  T.raises(function() mv.optim.AdamW({{params = params}, {params = {block.norm2.weight}}}) end, "more than once")
  T.raises(function() block:parameters_matching{} end, "expected a pattern or an array of patterns")
  T.raises(function() block:parameters_matching{"[" } end, "bad pattern")
  local L = mv.nn.class("L")
  function L:__init() self.inner = mv.nn.Linear(2, 2) end
  function L:forward(x) return self.inner(x) end
  local lua_module = L()
  local _, lua_names = lua_module:parameters_matching("weight")
  T.eq(table.concat(lua_names, " "), "inner.weight")
  T.eq(lua_module:freeze(), lua_module, "Lua modules freeze too")
  local unet = mv.models.UNet{preset = "tiny"}
  local _, attn2 = unet:parameters_matching{"attn2"}
  T.truthy(#attn2 > 0 and attn2[1]:find("attn2", 1, true), "model types have the Lua-written Module methods too")
  T.eq(mv.models.MAE{preset = "tiny", num_voxels = 32}:apply(function() end).config.num_voxels, 32)
  T.eq(lua_module:num_parameters(true), 0)
end)

T.finish()
