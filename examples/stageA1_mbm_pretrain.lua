-- Stage A1 of MinD-Vis: SC-MBM pretraining of the fMRI masked autoencoder on an unlabeled pool.
--
--   mindvis examples/stageA1_mbm_pretrain.lua                       -- the built-in simulated pool
--   mindvis examples/stageA1_mbm_pretrain.lua --data hcp --hcp_path data/HCP/npz --kam_path data/Kamitani/npz \
--       --preset paper --num_epoch 500 --batch_size 100             -- the reference's recipe on real data
--
-- The options are the reference's (Config_MBM_fMRI, REFERENCE.md §2.1); --help lists them with defaults.
local opt = mv.parse_args(arg, {
  data = {"sim", "training pool: \"sim\" (the built-in simulated cortex) or \"hcp\" (HCP + GOD training fMRI, as the reference)"},
  hcp_path = {"data/HCP/npz", "folder of HCP subjects (--data hcp)"},
  kam_path = {"data/Kamitani/npz", "GOD folder (--data hcp with --include_kam)"},
  include_kam = {true, "add the GOD training fMRI of all subjects to the pool"},
  roi = {"VC", "region of interest of the real data"},
  pool_size = {4000, "simulated pool samples (the reference's full pool is ~136k)"},
  preset = {"small", "model size: tiny, small or paper"},
  patch_size = {16, "voxels per token"},
  mask_ratio = {0.75, "fraction of patches masked"},
  lr = {2.5e-4, "peak learning rate"}, min_lr = {0.0, "final learning rate of the cosine decay"},
  weight_decay = {0.05, "AdamW weight decay"},
  num_epoch = {20, "epochs (the reference: 500)"}, warmup_epochs = {2, "linear warm-up epochs"},
  batch_size = {32, "samples per step (the reference: 100)"}, clip_grad = {0.8, "gradient-norm clip"},
  seed = {2022, "seed of everything random"}, checkpoint_every = {5, "checkpoint and figure every this many epochs"},
  output = {"runs/stageA1", "run folder (refused if it holds a run: see --resume, --overwrite)"},
  resume = {false, "continue the run in --output from its checkpoint"},
  overwrite = {false, "start over in an --output that holds a run"},
}, "Stage A1 of MinD-Vis: pretrains the fMRI masked autoencoder (SC-MBM) on an unlabeled pool, with the reference's options.")

mv.manual_seed(opt.seed)
local pool
if opt.data == "sim" then
  pool = mv.data.simulate{seed = opt.seed, pool_size = opt.pool_size}.pool
elseif opt.data == "hcp" then
  pool = mv.data.HCP{path = opt.hcp_path, roi = opt.roi, patch_size = opt.patch_size}
  if opt.include_kam then
    local god_train = mv.data.GOD{path = opt.kam_path, patch_size = opt.patch_size, roi = opt.roi}
    pool = mv.data.concat{pool, god_train}
  end
else
  error("--data must be sim or hcp, got " .. opt.data)
end
-- Hold out 5% of the pool to watch reconstruction of unseen samples.
local train, held_out = pool:split(0.95, opt.seed)
print(("pool: %d samples x %d voxels (%d for training)"):format(#pool, pool.voxels, #train))

local mae = mv.models.MAE{preset = opt.preset, num_voxels = pool.voxels, patch_size = opt.patch_size}
print(mae)
print(("%.2f M parameters"):format(mae:num_parameters() / 1e6))

local result = mv.mbm.pretrain{
  model = mae, data = train, eval = held_out, output = opt.output,
  resume = opt.resume, overwrite = opt.overwrite,
  lr = opt.lr, min_lr = opt.min_lr, weight_decay = opt.weight_decay, num_epoch = opt.num_epoch,
  warmup_epochs = opt.warmup_epochs, batch_size = opt.batch_size, clip_grad = opt.clip_grad,
  mask_ratio = opt.mask_ratio, seed = opt.seed, checkpoint_every = opt.checkpoint_every,
}
print(("stage A1 done: train loss %.4f, train cor %.3f, held-out masked cor %.3f"):format(result.loss, result.cor, result.eval_cor or 0 / 0))
print("checkpoint: " .. result.checkpoint)
print("metrics:    " .. result.metrics)
print("figure:     " .. (result.figures[#result.figures] or "(none)"))
