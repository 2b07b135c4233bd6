-- mv.dist and data-parallel stage A, run by scripts/mpi-tests in three modes:
--   mindvis test_dist.lua --mode reference --work DIR          one process: the A1 runs the ranks must reproduce
--   mpirun -np 2 mindvis test_dist.lua --mode ranks --work DIR  collectives; A1, LDM and VQ training on 2 ranks;
--                                                               an A1 run resumed on 2 ranks
--   mpirun -np 2 mindvis test_dist.lua --mode fail              rank 1 fails: the job must stop, not hang
package.path = arg[0]:match("^(.*)/[^/]*$") .. "/../?.lua;" .. package.path
local T = require "lib.testing"
local opt = mv.parse_args(arg, {mode = {"ranks", "reference, ranks or fail"}, work = {"", "folder shared by the modes"}})
local rank, world = mv.dist.rank(), mv.dist.world_size()

-- A tiny A1 whose pool (49 samples, batch 8) ends in a batch of one: one rank then has nothing to train on.
local function pretrain(output, extra)
  mv.manual_seed(3)
  local x = (mv.arange(64):reshape(1, 64) * mv.rand(49, 1) * 0.2 + mv.rand(49, 1) * 6):sin() + mv.randn(49, 64) * 0.1
  local options = {model = mv.models.MAE{preset = "tiny", num_voxels = 64}, data = x, output = output, num_epoch = 3,
                   warmup_epochs = 1, batch_size = 8, lr = 1e-3, checkpoint_every = 1, progress = false, eval = false}
  for k, v in pairs(extra or {}) do options[k] = v end
  return mv.mbm.pretrain(options)
end

-- A tiny class-conditional LDM (the stage-B trainer): conditioning dropout, crop variants and EMA all draw or keep
-- state per step.
local sim
local function train_ldm(output)
  sim = sim or mv.data.simulate{preset = "small", pool_size = 0, subject = "sbj_1"}
  mv.manual_seed(5)
  local ldm = mv.models.LDM{preset = "tiny", cond_stage_config = {target = "class", n_classes = #sim.categories + 1}}
  return mv.ldm.train_label2img{model = ldm, data = sim.train, output = output, num_epoch = 2, batch_size = 7, crop_variants = 2,
                                progress = false, val_every = 0, val_items = 2, ddim_steps = 2}
end

local function losses(result)
  local out = {}
  for i, report in ipairs(result.reports) do out[i] = report.loss end
  return out
end

-- A tiny VQ with dead-code restarts (the last batch's encoder outputs are gathered from both ranks).
local function train_vq(output)
  sim = sim or mv.data.simulate{preset = "small", pool_size = 0, subject = "sbj_1"}
  mv.manual_seed(6)
  local result = mv.vq.train{model = mv.models.VQModel{preset = "tiny"}, data = sim.train, output = output, num_epoch = 2,
                             batch_size = 7, progress = false}
  local out = losses(result)
  for _, report in ipairs(result.reports) do out[#out + 1] = report.codes_used; out[#out + 1] = report.codes_restarted end
  return out
end

if opt.mode == "reference" then
  T.test("one-process reference runs", function()
    mv.save_json(opt.work .. "/reference.json", {losses = losses(pretrain(opt.work .. "/one")), ldm = losses(train_ldm(opt.work .. "/ldm_one")),
                                                      vq = train_vq(opt.work .. "/vq_one")})
    local ok, message = pcall(pretrain, opt.work .. "/resumed", {on_epoch = function(r) if r.epoch == 1 then error("stop after epoch 1") end end})
    T.truthy(not ok and message:find("stop after epoch 1", 1, true), message)
  end)
elseif opt.mode == "ranks" then
  T.test("a world of two", function()
    T.eq(world, 2)
    T.truthy(rank == 0 or rank == 1)
  end)

  T.test("all_reduce and broadcast against their definitions", function()
    local mine = mv.tensor{{rank + 1, -rank}, {10 * rank, 5}}
    T.eq(mv.dist.all_reduce(mine:clone(), "sum"):tolist()[1][1], 3)
    T.eq(tostring(mv.dist.all_reduce(mine:clone()):tolist()[2][1]), "10.0", "sum is the default")
    T.near(mv.dist.all_reduce(mine:clone(), "mean"):tolist()[1][2], -0.5, 1e-7)
    T.eq(mv.dist.all_reduce(mine:clone(), "max"):tolist()[1][1], 2)
    T.eq(mv.dist.all_reduce(mine:clone(), "min"):tolist()[1][2], -1)
    local t = mine:clone()
    T.truthy(mv.dist.all_reduce(t, "sum") == t, "in place, returns its argument")
    local big = mv.full({300001}, rank + 1)   -- larger than any eager-send threshold
    T.eq(mv.dist.all_reduce(big):sum():item(), 3 * 300001)
    local b = mv.tensor{rank, rank * 2}
    mv.dist.broadcast(b, 1)
    T.eq(b:tolist()[2], 2, "rank 1's values everywhere")
    T.raises(function() mv.dist.broadcast(b, 2) end, "root 2 is not a rank (0...1)")
    T.raises(function() mv.dist.all_reduce(b, "prod") end, 'op must be one of "sum", "mean", "max", "min"')
    T.raises(function() mv.dist.all_reduce(mv.randn(2, 2):t()) end, "must be contiguous")
    mv.dist.barrier()
  end)

  local reference_json = mv.load_json(opt.work .. "/reference.json")
  local reference = reference_json.losses
  T.test("A1 on two ranks gives the one-process losses", function()
    local two = losses(pretrain(opt.work .. "/two"))
    T.eq(#two, #reference)
    for i = 1, #two do T.near(two[i], reference[i], 2e-5, "epoch " .. i .. " loss") end
    if rank == 0 then
      T.truthy(io.open(opt.work .. "/two/checkpoints/checkpoint.safetensors"), "rank 0 writes the checkpoint")
    end
  end)

  T.test("a one-process run resumes on two ranks", function()
    local resumed = losses(pretrain(opt.work .. "/resumed", {resume = true}))
    T.eq(#resumed, 2, "epochs 2 and 3")
    for i = 1, 2 do T.near(resumed[i], reference[i + 1], 2e-5, "epoch " .. (i + 1) .. " loss") end
  end)
  T.test("LDM training on two ranks gives the one-process losses", function()
    local two = losses(train_ldm(opt.work .. "/ldm_two"))
    T.eq(#two, #reference_json.ldm)
    for i = 1, #two do T.near(two[i], reference_json.ldm[i], 2e-5, "epoch " .. i .. " loss") end
  end)
  T.test("VQ training on two ranks gives the one-process losses, codebook use and restarts", function()
    local two = train_vq(opt.work .. "/vq_two")
    local one = reference_json.vq
    T.eq(#two, #one)
    -- The ranks sum each batch's gradients in another order than one process, so their weights differ by rounding;
    -- epoch 1 stays within it. Its dead-code restart then copies encoder outputs that carry that rounding into 14
    -- entries, and epoch 2's code assignments amplify it (measured 1.3e-3 relative on an AVX2 EPYC, under 1e-4 on a
    -- Zen 5). The counts of used and restarted codes below must agree exactly.
    T.near(two[1], one[1], 1e-4 * one[1], "epoch 1 loss")
    T.near(two[2], one[2], 1e-2 * one[2], "epoch 2 loss")
    for i = 3, #two do T.eq(two[i], one[i], "codes used / restarted (entry " .. i .. ")") end
  end)
elseif opt.mode == "fail" then
  if rank == 1 then error("rank 1 fails on purpose") end
  mv.dist.barrier()   -- rank 0 would wait here forever if the failure did not stop the job
  print("rank 0 passed the barrier")
end
T.finish()
