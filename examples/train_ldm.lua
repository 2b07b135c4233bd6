-- Training the class-conditional latent diffusion model ("label2img") that stage B starts from.
--
--   mindvis examples/train_ldm.lua --vq runs/vq/checkpoints/checkpoint.safetensors     -- in the latent space of a trained VQ
--   mindvis examples/train_ldm.lua --vq runs/vq/checkpoints/checkpoint.safetensors --resume   -- continue the run
--   mindvis examples/train_ldm.lua --preset tiny --num_epoch 1 --max_images 24 --output /tmp/l2i   -- a quick trial
--
-- The reference starts stage B from CompVis' class-conditional ImageNet LDM (pretrains/ldm/label2img, REFERENCE §4.2);
-- this trains our stand-in on the simulated stimuli: UNet and class embedder on the latents of a frozen VQ first stage
-- (examples/train_vq.lua), with conditioning dropout so that classifier-free guidance works, and an EMA of the weights.
-- Then: mindvis examples/stageB_ldm_finetune.lua --pretrain_gm_path <the checkpoint printed at the end>
local opt = mv.parse_args(arg, {
  vq = {"", "the first stage: a VQ checkpoint (examples/train_vq.lua, or a reference vq.ckpt / model.ckpt); empty: a fresh, untrained VQ of --preset"},
  preset = {"small", "UNet size: tiny (tests), small (64×64 images) or paper (the reference's geometry); also the VQ's without --vq"},
  num_epoch = {100, "epochs"}, batch_size = {16, "images per step"}, lr = {2e-4, "learning rate (AdamW)"},
  weight_decay = {0.01, "AdamW weight decay"}, clip_grad = {1.0, "global gradient-norm clip (0: none)"},
  cond_drop = {0.1, "probability of training a step's condition as the null class (classifier-free guidance)"},
  guidance = {3.0, "guidance scale of the validation samples (1: none)"},
  ema_decay = {0.999, "EMA of the weights, used for validation and saved (0: none)"},
  crop_ratio = {0.2, "augmentation: random crops of (1 - crop_ratio) of the side, resized back"},
  crop_variants = {0, "crops per image encoded once (0: no crop augmentation)"},
  ddim_steps = {50, "sampler steps of the validation samples"}, sampler = {"plms", "sampler of the validation samples: plms or ddim"},
  val_every = {5, "validate (sample, score, grid) every this many epochs (0: never)"},
  val_items = {8, "validation images generated"}, val_samples = {3, "samples per validation image"},
  checkpoint_every = {5, "checkpoint every this many epochs"},
  max_images = {0, "about this many simulated stimuli (0: all 1,200 of 150 categories), for quick trials"},
  seed = {2022, "seed of everything random"},
  output = {"runs/label2img", "run folder (refused if it holds a run: see --resume, --overwrite)"},
  resume = {false, "continue the run in --output from its checkpoint"}, overwrite = {false, "start over in --output"},
}, "Trains the class-conditional LDM (label2img) on the simulated stimuli in the latent space of a VQ first stage: EMA, classifier-free guidance, sample grids, metrics.jsonl, checkpoints, resume.")

mv.manual_seed(opt.seed)

-- The simulated stimuli: 150 categories × 8 exemplars (with --max_images the small simulation, 4 exemplars per category).
local quick = opt.max_images > 0
local sim = mv.data.simulate{seed = opt.seed, pool_size = 0, subject = "sbj_1", preset = quick and "small" or "default",
                             train_categories = quick and math.max(1, math.ceil(opt.max_images / 4)) or 150}
local data = sim.train
local classes = 0
for _, label in ipairs(data.labels) do classes = math.max(classes, label) end
print(("data: %d simulated stimuli of %d categories (labels 1...%d, null class %d for guidance)"):format(#data, classes,
  classes, classes + 1))

-- The class embedder has one more entry than there are categories: the null class, which conditioning dropout trains.
local config = {preset = opt.preset, cond_stage_config = {target = "class", n_classes = classes + 1, null_class = classes + 1}}
local vq
if opt.vq ~= "" then
  vq = mv.models.load_vq(opt.vq)
  local dd = vq.config.ddconfig
  config.first_stage_config = vq.config
  config.unet_config = {image_size = dd.resolution >> (#dd.ch_mult - 1)}  -- the latent side
end
local ldm = mv.models.LDM(config)
if vq then
  ldm.first_stage:load_state_dict((vq:state_dict()))
  print("first stage: " .. opt.vq)
else
  print(("first stage: a fresh %s VQ (untrained: its decoded samples are noise; train one with examples/train_vq.lua and pass --vq)"):format(opt.preset))
end
local dd, unet = ldm.config.first_stage_config.ddconfig, ldm.config.unet_config
print(("images %d×%d, latents %d×%d×%d; UNet %.2f M parameters, whole model %.2f M"):format(dd.resolution, dd.resolution,
  ldm.config.first_stage_config.embed_dim, unet.image_size, unet.image_size, ldm.unet:num_parameters() / 1e6,
  ldm:num_parameters() / 1e6))

local result = mv.ldm.train_label2img{
  model = ldm, data = data, output = opt.output, resume = opt.resume, overwrite = opt.overwrite,
  num_epoch = opt.num_epoch, batch_size = opt.batch_size, lr = opt.lr, weight_decay = opt.weight_decay,
  clip_grad = opt.clip_grad, cond_dropout = opt.cond_drop, guidance = opt.guidance, ema_decay = opt.ema_decay,
  crop_ratio = opt.crop_ratio, crop_variants = opt.crop_variants, ddim_steps = opt.ddim_steps, sampler = opt.sampler,
  val_every = opt.val_every, val_items = opt.val_items, val_samples = opt.val_samples,
  checkpoint_every = opt.checkpoint_every, seed = opt.seed,
}

local scores = {}
for name, value in pairs(result.validation or {}) do scores[#scores + 1] = ("%s %.3f"):format(name, value) end
table.sort(scores)
local last = result.reports[#result.reports]
print(("done: epoch %s, loss %.4f%s"):format(last and last.epoch or opt.num_epoch, result.loss,
  #scores > 0 and ", validation " .. table.concat(scores, ", ") or ""))
print("checkpoint: " .. result.checkpoint)
print("best:       " .. (result.best_checkpoint or "(none)"))
print("metrics:    " .. result.metrics)
print("samples:    " .. (result.figures[#result.figures] or "(none)"))
print("next:       mindvis examples/stageB_ldm_finetune.lua --pretrain_gm_path " .. result.checkpoint)
