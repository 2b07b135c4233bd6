-- The examples run as a user would run them (mindvis examples/x.lua), here with their output captured.
local T = require "lib.testing"

local run = require("lib.examples").run

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

T.test("probe_decoding.lua: ridge probes of the small simulation against the shipped weights", function()
  -- An untrained tiny encoder, wide enough for sbj_1's voxels: its tokens are probed too.
  local voxels = mv.data.simulate{preset = "small", seed = 2022, pool_size = 0, subject = "sbj_1"}.train.voxels
  local base = T.tmpname(); os.remove(base)
  local encoder = base .. ".safetensors"
  mv.models.MAE{preset = "tiny", num_voxels = 16 * math.ceil(voxels / 16)}:save(encoder)
  local output = run("probe_decoding.lua", "--quick", "--encoder", encoder)
  os.remove(encoder)
  local shape = tonumber(output:match("factors of the test images, from the test fMRI: shape ([%d.]+) %(chance 0.10%)"))
  T.truthy(shape and shape > 0.1, "the shape of unseen categories is decoded above chance: " .. tostring(shape))
  T.truthy(output:find("first-stage latents of the test images: R^2 ", 1, true), "latents probed")
  T.truthy(output:find("label2img class embeddings of held-out training trials: R^2 ", 1, true), "class embeddings probed")
  local right, items = output:match("test categories decoded exactly %(nearest class embedding%): (%d+) of (%d+) from the voxels")
  T.truthy(right and tonumber(right) <= tonumber(items), "nearest categories counted: " .. tostring(right) .. " of " .. tostring(items))
  T.truthy(output:match("decoded exactly from the encoder: %d+ of %d+ from its tokens, %d+ from its patch embeddings"), "the encoder's tokens probed")
  T.truthy(output:match("first%-stage latents from the encoder: R%^2 %-?[%d.]+ from its tokens"), "the encoder's latents probed")
end)

--- The whole file as a string, or nil.
local function slurp(path)
  local file = io.open(path, "rb")
  if not file then return nil end
  local text = file:read("a")
  file:close()
  return text
end

-- The stage-B chain on one tiny setting, each example reading what the one before wrote:
-- train_vq -> train_ldm (label2img) -> stageB_ldm_finetune (with an untrained tiny MAE as the stage A2 encoder) -> generate.
local runs = T.tmpname(); os.remove(runs); os.execute("mkdir -p " .. runs)
local quick = {"--max_images", "24", "--num_epoch", "1"}
local function args(...) local t = table.pack(table.unpack(quick)) for _, a in ipairs{...} do t[#t + 1] = a end return table.unpack(t) end

T.test("train_vq.lua: a tiny first stage on a few simulated stimuli", function()
  local output = run("train_vq.lua", args("--preset", "tiny", "--output", runs .. "/vq"))
  T.truthy(output:find("done: loss", 1, true), output)
  T.truthy(io.open(runs .. "/vq/checkpoints/checkpoint.safetensors") ~= nil, "checkpoint written")
end)

T.test("train_ldm.lua: a tiny label2img model in the latent space of the VQ", function()
  local vq = runs .. "/vq/checkpoints/checkpoint.safetensors"
  local output = run("train_ldm.lua", args("--preset", "tiny", "--vq", vq, "--output", runs .. "/l2i", "--ddim_steps", "2",
    "--val_every", "1", "--val_items", "2", "--val_samples", "2", "--batch_size", "8"))
  T.truthy(output:find("data: 24 simulated stimuli of 6 categories (labels 1...6, null class 7 for guidance)", 1, true), output)
  T.truthy(output:find("first stage: " .. vq, 1, true), output)
  T.truthy(output:find("latents 3×8×8", 1, true), output)
  T.truthy(output:find("done: epoch 1, loss [%d.]+, validation pairwise_pcc"), output)
  for _, file in ipairs{"checkpoints/checkpoint.safetensors", "checkpoints/checkpoint_best.safetensors",
                        "figures/samples_epoch0001.png", "metrics.jsonl"} do
    T.truthy(output:find(runs .. "/l2i/" .. file, 1, true), "prints " .. file)
    T.truthy(io.open(runs .. "/l2i/" .. file) ~= nil, file .. " written")
  end
  T.truthy(slurp(runs .. "/l2i/metrics.jsonl"):find('"epoch": 1', 1, true), "metrics.jsonl has epoch 1")
  T.raises(function() run("train_ldm.lua", args("--preset", "tiny", "--vq", vq, "--output", runs .. "/l2i")) end, "overwrite")
end)

T.test("stageB_ldm_finetune.lua: stage B from the label2img model and an A2 encoder, then a test grid", function()
  local sim = mv.data.simulate{seed = 2022, subject = "sbj_3", pool_size = 0, preset = "small", subjects = 3, train_categories = 6}
  mv.models.MAE{preset = "tiny", num_voxels = sim.train.voxels}:save(runs .. "/mae.safetensors")
  local output = run("stageB_ldm_finetune.lua", args("--pretrain_gm_path", runs .. "/l2i/checkpoints/checkpoint.safetensors",
    "--pretrain_mbm_path", runs .. "/mae.safetensors", "--output", runs .. "/b", "--ddim_steps", "2", "--num_samples", "2",
    "--test_items", "3", "--val_every", "1", "--val_items", "2", "--val_samples", "1"))
  T.truthy(output:find(("data: sim, 24 training pairs, 10 test fMRI x %d voxels"):format(sim.train.voxels), 1, true), output)
  T.truthy(output:find("stage B trained: epoch 1, loss [%d.]+, validation pairwise_pcc"), output)
  local seeds = {}
  for i, seed in output:gmatch("test (%d+): seed (%d+)") do seeds[tonumber(i)] = seed end
  T.eq(#seeds, 3, "a seed per rendered test fMRI")
  T.truthy(output:find("done: stage B, 3 test fMRI rendered", 1, true), output)
  for _, file in ipairs{"checkpoints/checkpoint.safetensors", "figures/test_samples.png", "metrics.jsonl"} do
    T.truthy(output:find(runs .. "/b/" .. file, 1, true), "prints " .. file)
    T.truthy(io.open(runs .. "/b/" .. file) ~= nil, file .. " written")
  end
end)

T.test("generate.lua: the stage-B grid again, and one row alone from its printed seed", function()
  local checkpoint = runs .. "/b/checkpoints/checkpoint.safetensors"
  local output = run("generate.lua", "--checkpoint", checkpoint, "--max_images", "24", "--num_items", "3", "--num_samples", "2",
    "--steps", "2", "--output", runs .. "/gen", "--save_each")
  T.truthy(output:find("simulated test: 3 fMRI x 2 samples, plms 2 steps, guidance 1", 1, true), output)
  T.truthy(output:find("done: 6 images of 3 fMRI, grid 3×3 (ground truth first)", 1, true), output)
  T.truthy(output:find("grid: " .. runs .. "/gen/grid.png", 1, true), output)
  -- Same checkpoint, items, samples, steps and base seed as stage B's final grid: the same picture.
  T.truthy(slurp(runs .. "/gen/grid.png") == slurp(runs .. "/b/figures/test_samples.png"), "the grid of stage B, pixel for pixel")
  local seed = output:match("item 2: seed (%d+)")
  T.truthy(seed, output)
  local again = run("generate.lua", "--checkpoint", checkpoint, "--max_images", "24", "--items", "2", "--seeds", seed,
    "--num_samples", "1", "--steps", "2", "--output", runs .. "/gen2", "--save_each")
  T.truthy(again:find("item 2: seed " .. seed, 1, true), again)
  T.truthy(again:find("reproduce: mindvis examples/generate.lua --checkpoint " .. checkpoint, 1, true), again)
  T.truthy(slurp(runs .. "/gen2/item002_sample1.png") ~= nil, "single images written")
  T.truthy(slurp(runs .. "/gen2/item002_sample1.png") == slurp(runs .. "/gen/item002_sample1.png"), "the seed reproduces the image")
  T.truthy(slurp(runs .. "/gen2/item002_truth.png") == slurp(runs .. "/gen/item002_truth.png"), "same ground truth")
  T.raises(function() run("generate.lua", "--checkpoint", checkpoint, "--max_images", "24", "--items", "1,2", "--seeds", seed,
    "--steps", "2", "--output", runs .. "/gen3") end, "--seeds: 1 seeds for 2 fMRI")
end)

-- -h prints the help and ends the process, so it runs in a child mindvis (the interpreter is arg's lowest index).
local bin = arg and arg[-1]
for i = -2, -10, -1 do if arg and arg[i] then bin = arg[i] else break end end
T.test("-h prints each stage-B example's help", function()
  for name, option in pairs{["train_ldm.lua"] = "--vq", ["stageB_ldm_finetune.lua"] = "--pretrain_gm_path",
                            ["generate.lua"] = "--seeds"} do
    local pipe = assert(io.popen(("'%s' examples/%s -h 2>&1"):format(bin, name)))
    local text = pipe:read("a")
    pipe:close()
    T.truthy(text:find("usage: mindvis examples/" .. name, 1, true), text)
    T.truthy(text:find("\n  " .. option .. " ", 1, true), name .. " lists " .. option .. ": " .. text)
    T.truthy(not text:find("done:", 1, true), name .. " -h does no work")
  end
end)

os.execute("rm -rf " .. runs)
T.finish()
