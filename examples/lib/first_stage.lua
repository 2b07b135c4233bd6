-- The models stage B starts from, trained on the simulated stimuli: the first stage (VQ autoencoder) and the
-- class-conditional "label2img" LDM in its latent space, the role of the reference's pretrained LDM (REFERENCE §4.2).
-- Shared by examples/train_weights.lua (which ships them) and examples/demo.lua --from_scratch (which trains them
-- in place), so both train the same models the same way.
local first_stage = {}

--- Trains the first stage on `sim.train`, label2img on new renderings of every category, and returns the two runs' results (`.model`, `.checkpoint`, `.metrics`, ...).
--- `o`: preset, vq_epochs, label2img_epochs, renderings_per_category, seed, quick (tiny validation sampling), and run_options(folder, extra), the
--- caller's way to place a run in its output folder and resume it.
function first_stage.train(sim, o)
  print("== first stage: VQ autoencoder on the training stimuli")
  -- L1 alone left the colours desaturated (the judge recognised 7% of the reconstructions); the L2 term keeps them.
  local vq_run = mv.vq.train(o.run_options("vq", {model = mv.models.VQModel{preset = o.preset}, data = sim.train,
                             num_epoch = o.vq_epochs, batch_size = 16, lr = 1e-3, l2_weight = 1, checkpoint_every = 1}))
  if vq_run.eval_psnr then print(("first stage: held-out PSNR %.2f dB, SSIM %.3f"):format(vq_run.eval_psnr, vq_run.eval_ssim)) end

  print("== label2img: the class-conditional LDM in the first stage's latent space")
  -- It learns every category of the simulation, test categories included, from new renderings (never the
  -- dataset's images), as the reference's label2img learnt GOD's test categories from ImageNet; plus the null class
  -- of classifier-free guidance (the last one). A class's embedding is the sum of its factor levels' embeddings
  -- (shape, colour, texture, background): the structure through which stage B's regression from fMRI reaches the
  -- unseen test categories (a table of independent rows gave it nothing to follow).
  local renderings = sim.stimuli:renderings{per_category = o.renderings_per_category, seed = o.seed}
  -- Latents of unit variance (the LDM code's scale_by_std): the noise schedule assumes it, and the small VQ's
  -- latents have a standard deviation near 0.33, which left the samples a third of the signal-to-noise ratio.
  local size = vq_run.model.config.ddconfig.resolution
  local images = mv.eval.ground_truth(renderings, size):narrow(1, 1, math.min(256, #renderings)) * 2 - 1
  local std = mv.no_grad(function() return vq_run.model:encode(images):std():item() end)
  local ldm = mv.models.LDM{preset = o.preset, scale_factor = 1 / std,
                            cond_stage_config = {target = "class", n_classes = #sim.categories + 1, attributes = sim.stimuli.factors.levels}}
  ldm.first_stage:load_state_dict(vq_run.model:state_dict())
  local l2i_run = mv.ldm.train_label2img(o.run_options("label2img", {model = ldm, data = renderings, num_epoch = o.label2img_epochs,
                                         batch_size = 16, val_every = math.min(10, o.label2img_epochs), checkpoint_every = 1,
                                         ddim_steps = o.quick and 2 or 25}))
  return vq_run, l2i_run
end

return first_stage
