-- Trains the weights `scripts/demo` starts stage B from, the role of the reference's downloaded pretrained LDM
-- (REFERENCE §4.2): the first stage (VQ autoencoder, small preset) and the class-conditional "label2img" LDM
-- (small preset) on the built-in simulated stimuli, then writes weights/label2img.safetensors in float16 with
-- the averaged (EMA) weights: one file holding the first stage, the UNet and the class embedder.
--   scripts/train-weights                 -- the shipped weights (release build; the epochs below)
--   mindvis examples/train_weights.lua --quick --output /tmp/w --weights /tmp/w/out   -- a tiny check
-- Finished runs in --output are reused, interrupted ones resumed.
local opt = mv.parse_args(arg, {
  output = {"runs/weights", "folder of the two training runs"},
  weights = {"weights", "where label2img.safetensors is written"},
  quick = {false, "tiny models on the small simulation, one epoch each (tests)"},
  seed = {2022, "seed of the simulation (the demo's) and the training"},
  vq_epochs = {12, "first-stage epochs"}, label2img_epochs = {30, "label2img epochs"},
  renderings_per_category = {8, "new renderings of each category label2img learns from"},
}, "Trains the first stage and the class-conditional LDM on the simulated stimuli and writes the demo's float16 weights.")

local preset = opt.quick and "tiny" or "small"
local epochs = function(n) return opt.quick and 1 or n end
local function exists(path) local f = io.open(path) if f then f:close() return true end return false end
local function run_options(folder, extra)
  local o = {output = opt.output .. "/" .. folder}
  if exists(o.output .. "/checkpoints/checkpoint.safetensors") then o.resume = true end
  for k, v in pairs(extra) do o[k] = v end
  return o
end

local sim = mv.data.simulate{preset = opt.quick and "small" or "default", seed = opt.seed, pool_size = 0, subject = "sbj_1"}
local started = mv.clock()

local _, l2i = require("lib.first_stage").train(sim, {preset = preset, vq_epochs = epochs(opt.vq_epochs),
                                             label2img_epochs = epochs(opt.label2img_epochs), quick = opt.quick,
                                             renderings_per_category = opt.quick and 2 or opt.renderings_per_category,
                                             seed = opt.seed, run_options = run_options})
local ldm = l2i.model

-- The shipped model: the averaged weights where training kept them.
local averaged = mv.load(l2i.checkpoint, {strip_prefix = "ema."})
local count = 0
for _ in pairs(averaged) do count = count + 1 end
local _, unexpected = ldm:load_state_dict(averaged, {strict = false})
mv.mkdir(opt.weights)
local path = opt.weights .. "/label2img.safetensors"
ldm:save(path, {dtype = "float16"})
local size = io.open(path):seek("end")
print(("\ndone in %.0f s: %s (%.1f MB, float16; %d averaged tensors)"):format(mv.clock() - started, path, size / 2^20,
      count - #unexpected))
