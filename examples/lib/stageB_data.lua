-- The fMRI-image pairs of the stage-B examples (stageB_ldm_finetune.lua, generate.lua), chosen by the reference's
-- option names: --dataset sim | GOD | BOLD5000, --kam_path/--kam_subs, --bold5000_path/--bold5000_subs,
-- --normalize, and --max_images (a small simulation for quick trials).
local stageB_data = {}

--- Returns train, test for the options `opt`; `seed` is the simulation's.
function stageB_data.load(opt, seed)
  if opt.dataset == "sim" then
    local quick = opt.max_images > 0
    local sim = mv.data.simulate{seed = seed, subject = opt.kam_subs, pool_size = 0, normalize = opt.normalize,
                                 preset = quick and "small" or "default", subjects = 3,
                                 train_categories = quick and math.max(1, math.ceil(opt.max_images / 4)) or nil}
    return sim.train, sim.test
  elseif opt.dataset == "GOD" then
    return mv.data.GOD{path = opt.kam_path, subjects = {opt.kam_subs}, normalize = opt.normalize}
  elseif opt.dataset == "BOLD5000" then
    return mv.data.BOLD5000{path = opt.bold5000_path, subjects = {opt.bold5000_subs}, normalize = opt.normalize}
  end
  error("--dataset must be sim, GOD or BOLD5000, got " .. opt.dataset, 0)
end

return stageB_data
