-- The examples run as a user would run them (mindvis examples/x.lua), here with their output captured.
local T = require "lib.testing"

--- Runs the example with `arg` = {...}; returns its printed lines.
local function run(name, ...)
  local lines = {}
  local env = setmetatable({
    print = function(...)
      local parts = table.pack(...)
      for i = 1, parts.n do parts[i] = tostring(parts[i]) end
      lines[#lines + 1] = table.concat(parts, "\t", 1, parts.n)
    end,
    arg = {[0] = "examples/" .. name, ...},
  }, {__index = _G})
  local chunk = assert(loadfile("examples/" .. name, "t", env))
  local started = os.clock()
  chunk(...)
  T.truthy(os.clock() - started < 10, name .. " takes a few seconds at most")
  return table.concat(lines, "\n")
end

T.test("tensor_tour.lua", function()
  local output = run("tensor_tour.lua")
  T.truthy(output:find("[[1., 2., 3.],\n [4., 5., 6.]]\n[Tensor of shape 2x3]", 1, true), "prints tensors")
  T.truthy(output:find("[   0.,    1.,    2.,  ..., 2997., 2998., 2999.]", 1, true), "summarises")
  T.truthy(output:find("row maxima\t3.0 6.0\tat columns\t3.0 3.0", 1, true), "1-based indices")
  mv.set_printoptions{profile = "default"}
end)

T.test("train_mlp.lua: the test loss falls", function()
  local output = run("train_mlp.lua", "--epochs", "30")
  local before = tonumber(output:match("before training: test loss ([%d.]+)"))
  local after = tonumber(output:match("epoch  30  train loss [%d.]+  test loss ([%d.]+)"))
  T.truthy(before and after, "prints the losses")
  T.truthy(after < 0.01 and after < before / 50, ("test loss %s -> %s"):format(before, after))
end)

T.test("train_vq.lua: a tiny first stage on a few simulated stimuli", function()
  local dir = os.tmpname(); os.remove(dir)
  local output = run("train_vq.lua", "--preset", "tiny", "--num_epoch", "1", "--max_images", "24", "--output", dir)
  T.truthy(output:find("done: loss", 1, true), output)
  T.truthy(io.open(dir .. "/checkpoints/checkpoint.safetensors") ~= nil, "checkpoint written")
end)

T.finish()
