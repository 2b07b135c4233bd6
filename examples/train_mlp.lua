-- Training a small network on a made-up regression task: run with `mindvis examples/train_mlp.lua [--epochs N]`.
-- It shows a module written in Lua, AdamW with a cosine schedule, mini-batches and an evaluation pass.

local opt = mv.parse_args(arg or {}, {
  epochs = {30, "passes over the 512 training samples"},
  seed = {2022, "seed of the data and the initial weights"},
}, "Trains a small residual MLP written in Lua on a made-up regression task (AdamW, cosine schedule, mini-batches).")
mv.manual_seed(opt.seed)
local epochs = opt.epochs

-- Data: y = sin(3 x1) + x2 * x3 plus a little noise, 512 samples for training and 128 for testing.
local function make_data(n)
  local x = mv.rand(n, 3) * 2 - 1
  local y = (x:select(2, 1) * 3):sin() + x:select(2, 2) * x:select(2, 3)
  return x, (y + mv.randn(n) * 0.01):unsqueeze(2)
end
local train_x, train_y = make_data(512)
local test_x, test_y = make_data(128)

-- The model: a residual MLP block written in Lua, between an input and an output projection.
local Block = mv.nn.Module:extend("Block")

function Block:__init(dim, hidden)
  self.norm = mv.nn.LayerNorm(dim)
  self.fc1 = mv.nn.Linear(dim, hidden)
  self.fc2 = mv.nn.Linear(hidden, dim)
end

function Block:forward(x)
  return x + self.fc2(self.fc1(self.norm(x)):gelu())
end

local model = mv.nn.Sequential(mv.nn.Linear(3, 32), Block(32, 64), Block(32, 64), mv.nn.Linear(32, 1))
print(model)
print(("%d parameters"):format(model:num_parameters()))

local batch_size = 64
local batches = train_x:size(1) // batch_size
local optimizer = mv.optim.AdamW(model:parameters(), {lr = 3e-3, weight_decay = 0.01})
local schedule = mv.optim.cosine_schedule{lr = 3e-3, min_lr = 1e-4, warmup_epochs = 2, num_epoch = epochs}

local function evaluate()
  model:eval()
  local loss = mv.no_grad(function() return mv.nn.functional.mse_loss(model(test_x), test_y):item() end)
  model:train()
  return loss
end

print(("before training: test loss %.4f"):format(evaluate()))
for epoch = 1, epochs do
  local order = mv.randperm(train_x:size(1))   -- 1-based row indices in a random order
  local total = 0
  for b = 1, batches do
    schedule:apply(optimizer, epoch, b, batches)
    local rows = order:narrow(1, (b - 1) * batch_size + 1, batch_size)
    local x, y = train_x:index_select(1, rows), train_y:index_select(1, rows)
    local loss = mv.nn.functional.mse_loss(model(x), y)
    optimizer:zero_grad()
    loss:backward()
    mv.nn.clip_grad_norm(model:parameters(), 1.0)
    optimizer:step()
    total = total + loss:item()
  end
  if epoch % 5 == 0 or epoch == epochs then
    print(("epoch %3d  train loss %.4f  test loss %.4f  lr %.2e"):format(epoch, total / batches, evaluate(),
      optimizer.param_groups[1].lr))
  end
end
