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
  vq_epochs = {10, "first-stage epochs"}, label2img_epochs = {40, "label2img epochs"},
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

print("== first stage: VQ autoencoder on the training stimuli")
local vq = mv.models.VQModel{preset = preset}
local vq_run = mv.vq.train(run_options("vq", {model = vq, data = sim.train, num_epoch = epochs(opt.vq_epochs), batch_size = 16,
                                              lr = 1e-3, checkpoint_every = 1}))
if vq_run.eval_psnr then print(("first stage: held-out PSNR %.2f dB, SSIM %.3f"):format(vq_run.eval_psnr, vq_run.eval_ssim)) end

print("== label2img: the class-conditional LDM in the first stage's latent space")
-- Every category of the simulation has a class (the test categories are never trained, as GOD's), plus the null
-- class of classifier-free guidance (the last one by default).
local ldm = mv.models.LDM{preset = preset, cond_stage_config = {target = "class", n_classes = #sim.categories + 1}}
ldm.first_stage:load_state_dict(vq:state_dict())
local l2i = mv.ldm.train_label2img(run_options("label2img", {model = ldm, data = sim.train, num_epoch = epochs(opt.label2img_epochs),
                                   batch_size = 16, val_every = opt.quick and 1 or 10, checkpoint_every = 1,
                                   ddim_steps = opt.quick and 2 or 25}))

-- The shipped model: the averaged weights where training kept them.
local averaged = mv.load(l2i.checkpoint, {strip_prefix = "ema."})
local count = 0
for _ in pairs(averaged) do count = count + 1 end
local _, unexpected = ldm:load_state_dict(averaged, {strict = false})
os.execute(("mkdir -p '%s'"):format(opt.weights))
local path = opt.weights .. "/label2img.safetensors"
ldm:save(path, {dtype = "float16"})
local size = io.open(path):seek("end")
print(("\ndone in %.0f s: %s (%.1f MB, float16; %d averaged tensors)"):format(mv.clock() - started, path, size / 2^20,
      count - #unexpected))
