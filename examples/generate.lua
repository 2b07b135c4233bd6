-- Images from fMRI with a stage-B model (the reference's gen_eval.py): num_samples images per fMRI, written as a grid,
-- one row per fMRI with its ground-truth stimulus first.
--
--   mindvis examples/generate.lua --checkpoint runs/stageB/checkpoints/checkpoint.safetensors
--   mindvis examples/generate.lua --dataset GOD --checkpoint pretrains/GOD/finetuned.pth --num_items 0   -- every test fMRI
--   mindvis examples/generate.lua --items 3,7 --seeds 1475870298522080,7579163089529081                   -- reproduce two rows
--
-- Each fMRI has its own seed, printed below: with the same checkpoint, --steps, --sampler, --eta and --guidance it gives
-- the same images whatever else is generated with it, and sample k of a row is the same for any --num_samples >= k.
local opt = mv.parse_args(arg, {
  checkpoint = {"runs/stageB/checkpoints/checkpoint.safetensors", "the stage-B model: ours or the reference's finetuned.pth"},
  dataset = {"sim", "data: \"sim\" (the built-in simulation, as stage B made it), \"GOD\" or \"BOLD5000\""},
  kam_path = {"data/Kamitani/npz", "GOD folder"}, bold5000_path = {"data/BOLD5000", "BOLD5000 folder"},
  kam_subs = {"sbj_3", "GOD subject (also the simulated subject)"}, bold5000_subs = {"CSI1", "BOLD5000 subject"},
  sim_seed = {2022, "with --dataset sim: the simulation's seed (stage B's --seed)"},
  max_images = {0, "with --dataset sim: stage B's --max_images (the small simulation)"},
  normalize = {"corrected", "test normalisation, as in stage B"},
  split = {"test", "which fMRI: test or train"},
  num_items = {5, "the first this many fMRI of the split (0: all)"},
  items = {"", "instead of --num_items: 1-based indices into the split, comma-separated (3,7,12)"},
  num_samples = {5, "images per fMRI"}, steps = {250, "sampler steps (the reference: 250)"},
  sampler = {"plms", "plms (the reference's) or ddim"}, eta = {0.0, "DDIM noise (plms needs 0)"},
  guidance = {1.0, "classifier-free guidance scale (1: none, as the reference; more needs a model with a null condition)"},
  seed = {2022, "base seed: item i gets mv.ldm.condition_seed(seed, i), the same whichever items are chosen"},
  seeds = {"", "one seed per fMRI, comma-separated (as printed by an earlier run): reproduces those rows"},
  output = {"runs/generate", "folder for grid.png (and the single images with --save_each)"},
  save_each = {false, "also write every ground truth and sample as its own PNG"},
}, "Generates images from fMRI with a stage-B latent diffusion model and writes a grid (ground truth, then the samples) per fMRI, printing each fMRI's seed.")

local function integers(list, what)
  local values = {}
  for word in list:gmatch("[^,%s]+") do
    values[#values + 1] = math.tointeger(tonumber(word)) or error(("--%s: '%s' is not a whole number"):format(what, word), 0)
  end
  return values
end

local model = mv.models.load_ldm(opt.checkpoint)
print("model: " .. opt.checkpoint)

local train, test = require("lib.stageB_data").load(opt, opt.sim_seed)
local data = ({test = test, train = train})[opt.split] or error("--split must be test or train, got " .. opt.split, 0)
local voxels = model.config.cond_stage_config.num_voxels
if voxels and data.voxels ~= voxels then
  print(("voxels: data %d -> model %d (wrap-padded or truncated, as the reference does)"):format(data.voxels, voxels))
  data = data:fit_to(voxels)
end

local items = integers(opt.items, "items")
if #items == 0 then
  for i = 1, opt.num_items > 0 and math.min(opt.num_items, #data) or #data do items[i] = i end
end
for _, i in ipairs(items) do
  if i < 1 or i > #data then error(("--items: %d is not in 1...%d (%s)"):format(i, #data, data.name), 0) end
end
local seeds = integers(opt.seeds, "seeds")
if #seeds > 0 and #seeds ~= #items then
  error(("--seeds: %d seeds for %d fMRI (give one per item)"):format(#seeds, #items), 0)
end
print(("%s: %d fMRI x %d samples, %s %d steps, guidance %g"):format(data.name, #items, opt.num_samples, opt.sampler,
  opt.steps, opt.guidance))

local rows = {}
for k, i in ipairs(items) do rows[k] = data.fmri[i] end
local fmri = mv.stack(rows)
-- A progress line on standard error, updated at every whole percent.
local shown = -1
local function progress(done, total)
  local percent = done * 100 // total
  if percent == shown then return end
  shown = percent
  io.stderr:write(("\rsampling: step %d of %d (%d%%)"):format(done, total, percent), done == total and "\n" or "")
end
-- Without --seeds, item i gets the seed it has when the whole split is generated, whichever items are chosen.
if #seeds == 0 then
  for k, i in ipairs(items) do seeds[k] = mv.ldm.condition_seed(opt.seed, i) end
end
local images, used = model:generate{fmri = fmri, num_samples = opt.num_samples, steps = opt.steps, sampler = opt.sampler,
                                    eta = opt.eta, guidance = opt.guidance, seeds = seeds, progress = progress}

mv.mkdir(opt.output)
local side = images:size(4)
local tiles = {}
for k, i in ipairs(items) do
  local truth = mv.image.resize(data:get(i).image, side, side)
  tiles[#tiles + 1] = truth
  if opt.save_each then mv.image.save(("%s/item%03d_truth.png"):format(opt.output, i), truth) end
  for s = 1, opt.num_samples do
    tiles[#tiles + 1] = images[k][s]
    if opt.save_each then mv.image.save(("%s/item%03d_sample%d.png"):format(opt.output, i, s), images[k][s]) end
  end
  print(("item %d: seed %d"):format(i, used[k]))
end
local grid = mv.image.grid(opt.output .. "/grid.png", tiles, {columns = opt.num_samples + 1})
local list = function(t) local s = {} for k, v in ipairs(t) do s[k] = ("%d"):format(v) end return table.concat(s, ",") end
-- A word the shell reads back as it is: quoted when it holds anything but letters, digits and ._/,:=-
local function quoted(word)
  word = tostring(word)
  if word ~= "" and not word:find("[^%w%._/,:=%-]") then return word end
  return "'" .. word:gsub("'", "'\\''") .. "'"
end
local where = ({
  sim = ("--kam_subs %s --sim_seed %d --max_images %d"):format(quoted(opt.kam_subs), opt.sim_seed, opt.max_images),
  GOD = ("--kam_path %s --kam_subs %s"):format(quoted(opt.kam_path), quoted(opt.kam_subs)),
  BOLD5000 = ("--bold5000_path %s --bold5000_subs %s"):format(quoted(opt.bold5000_path), quoted(opt.bold5000_subs)),
})[opt.dataset]
print(("reproduce: mindvis examples/generate.lua --checkpoint %s --dataset %s %s --normalize %s --split %s --items %s --seeds %s --num_samples %d --steps %d --sampler %s --eta %g --guidance %g")
  :format(quoted(opt.checkpoint), opt.dataset, where, opt.normalize, opt.split, list(items), list(used), opt.num_samples,
    opt.steps, opt.sampler, opt.eta, opt.guidance))
print(("done: %d images of %d fMRI, grid %d×%d (ground truth first)"):format(#items * opt.num_samples, #items, #items,
  opt.num_samples + 1))
print("grid: " .. grid)
