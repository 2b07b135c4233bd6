-- The latent diffusion model from Lua: a class-conditional model, stage B from it and a stage-A encoder,
-- generation with seeds that reproduce images, checkpoints.
local T = require "lib.testing"

local dir = T.tmpname(); os.remove(dir); os.execute("mkdir -p " .. dir)
local sim = mv.data.simulate{preset = "small", pool_size = 0, subject = "sbj_1"}
local fast = {num_epoch = 1, progress = false, val_every = 1, val_items = 2, ddim_steps = 2, batch_size = 8, overwrite = true}
local function close(a, b, tolerance, what) T.truthy((a - b):abs():max():item() <= tolerance, what or "tensors differ") end
local function with(extra) local t = {} for k, v in pairs(fast) do t[k] = v end for k, v in pairs(extra) do t[k] = v end return t end

T.test("label2img: train, generate by label with guidance, save in half precision", function()
  local base = mv.models.LDM{preset = "tiny", cond_stage_config = {target = "class", n_classes = 31, null_class = 31}}
  T.eq(base.config.cond_stage_config.null_class, 31, "the null class reads back 1-based")
  T.truthy(tostring(base.cond_stage_model):find("null class 31 of 31", 1, true), "and prints 1-based")
  local none = mv.models.LDM{preset = "tiny", cond_stage_config = {target = "class", n_classes = 3, null_class = 0}}
  T.eq(none.config.cond_stage_config.null_class, 0, "0: no null class")
  for _, bad in ipairs{9, -1, 1.5} do
    T.raises(function() mv.models.LDM{preset = "tiny", cond_stage_config = {target = "class", n_classes = 3, null_class = bad}} end,
             "'null_class' must be a 1-based label in 1...3 (0: no null class)")
  end
  T.raises(function() mv.models.LDM{preset = "tiny", scale_factr = 1} end, "unknown key 'scale_factr' (did you mean 'scale_factor'?)")
  T.raises(function() mv.models.LDM{preset = "tiny"} end, "a class-conditional LDM takes cond_stage_config = {target = \"class\"")
  local r = mv.ldm.train_label2img(with{model = base, data = sim.train, output = dir .. "/l2i"})
  T.truthy(r.loss > 0 and #r.figures == 1 and r.validation.pairwise_pcc ~= nil)
  local finished = mv.ldm.train_label2img(with{model = base, data = sim.train, output = dir .. "/l2i", overwrite = false, resume = true})
  T.truthy(#finished.reports == 1 and #finished.figures == 1 and finished.loss == r.loss, "a finished run gives back its epochs and figures")
  T.eq(finished.validation.pairwise_pcc, r.validation.pairwise_pcc, "and its last validation")
  -- The training checkpoint keeps raw and averaged weights; loading it gives the averaged ones its validation used.
  local saved, key = mv.load(r.checkpoint), "model.diffusion_model.out.2.weight"
  T.truthy(not saved[key]:equal(saved["ema." .. key]), "the average differs from the raw weights after an epoch")
  T.truthy(mv.models.load_ldm(r.checkpoint):state_dict()[key]:equal(saved["ema." .. key]), "load_ldm: the averaged weights")
  T.truthy(mv.models.load_ldm(r.checkpoint, {ema = false}):state_dict()[key]:equal(saved[key]), "ema = false: the raw ones")
  T.raises(function() mv.models.load_ldm(r.checkpoint, {ema = "yes"}) end, "config.ema must be true or false")
  local images, seeds = base:generate{labels = mv.tensor{1, 2}, num_samples = 2, steps = 2, guidance = 2, seed = 4}
  T.eq(tostring(images:shape()), "[2, 2, 3, 16, 16]")
  T.truthy(images:min():item() >= 0 and images:max():item() <= 1, "images in [0, 1]")
  local again = base:generate{labels = mv.tensor{2}, num_samples = 2, steps = 2, guidance = 2, seeds = {seeds[2]}}
  T.truthy(again:select(1, 1):equal(images:select(1, 2)), "a returned seed reproduces its images alone")
  T.eq(mv.ldm.condition_seed(4, 2), seeds[2], "condition_seed names the seed generate gives a condition")
  base:save(dir .. "/base.safetensors", {dtype = "float16"})
  T.raises(function() base:generate{labels = mv.tensor{0}, steps = 2} end, "labels must be whole numbers in 1...31")
  -- Infinite and huge labels once ended the process (converted to Int before the range test).
  T.raises(function() base:context{labels = mv.tensor{1 / 0}} end, "labels must be whole numbers in 1...31, found inf")
  T.raises(function() base:generate{labels = mv.tensor{3e38}, steps = 2} end, "labels must be whole numbers in 1...31")
  T.raises(function() base:context{fmri = mv.tensor{0}} end, "fmri = needs an fMRI-conditioned model; this one is class-conditional")
  T.raises(function() base:generate{steps = 2} end, "give exactly one of fmri =, labels = or context =")
  T.raises(function() mv.ldm.train_label2img(with{model = base, data = sim.train, output = dir .. "/l2i_one", val_items = 1}) end,
           "val_items")
  -- A NaN score was logged as null and could pick checkpoint_best.
  T.raises(function() mv.ldm.train_label2img(with{model = base, data = sim.train, output = dir .. "/l2i_nan", metric = function() return {x = 0 / 0} end}) end,
           "metric 'x' returned nan; scores must be finite")
end)

T.test("stage B from the class-conditional base and an MAE; generation depends on the fMRI", function()
  local mae = mv.models.MAE{preset = "tiny", num_voxels = sim.train.voxels}
  mae:save(dir .. "/mae.safetensors")
  local ldm = mv.ldm.from_pretrained{base = dir .. "/base.safetensors", encoder = dir .. "/mae.safetensors", num_voxels = sim.train.voxels}
  local r = mv.ldm.finetune(with{model = ldm, data = sim.train, output = dir .. "/b"})
  T.truthy(r.best_checkpoint ~= nil and r.loss > 0)
  local fmri = sim.test.fmri:narrow(1, 1, 2)
  local a = ldm:generate{fmri = fmri, num_samples = 1, steps = 2, seed = 1}
  ldm:save(dir .. "/ldm.safetensors")
  local back = mv.models.load_ldm(dir .. "/ldm.safetensors")
  T.truthy(back:generate{fmri = fmri, num_samples = 1, steps = 2, seed = 1}:equal(a), "a saved model generates the same images")
  local context = ldm:context{fmri = fmri}
  T.eq(tostring(context:shape()), "[2, 77, 16]")
  T.truthy(not context:select(1, 1):equal(context:select(1, 2)), "each fMRI has its own context")
  T.truthy(ldm:generate{context = context, num_samples = 1, steps = 2, seed = 1}:equal(a), "generate{context} is generate{fmri}")
  -- The latents (before the VQ snaps them to its codebook) of two fMRI from the same noise differ.
  local schedule = mv.diffusion.Schedule{timesteps = ldm.config.timesteps, linear_start = ldm.config.linear_start, linear_end = ldm.config.linear_end}
  local function latents(row) return mv.diffusion.sample{model = ldm.unet, schedule = schedule, context = context:narrow(1, row, 1), shape = {1, 3, 4, 4}, seed = 3, steps = 2} end
  T.truthy(not latents(1):equal(latents(2)), "other fMRI with the same noise gives other latents")
  -- Starting from given latents (SDEdit): a small strength stays near them, and they must be one per condition.
  local start = mv.randn(2, 3, 8, 8)
  local near = ldm:generate{fmri = fmri, num_samples = 1, steps = 10, strength = 0.1, init_latents = start, seed = 1}
  local decoded = ((ldm:decode_latents(start) + 1) / 2):clamp(0, 1)
  T.truthy((near:select(2, 1) - decoded):abs():mean():item() < (a:select(2, 1) - decoded):abs():mean():item(), "strength 0.1 stays near the start")
  T.raises(function() ldm:generate{fmri = fmri, steps = 2, init_latents = mv.randn(1, 3, 8, 8)} end, "init_latents must be [2, 3, 8, 8]")
  T.raises(function() ldm:generate{fmri = fmri, steps = 2, strength = 0.5} end, "needs latents to start from")
  T.raises(function() ldm:generate{fmri = fmri, context = context} end, "give exactly one of fmri =, labels = or context =")
  T.raises(function() ldm:context{fmri = fmri, labels = mv.tensor{1, 2}} end, "give exactly one of fmri = or labels = (got fmri, labels)")
  T.raises(function() mv.ldm.finetune{model = ldm, data = sim.train, num_epochs = 1} end, "did you mean 'num_epoch'")
  -- A folder that cannot be made gets the system's reason, not Foundation's "The operation could not be completed".
  T.raises(function() mv.ldm.finetune{model = ldm, data = sim.train, num_epoch = 1, output = "/dev/null/run"} end,
           "cannot create the folder /dev/null/run/checkpoints: /dev/null is not a folder")
  T.raises(function() mv.ldm.from_pretrained{base = dir .. "/base.safetensors", encoder = dir .. "/mae.safetensors"} end, "num_voxels")
end)

T.test("class embeddings from the categories' factors, renderings of every category, aligning the conditioner", function()
  local factors = sim.stimuli.factors
  T.eq(table.concat(factors.names, ","), "shape,colour,texture,background")
  T.eq(table.concat(factors.counts, ","), "10,6,4,2")
  T.eq(#factors.levels, #sim.categories)
  local colours = {"red", "yellow", "green", "cyan", "blue", "magenta"}
  for c, description in ipairs(sim.categories) do
    T.truthy(description:find("^" .. colours[factors.levels[c][2]] .. " "), "category " .. c .. "'s colour level names its colour")
  end
  -- New renderings of every category, labelled, never the dataset's images, the same for the same seed.
  local renderings = sim.stimuli:renderings{per_category = 2, seed = 5}
  T.eq(#renderings, 2 * #sim.categories)
  T.eq(renderings.voxels, 0)
  T.eq(renderings.labels[1], 1); T.eq(renderings.labels[#renderings], #sim.categories)
  local test_image = sim.test:get(1).image
  for i = 1, #renderings do T.truthy(not renderings:get(i).image:equal(test_image), "rendering " .. i .. " is not the test image") end
  T.truthy(sim.stimuli:renderings{per_category = 2, seed = 5}:get(3).image:equal(renderings:get(3).image), "seeded")
  T.truthy(not sim.stimuli:renderings{per_category = 2, seed = 6}:get(3).image:equal(renderings:get(3).image), "another seed, other images")
  T.raises(function() sim.stimuli:renderings{per_categry = 2} end, "did you mean 'per_category'")

  -- label2img whose class embedding is the sum of its factor levels' rows (and a row for the null class).
  local n = #sim.categories + 1
  local base = mv.models.LDM{preset = "tiny", cond_stage_config = {target = "class", n_classes = n, attributes = factors.levels}}
  local table_rows = base.cond_stage_model.embedding.weight
  T.eq(tostring(table_rows:shape()), "[23, 16]", "10 + 6 + 4 + 2 levels and the null class")
  local c = 7
  local expected, offset = mv.zeros(16), 0
  for f, level in ipairs(factors.levels[c]) do expected = expected + table_rows[offset + level]; offset = offset + factors.counts[f] end
  close(base:context{labels = mv.tensor{c}}:reshape(16), expected, 1e-6, "a class's context is the sum of its levels' rows")
  close(base:context{labels = mv.tensor{n}}:reshape(16), table_rows[23], 0, "the null class has its own row")
  local run = mv.ldm.train_label2img(with{model = base, data = renderings, output = dir .. "/attr", val_every = 0})
  T.eq(run.validation, nil, "val_every = 0 never validates, not even after the last epoch")
  T.eq(#run.figures, 0, "and draws no validation figure")
  base:save(dir .. "/attr.safetensors")
  local back = mv.models.load_ldm(dir .. "/attr.safetensors")
  T.eq(#back.config.cond_stage_config.attributes, #sim.categories, "the attributes are part of the saved config")
  close(back:context{labels = mv.tensor{c}}, base:context{labels = mv.tensor{c}}, 0)
  T.raises(function() mv.models.LDM{preset = "tiny", cond_stage_config = {target = "class", n_classes = n + 1, attributes = factors.levels}} end,
           "'attributes' lists 30 classes; n_classes 32 minus the null class is 31")
  T.raises(function() mv.models.LDM{preset = "tiny", cond_stage_config = {target = "class", n_classes = 3, attributes = {{1, 2}, {1}}}} end,
           "entry 2 has 1 levels, entry 1 has 2")

  -- Aligning a stage-B conditioner with those class contexts lowers its error on the training trials.
  local mae = mv.models.MAE{preset = "tiny", num_voxels = sim.train.voxels}
  mae:save(dir .. "/mae_attr.safetensors")
  local ldm = mv.ldm.from_pretrained{base = dir .. "/attr.safetensors", encoder = dir .. "/mae_attr.safetensors", num_voxels = sim.train.voxels}
  local encoder_weight = ldm.cond_stage_model.mae.blocks[1].attn.qkv.weight:clone()
  local r = mv.ldm.align{model = ldm, data = sim.train, label2img = back, num_epoch = 4, lr = 3e-3, progress = false}
  T.eq(#r.reports, 4)
  T.truthy(ldm.cond_stage_model.mae.blocks[1].attn.qkv.weight:equal(encoder_weight), "by default only the mappers learn")
  mv.ldm.align{model = ldm, data = sim.train, label2img = back, num_epoch = 1, progress = false, train_encoder = true}
  T.truthy(not ldm.cond_stage_model.mae.blocks[1].attn.qkv.weight:equal(encoder_weight), "train_encoder = true trains the encoder too")
  T.truthy(r.reports[4].loss < r.reports[1].loss, "the training loss falls")
  T.truthy(r.val_loss ~= nil and r.val_explained ~= nil, "held-out trials are scored")
  -- Guidance for the fMRI model with label2img's null-class context as the unconditional one.
  local fmri = sim.test.fmri:narrow(1, 1, 1)
  local null = back:context{labels = mv.tensor{n}}
  local plain = ldm:generate{fmri = fmri, num_samples = 1, steps = 2, seed = 1}
  local guided = ldm:generate{fmri = fmri, num_samples = 1, steps = 2, seed = 1, guidance = 3, uncond = null}
  T.truthy(not guided:equal(plain), "guidance changes the samples")
  T.truthy(ldm:generate{fmri = fmri, num_samples = 1, steps = 2, seed = 1, guidance = 3, uncond = null:expand(1, 77, 16)}:equal(guided),
           "one unconditional token is that token repeated")
  T.raises(function() ldm:generate{fmri = fmri, steps = 2, guidance = 3} end, "give one (uncond =) or use guidance = 1")
  T.raises(function() ldm:generate{fmri = fmri, steps = 2, guidance = 3, uncond = mv.zeros(1, 2, 16)} end,
           "the unconditional context must be [1, 77, 16] (or [1, 1, 16], one token for all), got [1, 2, 16]")
  T.raises(function() mv.ldm.align{model = ldm, data = sim.train} end, "give label2img =")
  T.raises(function() mv.ldm.align{model = back, data = sim.train, label2img = back} end, "must be conditioned on fMRI")
  T.raises(function() mv.ldm.align{model = ldm, data = sim.pool or renderings, label2img = back, num_epochs = 1} end, "did you mean 'num_epoch'")
end)

os.execute("rm -rf " .. dir)
T.finish()
