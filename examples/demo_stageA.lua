-- Stage A of MinD-Vis alone on the built-in simulated visual cortex, in a few minutes (the whole pipeline, stage B and
-- the evaluation too, is `scripts/demo`, examples/demo.lua):
--   1. simulate a GOD-like experiment (3 subjects) and an HCP-like unlabeled pool;
--   2. A1: pretrain the fMRI masked autoencoder (small preset) on the pool;
--   3. A2: finetune it on subject sbj_3's test fMRI;
--   4. report masked-voxel reconstruction on held-out data, with figures and metrics on disk.
local opt = mv.parse_args(arg, {
  output = {"runs/demo_stageA", "folder of every output (runs of an earlier demo there are replaced)"},
  pool_size = {2400, "samples of the simulated unlabeled pool"},
  a1_epochs = {3, "stage A1 epochs"}, a2_epochs = {2, "stage A2 epochs"},
  batch_size = {32, "samples per step"}, seed = {2022, "seed of the simulation and the training"},
}, "The MindVis stage A demo: simulate a GOD-like experiment, pretrain the fMRI MAE on the pool (A1), finetune it on sbj_3 (A2).")
mv.manual_seed(opt.seed)
local wall = os.time()

print("== simulating the built-in dataset")
local sim = mv.data.simulate{seed = opt.seed, pool_size = opt.pool_size, subject = "sbj_3", single_trials = true}
print(sim.pool); print(sim.train); print(sim.test)
local stimuli = {}
for i = 1, 16 do stimuli[i] = sim.train:get(i).image end
mv.mkdir(opt.output)
mv.image.grid(opt.output .. "/stimuli.png", stimuli, {columns = 8})

print("== stage A1: pretraining on the pool")
local pool, held_out = sim.pool:split(0.95, opt.seed)
local mae = mv.models.MAE{preset = "small", num_voxels = sim.pool.voxels}
local a1 = mv.mbm.pretrain{model = mae, data = pool, eval = held_out, output = opt.output .. "/stageA1",
                           num_epoch = opt.a1_epochs, warmup_epochs = 1, batch_size = opt.batch_size, lr = 1e-3,
                           checkpoint_every = opt.a1_epochs, overwrite = true}
print(("A1: loss %.4f, held-out masked-patch correlation %.3f"):format(a1.loss, a1.eval_cor))

print("== stage A2: finetuning on sbj_3's test fMRI")
-- As the reference: the target's test fMRI (50 averaged responses and the 1750 single trials), no images.
local target = mv.data.concat{sim.test, sim.test_single}
-- The same masks (seed 7) as the evaluation at the end of finetuning, so the two numbers compare.
local before = mae:reconstruct(sim.test:fit_to(mae.config.num_voxels).fmri:unsqueeze(2), {seed = 7})
local a2 = mv.mbm.finetune{checkpoint = a1.checkpoint, data = target, eval = sim.test, output = opt.output .. "/stageA2",
                           num_epoch = opt.a2_epochs, warmup_epochs = 1, batch_size = opt.batch_size, lr = 2e-4,
                           checkpoint_every = opt.a2_epochs, overwrite = true}
local mean = function(t) local s = 0 for _, v in ipairs(t) do s = s + v end return s / #t end
print(("A2: target masked-patch correlation %.3f (before finetuning) -> %.3f"):format(mean(before.masked_cor), a2.eval_cor))

print(("\ndone in %d s. outputs in %s:"):format(os.time() - wall, opt.output))
print("  stimuli.png                         simulated stimuli")
print("  stageA1/metrics.jsonl, figures/     pretraining curve and reconstructions of held-out pool samples")
print("  stageA1/checkpoints/                the A1 checkpoint (safetensors, reference parameter names)")
print("  stageA2/metrics.jsonl, figures/     finetuning on the target subject")
print("  stageA2/checkpoints/                the A2 checkpoint (loads into stage B)")
