-- Stage B of MinD-Vis (the reference's stageB_ldm_finetune.py): the double-conditioned LDM. A pretrained latent
-- diffusion model gets an fMRI conditioner built around the stage A2 encoder; the conditioner, every cross-attention
-- (attn2), the norms before them and the time conditioning are finetuned on fMRI paired with images (REFERENCE §4).
--
--   mindvis examples/stageB_ldm_finetune.lua --pretrain_gm_path runs/label2img/checkpoints/checkpoint.safetensors \
--       --pretrain_mbm_path runs/stageA2/checkpoints/checkpoint.safetensors
--   mindvis examples/stageB_ldm_finetune.lua --dataset GOD --kam_path data/Kamitani/npz \
--       --pretrain_gm_path pretrains/ldm/label2img --pretrain_mbm_path pretrains/GOD/fmri_encoder.pth
--   mindvis examples/stageB_ldm_finetune.lua --checkpoint_path runs/stageB/checkpoints/checkpoint.safetensors   -- resume
--
-- The options carry the names of the reference's Config_Generative_Model (REFERENCE §4.1) and its defaults;
-- precision, accumulate_grad, img_size and HW have no counterpart (fp32, one step per batch, the sizes of the models).
local opt = mv.parse_args(arg, {
  dataset = {"sim", "data: \"sim\" (the built-in simulation), \"GOD\" or \"BOLD5000\""},
  kam_path = {"data/Kamitani/npz", "GOD folder"}, bold5000_path = {"data/BOLD5000", "BOLD5000 folder"},
  kam_subs = {"sbj_3", "GOD subject (also the simulated subject: sbj_1...sbj_3)"}, bold5000_subs = {"CSI1", "BOLD5000 subject"},
  max_images = {0, "with --dataset sim: the small simulation with about this many training images (0: the full one), for quick trials"},
  pretrain_gm_path = {"runs/label2img/checkpoints/checkpoint.safetensors",
    "the pretrained LDM: ours (examples/train_ldm.lua) or the reference's label2img folder / model.ckpt"},
  pretrain_mbm_path = {"runs/stageA2/checkpoints/checkpoint.safetensors", "the stage A2 encoder: ours or the reference's fmri_encoder.pth"},
  global_pool = {false, "one pooled context token instead of 77"},
  use_time_cond = {true, "also add the fMRI to the timestep embedding (the double conditioning)"},
  lr = {5.3e-5, "learning rate (AdamW, constant)"}, weight_decay = {0.01, "AdamW weight decay"},
  num_epoch = {500, "epochs"}, batch_size = {5, "samples per step"}, clip_grad = {0.5, "global gradient-norm clip (0: none)"},
  crop_ratio = {0.2, "augmentation: random crops of (1 - crop_ratio) of the side, resized back, with probability 0.5"},
  ema_decay = {0.0, "EMA of the trained weights (the reference: none)"},
  ddim_steps = {250, "PLMS steps of validation and of the final samples"},
  num_samples = {5, "samples per test fMRI in the final grid"},
  eval_avg = {true, "score every validation sample (false: one sample per item, as the reference scores only column 1)"},
  val_every = {5, "validate (sample, score, grid) every this many epochs (0: never)"},
  val_items = {5, "validation items generated"}, val_samples = {3, "samples per validation item"},
  val_on_test = {false, "validate and pick checkpoint_best on the test set, as the reference does (default: held-out training images)"},
  checkpoint_every = {5, "checkpoint every this many epochs"},
  test_items = {5, "test fMRI rendered in the final grid (0: all)"},
  seed = {2022, "seed of everything random (and of the simulation)"},
  normalize = {"corrected", "\"reference\" reproduces the reference's test normalisation (README, Data)"},
  output = {"runs/stageB", "run folder (refused if it holds a run: see --resume, --overwrite)"},
  checkpoint_path = {"", "resume from this checkpoint (the reference's key)"},
  resume = {false, "continue the run in --output from its checkpoint"},
  overwrite = {false, "start over in an --output that holds a run"},
}, "Stage B of MinD-Vis: finetunes a pretrained LDM with an fMRI conditioner around the stage A2 encoder on fMRI-image pairs, then renders test fMRI (ground truth first in each row).")

mv.manual_seed(opt.seed)
local train, test = require("lib.stageB_data").load(opt, opt.seed)
print(("data: %s, %d training pairs, %d test fMRI x %d voxels"):format(opt.dataset, #train, #test, train.voxels))

-- The reference's pretrain_gm_path is a folder holding config.yaml and model.ckpt.
local base = opt.pretrain_gm_path
local in_folder = io.open(base .. "/model.ckpt", "rb")
if in_folder then in_folder:close(); base = base .. "/model.ckpt" end
local ldm = mv.ldm.from_pretrained{base = base, encoder = opt.pretrain_mbm_path, num_voxels = train.voxels,
                                   global_pool = opt.global_pool, use_time_cond = opt.use_time_cond}
local dd = ldm.config.first_stage_config.ddconfig
print(("model: %.2f M parameters (%.2f M fMRI conditioner), images %d×%d"):format(ldm:num_parameters() / 1e6,
  ldm.conditioner:num_parameters() / 1e6, dd.resolution, dd.resolution))
print("pretrained LDM: " .. base)
print("encoder:        " .. opt.pretrain_mbm_path)

local resume = opt.resume
if opt.checkpoint_path ~= "" then resume = opt.checkpoint_path end
local result = mv.ldm.finetune{
  model = ldm, data = train, test = test, output = opt.output, resume = resume, overwrite = opt.overwrite,
  lr = opt.lr, weight_decay = opt.weight_decay, num_epoch = opt.num_epoch, batch_size = opt.batch_size,
  clip_grad = opt.clip_grad, crop_ratio = opt.crop_ratio, ema_decay = opt.ema_decay, seed = opt.seed,
  ddim_steps = opt.ddim_steps, val_every = opt.val_every, val_items = opt.val_items,
  val_samples = opt.eval_avg and opt.val_samples or 1, val_on_test = opt.val_on_test,
  checkpoint_every = opt.checkpoint_every,
}
local scores = {}
for name, value in pairs(result.validation or {}) do scores[#scores + 1] = ("%s %.3f"):format(name, value) end
table.sort(scores)
local last = result.reports[#result.reports]
print(("stage B trained: epoch %s, loss %.4f%s"):format(last and last.epoch or opt.num_epoch, result.loss,
  #scores > 0 and ", validation " .. table.concat(scores, ", ") or ""))

-- The reference renders the test set with the final model: ground truth, then num_samples samples per row.
local model = mv.models.load_ldm(result.checkpoint)
local n = opt.test_items > 0 and math.min(opt.test_items, #test) or #test
local images, seeds = model:generate{fmri = test.fmri:narrow(1, 1, n), num_samples = opt.num_samples,
                                     steps = opt.ddim_steps, seed = opt.seed}
local side = images:size(4)
local tiles = {}
for i = 1, n do
  tiles[#tiles + 1] = mv.image.resize(test:get(i).image, side, side)
  for s = 1, opt.num_samples do tiles[#tiles + 1] = images[i][s] end
  print(("test %d: seed %d"):format(i, seeds[i]))
end
mv.mkdir(opt.output .. "/figures")
local grid = mv.image.grid(opt.output .. "/figures/test_samples.png", tiles, {columns = opt.num_samples + 1})
print("done: stage B, " .. n .. " test fMRI rendered")
print("checkpoint: " .. result.checkpoint)
print("best:       " .. (result.best_checkpoint or "(none)"))
print("metrics:    " .. result.metrics)
print("grid:       " .. grid)
local where = ({
  sim = ("--kam_subs %s --sim_seed %d --max_images %d"):format(opt.kam_subs, opt.seed, opt.max_images),
  GOD = ("--kam_path %s --kam_subs %s"):format(opt.kam_path, opt.kam_subs),
  BOLD5000 = ("--bold5000_path %s --bold5000_subs %s"):format(opt.bold5000_path, opt.bold5000_subs),
})[opt.dataset]
print(("next:       mindvis examples/generate.lua --checkpoint %s --dataset %s %s --normalize %s --steps %d --num_samples %d")
  :format(result.checkpoint, opt.dataset, where, opt.normalize, opt.ddim_steps, opt.num_samples))
