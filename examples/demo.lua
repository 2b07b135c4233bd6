-- The MindVis main job (`scripts/demo`): all of MinD-Vis on the built-in simulated visual cortex, then the
-- evaluation and the report.
--   1. simulate a GOD-like experiment (3 subjects, 150 training and 50 test categories) and an HCP-like pool;
--   2. stage A1: pretrain the fMRI masked autoencoder on the pool; A2: finetune it on sbj_3's test fMRI;
--   3. the first stage (VQ autoencoder) and the class-conditional "label2img" LDM: loaded from the weights the
--      project ships (weights/, made by scripts/train-weights) or, with --from_scratch, trained here;
--   4. stage B: the fMRI-conditioned LDM from label2img and A2; its conditioner first aligned with label2img's
--      class contexts of the trials' categories, then finetuned on sbj_3's training pairs with the diffusion loss;
--   5. generate images from sbj_3's 50 test fMRI; and, by a second route (not MinD-Vis's), decode label2img's
--      class context from the voxels by ridge regression and draw the nearest category with label2img, starting
--      from the ridge baseline's first-stage latents (Takagi & Nishimoto's decoding of c and z);
--   6. evaluate against the ridge baseline and chance: 50-way top-1 with a CNN judge trained on fresh
--      renderings of the stimulus categories, pair-wise identification (MSE, PCC, SSIM);
--   7. write report.html (self-contained) and eval.json.
-- Finished stages are reused when the demo runs again in the same output folder (--overwrite starts over).
local opt = mv.parse_args(arg, {
  output = {"runs/demo", "folder of every output"},
  quick = {false, "tiny models and data, one epoch each: checks the whole pipeline in about a minute (numbers mean nothing)"},
  from_scratch = {false, "train the first stage and the label2img LDM here instead of loading the shipped weights"},
  weights = {"weights", "folder of the shipped weights (label2img.safetensors: the first stage and the label2img LDM)"},
  overwrite = {false, "start every stage over"},
  seed = {2022, "seed of the simulation and the training"},
  pool_size = {4000, "samples of the simulated unlabeled pool"},
  a1_epochs = {4, "stage A1 epochs"}, a2_epochs = {2, "stage A2 epochs"},
  vq_epochs = {6, "first-stage epochs (--from_scratch)"}, label2img_epochs = {30, "label2img epochs (--from_scratch)"},
  renderings_per_category = {8, "renderings of each category label2img learns from (--from_scratch)"},
  b_epochs = {4, "stage B epochs"}, b_lr = {5.3e-5, "stage B learning rate (the reference: 5.3e-5 over 500 epochs)"},
  b_batch = {5, "stage B batch size (the reference: 5)"}, judge_epochs = {12, "judge epochs"},
  align_epochs = {10, "epochs of aligning the fMRI conditioner with label2img's class contexts before stage B (0: none, as the reference)"},
  align_lr = {1e-3, "learning rate of that alignment"},
  decoded_guidance = {3, "guidance of label2img's samples from the categories decoded from the voxels"},
  decoded_strength = {0.5, "how far those samples start from the ridge baseline's latents (SDEdit): 1 starts from pure noise"},
  num_samples = {3, "images generated per test fMRI"}, steps = {50, "sampler steps (the reference: 250)"},
  sampler = {"plms", "plms or ddim"},
}, "The MindVis main job: simulate -> A1 -> A2 -> first stage -> label2img -> stage B -> generate -> evaluate -> report.")

if not (opt.decoded_strength > 0 and opt.decoded_strength <= 1) then
  error(("--decoded_strength must be in (0, 1], got %g"):format(opt.decoded_strength), 0)
end
-- How the decoded route's samples start, for the report's captions.
local decoded_start = opt.decoded_strength < 1 and ("from the ridge baseline's latents noised %g of the way (SDEdit)"):format(opt.decoded_strength)
                      or "from pure noise"

local started = mv.clock()
local out = opt.output
local timings, stages = {}, {}
local preset = opt.quick and "tiny" or "small"
local subject = opt.quick and "sbj_1" or "sbj_3"  -- the small simulation has two subjects

--- Runs one stage, timing it for the report.
local function stage(name, fn)
  print(("== %s"):format(name))
  local t0 = mv.clock()
  local results = table.pack(fn())
  timings[#timings + 1] = {name, mv.clock() - t0}
  return table.unpack(results, 1, results.n)
end

local function exists(path) local f = io.open(path) if f then f:close() return true end return false end

--- The options every training run of the demo shares: its folder, and resuming it when it has a checkpoint.
local function run_options(folder, extra)
  local o = {output = out .. "/" .. folder, overwrite = opt.overwrite}
  if not opt.overwrite and exists(o.output .. "/checkpoints/checkpoint.safetensors") then o.resume = true end
  for k, v in pairs(extra) do o[k] = v end
  return o
end

local function figure_list(result, caption)
  local figures = {}
  if result.figures and #result.figures > 0 then figures[1] = {caption = caption, path = result.figures[#result.figures]} end
  return figures
end

local sim = stage("simulate", function()
  return mv.data.simulate{preset = opt.quick and "small" or "default", seed = opt.seed,
                          pool_size = opt.quick and 200 or opt.pool_size, subject = subject, single_trials = true}
end)
print(sim.pool); print(sim.train); print(sim.test)
local epochs = function(n) return opt.quick and 1 or n end

-- Stage A: the fMRI encoder.
local a1 = stage("stage A1: pretraining the fMRI MAE on the pool", function()
  local pool, held_out = sim.pool:split(0.95, opt.seed)
  return mv.mbm.pretrain(run_options("stageA1", {model = mv.models.MAE{preset = preset, num_voxels = sim.pool.voxels}, data = pool,
                         eval = held_out, num_epoch = epochs(opt.a1_epochs), warmup_epochs = 1, batch_size = 32, lr = 1e-3,
                         checkpoint_every = 1}))
end)
stages[#stages + 1] = {name = "Stage A1: masked brain modelling on the pool", metrics = a1.metrics, plots = {{"loss"}, {"cor", "eval_masked_cor"}},
                       figures = figure_list(a1, "masked-patch reconstructions of held-out pool samples")}
local a2 = stage("stage A2: finetuning on " .. subject .. "'s test fMRI", function()
  return mv.mbm.finetune(run_options("stageA2", {checkpoint = a1.checkpoint, data = mv.data.concat{sim.test, sim.test_single},
                         eval = sim.test, num_epoch = epochs(opt.a2_epochs), warmup_epochs = 1, batch_size = 32, lr = 2e-4,
                         checkpoint_every = 1}))
end)
stages[#stages + 1] = {name = "Stage A2: finetuning on the target subject", metrics = a2.metrics, plots = {{"loss"}, {"cor", "eval_masked_cor"}},
                       figures = figure_list(a2, "masked-patch reconstructions of " .. subject .. "'s test fMRI")}

-- The first stage and the class-conditional LDM: shipped (one file holds both), or trained here.
local shipped_path = opt.weights .. "/label2img.safetensors"
local shipped = not opt.from_scratch and not opt.quick and exists(shipped_path)
if not shipped and not opt.from_scratch and not opt.quick then
  io.stderr:write(("warning: no shipped weights at %s: training the first stage and the label2img LDM here\n"):format(shipped_path))
end
local vq, label2img
if shipped then
  vq = mv.models.load_ldm(shipped_path).first_stage
  label2img = shipped_path
  print(("first stage and label2img LDM: the shipped weights %s"):format(shipped_path))
else
  local vq_run, l2i = stage("first stage and label2img LDM on the training stimuli", function()
    return require("lib.first_stage").train(sim, {preset = preset, vq_epochs = epochs(opt.vq_epochs),
                                                  label2img_epochs = epochs(opt.label2img_epochs), quick = opt.quick,
                                                  renderings_per_category = opt.quick and 2 or opt.renderings_per_category,
                                                  seed = opt.seed, run_options = run_options})
  end)
  vq = vq_run.model
  label2img = l2i.checkpoint
  stages[#stages + 1] = {name = "First stage: VQ autoencoder", metrics = vq_run.metrics, plots = {{"loss", "rec_loss"}, {"eval_psnr"}, {"codes_used"}},
                         figures = figure_list(vq_run, "held-out stimuli | reconstructions")}
  stages[#stages + 1] = {name = "label2img: class-conditional LDM", metrics = l2i.metrics, plots = {{"loss"}, {"val_pairwise_pcc", "val_pairwise_ssim"}},
                         figures = figure_list(l2i, "samples of held-out categories' labels (ground truth first)")}
end

-- Stage B. The encoder keeps the voxel count it was pretrained on: sbj_3's voxels are wrap-padded to it, as A2
-- padded them, so every voxel stays at the position it had in stage A.
local voxels = a2.model.config.num_voxels
local ldm = mv.ldm.from_pretrained{base = label2img, encoder = a2.checkpoint, num_voxels = voxels}
-- Before the diffusion loss, the conditioner regresses onto label2img's class contexts of the trials' categories
-- (mv.ldm.align; not in the reference, whose diffusion-only stage B stayed at chance here). A resumed stage B
-- already holds its aligned conditioner.
local stage_b_notes = {}
if opt.align_epochs > 0 and not run_options("stageB", {}).resume then
  local aligned = stage("aligning the fMRI conditioner with label2img's class contexts", function()
    return mv.ldm.align{model = ldm, data = sim.train:fit_to(voxels), label2img = mv.models.load_ldm(label2img),
                        num_epoch = epochs(opt.align_epochs), lr = opt.align_lr, seed = opt.seed}
  end)
  stage_b_notes[1] = ("Before stage B, the conditioner was aligned with label2img's class contexts for %d epochs: held-out trials' loss %.4f, %.0f%% of their variance explained."):format(
    #aligned.reports, aligned.val_loss or 0 / 0, 100 * (aligned.val_explained or 0 / 0))
end
local b = stage("stage B: the fMRI-conditioned LDM on " .. subject .. "'s training pairs", function()
  return mv.ldm.finetune(run_options("stageB", {model = ldm, data = sim.train:fit_to(voxels), num_epoch = epochs(opt.b_epochs),
                         lr = opt.b_lr, batch_size = opt.b_batch,
                         val_every = epochs(opt.b_epochs), checkpoint_every = 1, ddim_steps = opt.quick and 2 or 25}))
end)
if b.best_checkpoint then ldm = mv.models.load_ldm(b.best_checkpoint) end
stages[#stages + 1] = {name = "Stage B: fMRI-conditioned finetuning", metrics = b.metrics, plots = {{"loss"}, {"val_pairwise_pcc", "val_pairwise_ssim"}},
                       notes = stage_b_notes, figures = figure_list(b, "held-out training fMRI: ground truth, then samples")}

-- Generation from the test fMRI.
local test = sim.test:fit_to(ldm.config.cond_stage_config.num_voxels)
local generated, seeds = stage("generating from " .. subject .. "'s test fMRI", function()
  return ldm:generate{fmri = test.fmri, num_samples = opt.quick and 1 or opt.num_samples, steps = opt.quick and 2 or opt.steps,
                      sampler = opt.sampler, seed = opt.seed, progress = true}
end)
local truth = mv.eval.ground_truth(sim.test, generated:size(4))
mv.image.sample_grid(out .. "/generated.png", generated, {truth = truth})

-- The baseline every table shows: ridge regression from the voxels to the first stage's latents, decoded.
local ridge_baseline, ridge_images = stage("ridge baseline: voxels -> first-stage latents", function()
  local ridge = mv.eval.ridge{train = sim.train, vq = vq}
  return ridge, ridge:images(sim.test.fmri)  -- the raw voxels, as it was fitted
end)
mv.image.sample_grid(out .. "/ridge.png", ridge_images:unsqueeze(2), {truth = truth})

-- A second route from fMRI to images, not MinD-Vis's: Takagi & Nishimoto's (CVPR 2023), who decode fMRI linearly
-- into Stable Diffusion's conditioning and image latents. A ridge regression from the voxels to label2img's class
-- context of each training trial's category predicts a context for each test fMRI; the category whose context is
-- nearest is drawn by label2img with guidance, starting from the ridge baseline's latents noised part of the way
-- (SDEdit; --decoded_strength 1 starts from pure noise). The class contexts are sums of factor-level rows, so the
-- regression reaches categories no training trial showed.
local decoded, decoded_categories = stage("decoding: voxels -> label2img's class context -> label2img", function()
  local l2i_model = mv.models.load_ldm(label2img)
  local categories = #sim.categories
  local class_contexts = l2i_model:context{labels = mv.arange(1, categories + 1)}:squeeze(2)  -- [C, D]
  local ridge = mv.eval.ridge{x = sim.train.fmri, y = l2i_model:context{labels = mv.tensor(sim.train.labels)}:squeeze(2), seed = opt.seed}
  local predicted = ridge:predict(sim.test.fmri)  -- [N, D]
  local distances = (predicted:unsqueeze(2) - class_contexts:unsqueeze(1)):pow(2):sum(3)  -- [N, C]
  local labels = distances:argmin(2)
  local start = opt.decoded_strength < 1 and ridge_baseline:latents(sim.test.fmri) * l2i_model.config.scale_factor or nil
  local images = l2i_model:generate{labels = labels, num_samples = opt.quick and 1 or opt.num_samples, steps = opt.quick and 2 or opt.steps,
                                    sampler = opt.sampler, guidance = opt.decoded_guidance, seed = opt.seed, progress = true,
                                    init_latents = start, strength = start and opt.decoded_strength or 1}
  return images, labels
end)
local right = 0
for i = 1, #sim.test do if decoded_categories[i] == sim.test.labels[i] then right = right + 1 end end
print(("decoded categories: %d of %d test items exactly right"):format(right, #sim.test))
mv.image.sample_grid(out .. "/decoded.png", decoded, {truth = truth})

-- Evaluation: the judge and the scores.
local judge = stage("judge: a CNN on fresh renderings of the stimulus categories", function()
  local options = run_options("judge", {sim = sim, vq = vq, model = {preset = opt.quick and "tiny" or "small"},
                                        num_epoch = epochs(opt.judge_epochs)})
  options.resume = nil  -- a finished judge is reused as it is; there is no judge run to resume
  return mv.eval.train_judge(options)
end)
stages[#stages + 1] = {name = "The judge", metrics = judge.metrics, plots = {{"loss"}, {"accuracy"}}}
local reconstructed = mv.no_grad(function() return ((vq:reconstruct(truth * 2 - 1) + 1) / 2):clamp(0, 1) end)

local ways = math.min(50, #sim.categories)  -- the reference's 50-way; the quick simulation has fewer categories
local scores = stage("scoring", function()
  local function score(images) return mv.eval.score{truth = truth, samples = images, judge = judge.judge, ways = ways, trials = 50, seed = opt.seed} end
  return {generated = score(generated), decoded = score(decoded), ridge = score(ridge_images), vq = score(reconstructed)}
end)
for _, name in ipairs{"generated", "decoded", "ridge", "vq"} do print(("%-9s %s"):format(name, tostring(scores[name]))) end

-- eval.json and the report.
local result = {generated = scores.generated.values, decoded = scores.decoded.values, decoded_categories_right = right,
                ridge = scores.ridge.values, vq_reconstruction = scores.vq.values,
                chance = 1 / ways, chance_pairwise = 0.5, ways = ways, judge = judge.accuracy.values,
                seeds = seeds, test_items = #sim.test, samples_per_item = generated:size(2), steps = opt.quick and 2 or opt.steps,
                seconds = mv.clock() - started}
mv.save_json(out .. "/eval.json", result)
stages[#stages + 1] = {name = "Generated images", notes = {("%s's %d test fMRI: ground truth first, then the samples."):format(subject, #sim.test)},
                       figures = {{caption = "stage B samples", path = out .. "/generated.png"},
                                  {caption = ("decoded into label2img's context, then drawn by label2img %s (%d of %d categories exactly right)"):format(decoded_start, right, #sim.test), path = out .. "/decoded.png"},
                                  {caption = "ridge baseline", path = out .. "/ridge.png"}}}
mv.report.write(out .. "/report.html", {
  title = "MindVis: MinD-Vis on the built-in simulated visual cortex",
  notes = {("Subject %s, %d test images, %d samples each, %s %d steps, seed %d%s."):format(subject, #sim.test, generated:size(2), opt.sampler,
           result.steps, opt.seed, shipped and "; first stage and label2img LDM from the shipped weights" or "; everything trained in this run")},
  scores = {title = "Scores on the test set", columns = {{"generated (stage B)", scores.generated}, {"decoded context -> label2img", scores.decoded},
                                                        {"ridge baseline", scores.ridge}, {"VQ reconstruction (ceiling)", scores.vq}},
            notes = {"The judge labels each ground-truth image (as the reference's ViT does); n-way top-1 draws distractor classes with a fixed seed.",
                     "\"generated (stage B)\" is MinD-Vis's route; \"decoded context -> label2img\" is a ridge regression from the voxels into label2img's class contexts (nearest category), drawn by label2img with guidance " .. decoded_start .. ": not MinD-Vis, the linear-decoding route of Takagi & Nishimoto (2023)."}},
  judge = judge.accuracy,
  stages = stages,
  config = opt,
  timings = timings,
})
print(("\ndone in %.0f s: %s/report.html, %s/eval.json"):format(mv.clock() - started, out, out))
