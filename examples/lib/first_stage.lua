-- The models stage B starts from, trained on the simulated stimuli: the first stage (VQ autoencoder) and the
-- class-conditional "label2img" LDM in its latent space, the role of the reference's pretrained LDM (REFERENCE §4.2).
-- Shared by examples/train_weights.lua (which ships them) and examples/demo.lua --from_scratch (which trains them
-- in place), so both train the same models the same way.
local first_stage = {}

--- Trains both models on `sim.train` and returns the two runs' results (`.model`, `.checkpoint`, `.metrics`, ...).
--- `o`: preset, vq_epochs, label2img_epochs, quick (tiny validation sampling), and run_options(folder, extra), the
--- caller's way to place a run in its output folder and resume it.
function first_stage.train(sim, o)
  print("== first stage: VQ autoencoder on the training stimuli")
  local vq_run = mv.vq.train(o.run_options("vq", {model = mv.models.VQModel{preset = o.preset}, data = sim.train,
                             num_epoch = o.vq_epochs, batch_size = 16, lr = 1e-3, checkpoint_every = 1}))
  if vq_run.eval_psnr then print(("first stage: held-out PSNR %.2f dB, SSIM %.3f"):format(vq_run.eval_psnr, vq_run.eval_ssim)) end

  print("== label2img: the class-conditional LDM in the first stage's latent space")
  -- Every category of the simulation has a class (the test categories are never trained, as GOD's), plus the null
  -- class of classifier-free guidance (the last one by default).
  -- Latents of unit variance (the LDM code's scale_by_std): the noise schedule assumes it, and the small VQ's
  -- latents have a standard deviation near 0.33, which left the samples a third of the signal-to-noise ratio.
  local size = vq_run.model.config.ddconfig.resolution
  local images = mv.eval.ground_truth(sim.train, size):narrow(1, 1, math.min(256, #sim.train)) * 2 - 1
  local std = mv.no_grad(function() return vq_run.model:encode(images):std():item() end)
  local ldm = mv.models.LDM{preset = o.preset, scale_factor = 1 / std,
                            cond_stage_config = {target = "class", n_classes = #sim.categories + 1}}
  ldm.first_stage:load_state_dict(vq_run.model:state_dict())
  local l2i_run = mv.ldm.train_label2img(o.run_options("label2img", {model = ldm, data = sim.train, num_epoch = o.label2img_epochs,
                                         batch_size = 16, val_every = math.min(10, o.label2img_epochs), checkpoint_every = 1,
                                         ddim_steps = o.quick and 2 or 25}))
  return vq_run, l2i_run
end

return first_stage
