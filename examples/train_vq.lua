-- Training the first stage (the VQ autoencoder of the latent diffusion model) on images.
--
--   mindvis examples/train_vq.lua                                   -- the simulated stimuli, small preset (64×64, f = 4)
--   mindvis examples/train_vq.lua --data data/Kamitani/npz/images_256.npz --preset paper --batch_size 4
--   mindvis examples/train_vq.lua --data my_images/ --resume        -- any folder of PNG/JPEG files; continue a run
--
-- The reference downloads a pretrained first stage (CompVis' f = 4 VQ); this trains one on your own images.
local opt = mv.parse_args(arg, {
  data = {"sim", "images: \"sim\" (the built-in stimuli), a folder of PNG/JPEG, or an .npz with train_images (GOD's images_256.npz)"},
  preset = {"small", "model size: tiny, small (64×64, 16×16×3 latents) or paper (256×256, 64×64×3 latents)"},
  n_embed = {0, "codebook entries (0: the preset's)"},
  num_epoch = {10, "epochs"}, batch_size = {8, "images per step"}, lr = {2e-4, "learning rate"},
  l2_weight = {0.0, "weight of an L2 term beside the L1 loss"}, ema_decay = {0.0, "EMA of the weights (0: none)"},
  max_images = {0, "with --data sim: about this many stimuli (0: all 1,200), for quick trials"},
  seed = {2022, "seed of everything random"}, checkpoint_every = {1, "checkpoint, grid and held-out scores every this many epochs"},
  output = {"runs/vq", "run folder (refused if it holds a run: see --resume, --overwrite)"},
  resume = {false, "continue the run in --output from its checkpoint"}, overwrite = {false, "start over in --output"},
}, "Trains the VQ autoencoder (first stage) with L1 + codebook loss, dead-code restarts and held-out PSNR/SSIM.")

mv.manual_seed(opt.seed)
local config = {preset = opt.preset}
if opt.n_embed > 0 then config.n_embed = opt.n_embed end
local vq = mv.models.VQModel(config)
print(vq)
print(("%.2f M parameters, images %d×%d, latents %d×%d×%d"):format(vq:num_parameters() / 1e6, vq.config.ddconfig.resolution,
  vq.config.ddconfig.resolution, vq.config.embed_dim, vq.config.ddconfig.resolution // 2 ^ (#vq.config.ddconfig.ch_mult - 1),
  vq.config.ddconfig.resolution // 2 ^ (#vq.config.ddconfig.ch_mult - 1)))

local data = opt.data
if data == "sim" then
  -- The simulated stimuli: 150 categories × 8 exemplars (the small simulation with fewer categories with --max_images).
  local quick = opt.max_images > 0
  data = mv.data.simulate{seed = opt.seed, pool_size = 0, subject = "sbj_1", preset = quick and "small" or "default",
                          train_categories = quick and math.max(1, math.ceil(opt.max_images / 4)) or 150}.train
end

local result = mv.vq.train{
  model = vq, data = data, output = opt.output, resume = opt.resume, overwrite = opt.overwrite,
  num_epoch = opt.num_epoch, batch_size = opt.batch_size, lr = opt.lr, l2_weight = opt.l2_weight,
  ema_decay = opt.ema_decay, seed = opt.seed, checkpoint_every = opt.checkpoint_every,
}
print(("done: loss %.4f, held-out PSNR %.2f dB, SSIM %.3f, %d of %d codes used"):format(result.loss, result.eval_psnr or 0 / 0,
  result.eval_ssim or 0 / 0, result.reports[#result.reports].codes_used, vq.config.n_embed))
print("checkpoint: " .. result.checkpoint)
print("metrics:    " .. result.metrics)
print("grid:       " .. (result.figures[#result.figures] or "(none)"))
