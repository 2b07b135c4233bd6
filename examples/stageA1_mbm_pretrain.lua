-- Stage A1 of MinD-Vis: SC-MBM pretraining of the fMRI masked autoencoder on an unlabeled pool.
--
--   mindvis examples/stageA1_mbm_pretrain.lua                       -- the built-in simulated pool
--   mindvis examples/stageA1_mbm_pretrain.lua --data hcp --hcp_path data/HCP/npz --kam_path data/Kamitani/npz \
--       --preset paper --num_epoch 500 --batch_size 100             -- the reference's recipe on real data
--
-- The options are the reference's (Config_MBM_fMRI, REFERENCE.md §2.1); --help lists them with defaults.
local opt = mv.parse_args(arg, {
  data = "sim",                  -- "sim" (built-in simulated cortex) or "hcp" (HCP + GOD training fMRI, as the reference)
  hcp_path = "data/HCP/npz", kam_path = "data/Kamitani/npz", include_kam = true, roi = "VC",
  pool_size = 4000,              -- simulated pool samples (the reference's full pool is ~136k)
  preset = "small",              -- model size: tiny, small or paper
  patch_size = 16, mask_ratio = 0.75,
  lr = 2.5e-4, min_lr = 0.0, weight_decay = 0.05, num_epoch = 20, warmup_epochs = 2,
  batch_size = 32, clip_grad = 0.8, seed = 2022, checkpoint_every = 5,
  output = "runs/stageA1", resume = "",
})

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
  resume = opt.resume ~= "" and opt.resume or nil,
  lr = opt.lr, min_lr = opt.min_lr, weight_decay = opt.weight_decay, num_epoch = opt.num_epoch,
  warmup_epochs = opt.warmup_epochs, batch_size = opt.batch_size, clip_grad = opt.clip_grad,
  mask_ratio = opt.mask_ratio, seed = opt.seed, checkpoint_every = opt.checkpoint_every,
}
print(("stage A1 done: train loss %.4f, train cor %.3f, held-out masked cor %.3f"):format(result.loss, result.cor, result.eval_cor or 0 / 0))
print("checkpoint: " .. result.checkpoint)
print("metrics:    " .. result.metrics)
print("figure:     " .. (result.figures[#result.figures] or "(none)"))
