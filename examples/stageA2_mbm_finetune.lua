-- Stage A2 of MinD-Vis: continue SC-MBM training on the target subject's (unpaired) test fMRI,
-- starting from a stage A1 checkpoint (REFERENCE.md §3).
--
--   mindvis examples/stageA2_mbm_finetune.lua --pretrain_mbm_path runs/stageA1/checkpoints/checkpoint.safetensors
--   mindvis examples/stageA2_mbm_finetune.lua --dataset GOD --kam_path data/Kamitani/npz --pretrain_mbm_path results/.../checkpoint.pth
local opt = mv.parse_args(arg, {
  dataset = {"sim", "target data: \"sim\" (built-in), \"GOD\" or \"BOLD5000\""},
  kam_path = {"data/Kamitani/npz", "GOD folder"}, bold5000_path = {"data/BOLD5000", "BOLD5000 folder"},
  kam_subs = {"sbj_3", "GOD subject"}, bold5000_subs = {"CSI1", "BOLD5000 subject"},
  include_nonavg_test = {true, "also train on the single test trials, as the reference"},
  pretrain_mbm_path = {"runs/stageA1/checkpoints/checkpoint.safetensors", "the stage A1 checkpoint (ours or the reference's .pth)"},
  lr = {5.3e-5, "peak learning rate"}, min_lr = {0.0, "final learning rate"}, weight_decay = {0.05, "AdamW weight decay"},
  num_epoch = {15, "epochs"}, warmup_epochs = {2, "linear warm-up epochs"}, batch_size = {16, "samples per step"},
  clip_grad = {0.8, "gradient-norm clip"}, mask_ratio = {0.75, "fraction of patches masked"}, seed = {2022, "seed"},
  checkpoint_every = {2, "checkpoint and figure every this many epochs"},
  normalize = {"corrected", "\"reference\" reproduces the reference's test normalisation (README, Data)"},
  output = {"runs/stageA2", "run folder (refused if it holds a run: see --resume, --overwrite)"},
  resume = {false, "continue the run in --output from its checkpoint"},
  overwrite = {false, "start over in an --output that holds a run"},
}, "Stage A2 of MinD-Vis: continues SC-MBM training of a stage A1 model on the target subject's (unpaired) test fMRI.")

mv.manual_seed(opt.seed)
local test
if opt.dataset == "sim" then
  local sim = mv.data.simulate{seed = opt.seed, subject = opt.kam_subs, single_trials = opt.include_nonavg_test, pool_size = 0}
  test = opt.include_nonavg_test and mv.data.concat{sim.test, sim.test_single} or sim.test
elseif opt.dataset == "GOD" then
  local _
  _, test = mv.data.GOD{path = opt.kam_path, subjects = {opt.kam_subs}, include_nonavg_test = opt.include_nonavg_test,
                        normalize = opt.normalize}
elseif opt.dataset == "BOLD5000" then
  local _
  _, test = mv.data.BOLD5000{path = opt.bold5000_path, subjects = {opt.bold5000_subs}, include_nonavg_test = opt.include_nonavg_test,
                             normalize = opt.normalize}
else
  error("--dataset must be sim, GOD or BOLD5000, got " .. opt.dataset)
end
print(("target: %s, %d test fMRI samples x %d voxels"):format(opt.dataset, #test, test.voxels))

local mae = mv.models.load_mae(opt.pretrain_mbm_path)
if test.voxels ~= mae.config.num_voxels then
  print(("voxels: data %d -> checkpoint %d (wrap-padded or truncated, as the reference does)"):format(test.voxels, mae.config.num_voxels))
end
-- The same masks (seed 7) as the evaluation at the end of finetuning, so the two numbers compare.
local eval = test:fit_to(mae.config.num_voxels)
local before = mae:reconstruct(eval.fmri:narrow(1, 1, math.min(#eval, 64)):unsqueeze(2), {seed = 7})

local result = mv.mbm.finetune{
  model = mae, data = test, eval = test, output = opt.output, resume = opt.resume, overwrite = opt.overwrite,
  lr = opt.lr, min_lr = opt.min_lr, weight_decay = opt.weight_decay, num_epoch = opt.num_epoch,
  warmup_epochs = opt.warmup_epochs, batch_size = opt.batch_size, clip_grad = opt.clip_grad,
  mask_ratio = opt.mask_ratio, seed = opt.seed, checkpoint_every = opt.checkpoint_every,
}
local mean = function(t) local s = 0 for _, v in ipairs(t) do s = s + v end return s / #t end
print(("stage A2 done: masked-patch correlation on the target %.3f -> %.3f"):format(mean(before.masked_cor), result.eval_cor))
print("checkpoint: " .. result.checkpoint)
print("metrics:    " .. result.metrics)
print("figure:     " .. (result.figures[#result.figures] or "(none)"))
