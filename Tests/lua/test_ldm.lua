-- The latent diffusion model from Lua: a class-conditional model, stage B from it and a stage-A encoder,
-- generation with seeds that reproduce images, checkpoints.
local T = require "lib.testing"

local dir = os.tmpname(); os.remove(dir); os.execute("mkdir -p " .. dir)
local sim = mv.data.simulate{preset = "small", pool_size = 0, subject = "sbj_1"}
local fast = {num_epoch = 1, progress = false, val_every = 1, val_items = 2, ddim_steps = 2, batch_size = 8, overwrite = true}
local function with(extra) local t = {} for k, v in pairs(fast) do t[k] = v end for k, v in pairs(extra) do t[k] = v end return t end

T.test("label2img: train, generate by label with guidance, save in half precision", function()
  local base = mv.models.LDM{preset = "tiny", cond_stage_config = {target = "class", n_classes = 31, null_class = 31}}
  T.eq(base.config.cond_stage_config.null_class, 31, "the null class reads back 1-based")
  local r = mv.ldm.train_label2img(with{model = base, data = sim.train, output = dir .. "/l2i"})
  T.truthy(r.loss > 0 and #r.figures == 1 and r.validation.pairwise_pcc ~= nil)
  local images, seeds = base:generate{labels = mv.tensor{1, 2}, num_samples = 2, steps = 2, guidance = 2, seed = 4}
  T.eq(tostring(images:shape()), "[2, 2, 3, 16, 16]")
  T.truthy(images:min():item() >= 0 and images:max():item() <= 1, "images in [0, 1]")
  local again = base:generate{labels = mv.tensor{2}, num_samples = 2, steps = 2, guidance = 2, seeds = {seeds[2]}}
  T.truthy(again:select(1, 1):equal(images:select(1, 2)), "a returned seed reproduces its images alone")
  base:save(dir .. "/base.safetensors", {dtype = "float16"})
  T.raises(function() base:generate{labels = mv.tensor{0}, steps = 2} end, "labels must be whole numbers in 1...31")
  T.raises(function() base:generate{steps = 2} end, "give exactly one of fmri =, labels = or context =")
end)

T.test("stage B from the class-conditional base and an MAE; generation depends on the fMRI", function()
  local mae = mv.models.MAE{preset = "tiny", num_voxels = sim.train.voxels}
  mae:save(dir .. "/mae.safetensors")
  local ldm = mv.ldm.from_pretrained{base = dir .. "/base.safetensors", encoder = dir .. "/mae.safetensors", num_voxels = sim.train.voxels}
  local r = mv.ldm.finetune(with{model = ldm, data = sim.train, output = dir .. "/b"})
  T.truthy(r.best_checkpoint ~= nil and r.loss > 0)
  local fmri = sim.test.fmri:narrow(1, 1, 2)
  local a = ldm:generate{fmri = fmri, num_samples = 1, steps = 2, seed = 1}
  ldm:save(dir .. "/ldm.safetensors")
  local back = mv.models.load_ldm(dir .. "/ldm.safetensors")
  T.truthy(back:generate{fmri = fmri, num_samples = 1, steps = 2, seed = 1}:equal(a), "a saved model generates the same images")
  local context = ldm:context{fmri = fmri}
  T.eq(tostring(context:shape()), "[2, 77, 16]")
  T.truthy(not context:select(1, 1):equal(context:select(1, 2)), "each fMRI has its own context")
  T.truthy(ldm:generate{context = context, num_samples = 1, steps = 2, seed = 1}:equal(a), "generate{context} is generate{fmri}")
  -- The latents (before the VQ snaps them to its codebook) of two fMRI from the same noise differ.
  local schedule = mv.diffusion.Schedule{timesteps = ldm.config.timesteps, linear_start = ldm.config.linear_start, linear_end = ldm.config.linear_end}
  local function latents(row) return mv.diffusion.sample{model = ldm.unet, schedule = schedule, context = context:narrow(1, row, 1), shape = {1, 3, 4, 4}, seed = 3, steps = 2} end
  T.truthy(not latents(1):equal(latents(2)), "other fMRI with the same noise gives other latents")
  -- Starting from given latents (SDEdit): a small strength stays near them, and they must be one per condition.
  local start = mv.randn(2, 3, 8, 8)
  local near = ldm:generate{fmri = fmri, num_samples = 1, steps = 10, strength = 0.1, init_latents = start, seed = 1}
  local decoded = ((ldm:decode_latents(start) + 1) / 2):clamp(0, 1)
  T.truthy((near:select(2, 1) - decoded):abs():mean():item() < (a:select(2, 1) - decoded):abs():mean():item(), "strength 0.1 stays near the start")
  T.raises(function() ldm:generate{fmri = fmri, steps = 2, init_latents = mv.randn(1, 3, 8, 8)} end, "init_latents must be [2, 3, 8, 8]")
  T.raises(function() ldm:generate{fmri = fmri, steps = 2, strength = 0.5} end, "needs latents to start from")
  T.raises(function() ldm:generate{fmri = fmri, context = context} end, "give exactly one of fmri =, labels = or context =")
  T.raises(function() mv.ldm.finetune{model = ldm, data = sim.train, num_epochs = 1} end, "did you mean 'num_epoch'")
  T.raises(function() mv.ldm.from_pretrained{base = dir .. "/base.safetensors", encoder = dir .. "/mae.safetensors"} end, "num_voxels")
end)

os.execute("rm -rf " .. dir)
T.finish()
