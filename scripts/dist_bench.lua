-- Run by scripts/bench-dist (one process or under mpirun): the stage-A1 step of the demo's model, or the
-- all-reduce bandwidth of mv.dist.
local opt = mv.parse_args(arg, {
  what = {"step", "step (an A1 training step) or allreduce"},
  iterations = {24, "A1 steps timed (after one warm-up epoch of 4 steps)"},
}, "Data-parallel timings for scripts/bench-dist.")
local rank, world = mv.dist.rank(), mv.dist.world_size()

if opt.what == "step" then
  -- The demo's A1: small preset, 5184 voxels, global batch 32.
  mv.manual_seed(1)
  local batch = 32
  local pool = mv.randn(batch * opt.iterations, 5184)
  local dir = os.tmpname(); os.remove(dir)
  local function run(samples, output)
    return mv.mbm.pretrain{model = mv.models.MAE{preset = "small", num_voxels = 5184}, data = pool:narrow(1, 1, samples),
                           output = output, num_epoch = 1, warmup_epochs = 1, batch_size = batch, progress = false, eval = false,
                           checkpoint_every = 1000}
  end
  run(batch * 4, dir .. "-warmup")
  local t0 = mv.clock()
  run(batch * opt.iterations, dir)
  mv.dist.barrier()
  if rank == 0 then
    print(("A1 step (small preset, batch %d): %.3f s per step on %d rank(s)"):format(batch, (mv.clock() - t0) / opt.iterations, world))
  end
elseif opt.what == "allreduce" then
  for _, mib in ipairs{1, 4, 16, 64} do
    local t = mv.ones(mib * 262144)
    mv.dist.all_reduce(t)
    local best, times = math.huge, {}
    for i = 1, 7 do
      mv.dist.barrier()
      local t0 = mv.clock()
      mv.dist.all_reduce(t)
      times[i] = mv.clock() - t0
      best = math.min(best, times[i])
    end
    table.sort(times)
    if rank == 0 then
      print(("mv.dist.all_reduce %3d MiB: best %.2f ms (%.2f GB/s), median %.2f ms (%.2f GB/s)"):format(
        mib, best * 1e3, mib * 1.048576e-3 / best, times[4] * 1e3, mib * 1.048576e-3 / times[4]))
    end
  end
else
  error("--what must be step or allreduce")
end
