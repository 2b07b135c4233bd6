-- What a subject's fMRI carry about the stimuli, measured with ridge regression (mv.eval.ridge{x =, y =}) fitted to
-- the single training trials and scored on data it never saw:
--   * the category's factors (shape, colour, texture, background) of the 50 test images, from the averaged test
--     fMRI: accuracy per factor (the test categories are new combinations of factor levels seen in training);
--   * the first stage's latents of the test images (what the ridge baseline predicts): R^2 on the test set;
--   * label2img's class embeddings (what stage B's context replaces): R^2 on held-out training trials, whose
--     categories label2img did learn; and the test categories whose class embedding is the nearest to the one
--     predicted from the test fMRI (the demo's decoded route);
--   * with --encoder (a stage-A checkpoint), the same latents and nearest categories from the encoder's tokens
--     and from its patch embeddings (linear in the voxels) instead of the voxels: how much of the linear
--     information the encoder keeps, which is all stage B's conditioner can build its context from.
--   mindvis examples/probe_decoding.lua --encoder runs/demo/stageA2/checkpoints/checkpoint.safetensors
local opt = mv.parse_args(arg, {
  subject = {"sbj_3", "the simulated subject (the demo's)"},
  seed = {2022, "seed of the simulation (the demo's)"},
  weights = {"weights/label2img.safetensors", "the first stage and label2img LDM (latents and class embeddings)"},
  encoder = {"", "a stage-A checkpoint (MAE): also probe its tokens"},
  quick = {false, "the small simulation and its sbj_1 (a quick check; numbers mean little)"},
}, "Ridge-regression probes of what the fMRI carry: factors, first-stage latents, class embeddings, encoder tokens.")

local subject = opt.quick and "sbj_1" or opt.subject
local sim = mv.data.simulate{preset = opt.quick and "small" or "default", seed = opt.seed, pool_size = 0, subject = subject}
local ldm = mv.models.load_ldm(opt.weights)
local train, test = sim.train, sim.test

-- Each category's factors, read from its description "colour [pattern] shape on background".
local function factors_of(description)
  local words = {}
  for w in description:gmatch("%S+") do words[#words + 1] = w end
  local shape = #words == 5 and words[3] or words[2]
  return {shape = shape, colour = words[1], texture = #words == 5 and words[2] or "plain", background = words[#words]}
end
local factor_names = {"shape", "colour", "texture", "background"}
local levels = {}
for _, name in ipairs(factor_names) do
  local seen, list = {}, {}
  for _, c in ipairs(sim.categories) do
    local level = factors_of(c)[name]
    if not seen[level] then seen[level] = true; list[#list + 1] = level end
  end
  table.sort(list)
  for i, level in ipairs(list) do list[level] = i end
  levels[name] = list
end

-- One-hot factors [N, sum of levels] of a dataset's labels, and each factor's column range.
local function one_hot(labels)
  local rows = {}
  for i, label in ipairs(labels) do
    local f, row = factors_of(sim.categories[label]), {}
    for _, name in ipairs(factor_names) do
      for j = 1, #levels[name] do row[#row + 1] = (levels[name][f[name]] == j) and 1 or 0 end
    end
    rows[i] = row
  end
  return mv.tensor(rows)
end

local function r_squared(predicted, truth)
  local p, t = predicted:reshape(predicted:size(1), -1), truth:reshape(truth:size(1), -1)
  local residual = (p - t):pow(2):sum():item()
  local total = (t - t:mean(1)):pow(2):sum():item()
  return 1 - residual / total
end

print(("%s: %d training trials, %d test images (%d voxels)"):format(subject, #train, #test, train.voxels))

-- Factors of the unseen test categories.
local probe = mv.eval.ridge{x = train.fmri, y = one_hot(train.labels)}
local predicted, truth = probe:predict(test.fmri), one_hot(test.labels)
local first = 1
local parts = {}
for _, name in ipairs(factor_names) do
  local n = #levels[name]
  local hits = predicted:narrow(2, first, n):argmax(2):eq(truth:narrow(2, first, n):argmax(2)):float():mean():item()
  parts[#parts + 1] = ("%s %.2f (chance %.2f)"):format(name, hits, 1 / n)
  first = first + n
end
print("factors of the test images, from the test fMRI: " .. table.concat(parts, ", "))

-- The first stage's latents of the images.
local function latents(ds)
  local images = mv.eval.ground_truth(ds, ldm.first_stage.config.ddconfig.resolution) * 2 - 1
  local chunks = {}
  for i = 1, images:size(1), 64 do chunks[#chunks + 1] = ldm:encode_images(images:narrow(1, i, math.min(64, images:size(1) - i + 1))) end
  return mv.cat(chunks, 1)
end
local train_latents, test_latents = latents(train), latents(test)
local voxel_probe = mv.eval.ridge{x = train.fmri, y = train_latents}
print(("first-stage latents of the test images: R^2 %.3f from the voxels (penalty %g)"):format(
  r_squared(voxel_probe:predict(test.fmri), test_latents), voxel_probe.penalty))

-- label2img's class embeddings, on held-out training trials (categories label2img was trained on).
local fit_rows, held_rows = train:split(0.8, opt.seed)
local function embeddings(ds) return ldm:context{labels = mv.tensor(ds.labels)} end
local embedding_probe = mv.eval.ridge{x = fit_rows.fmri, y = embeddings(fit_rows)}
print(("label2img class embeddings of held-out training trials: R^2 %.3f"):format(
  r_squared(embedding_probe:predict(held_rows.fmri), embeddings(held_rows))))

-- The test categories decoded exactly: the class embedding nearest to the one predicted from each test fMRI.
local class_embeddings = ldm:context{labels = mv.arange(1, #sim.categories + 1)}:squeeze(2)  -- [C, D]
local train_embeddings = embeddings(train):squeeze(2)
local function categories_right(x_train, x_test)
  local predicted_embeddings = mv.eval.ridge{x = x_train, y = train_embeddings}:predict(x_test)
  local nearest = (predicted_embeddings:unsqueeze(2) - class_embeddings:unsqueeze(1)):pow(2):sum(3):argmin(2)
  local right = 0
  for i, label in ipairs(test.labels) do if nearest[i] == label then right = right + 1 end end
  return right
end
print(("test categories decoded exactly (nearest class embedding): %d of %d from the voxels"):format(
  categories_right(train.fmri, test.fmri), #test))

-- The encoder's tokens instead of the voxels.
if opt.encoder ~= "" then
  local mae = mv.models.load_mae(opt.encoder)
  mae:eval()
  -- The encoder's tokens [N, L, D] and its patch embeddings [N, L·D] (its first layer, a linear map of each
  -- patch's voxels), 100 rows at a time.
  local function features(ds)
    local x = ds:fit_to(mae.config.num_voxels).fmri
    return mv.no_grad(function()
      local tokens, patches = {}, {}
      for i = 1, x:size(1), 100 do
        local rows = x:narrow(1, i, math.min(100, x:size(1) - i + 1)):unsqueeze(2)
        tokens[#tokens + 1] = mae:encode(rows)
        patches[#patches + 1] = mae.patch_embed(rows):reshape(rows:size(1), -1)
      end
      return mv.cat(tokens, 1), mv.cat(patches, 1)
    end)
  end
  local train_tokens, train_patches = features(train)
  local test_tokens, test_patches = features(test)
  local train_flat, test_flat = train_tokens:reshape(#train, -1), test_tokens:reshape(#test, -1)
  print(("test categories decoded exactly from the encoder: %d of %d from its tokens, %d from its patch embeddings"):format(
    categories_right(train_flat, test_flat), #test, categories_right(train_patches, test_patches)))
  local token_probe = mv.eval.ridge{x = train_flat, y = train_latents}
  local pooled_probe = mv.eval.ridge{x = train_tokens:mean(2), y = train_latents}
  print(("first-stage latents from the encoder: R^2 %.3f from its tokens, %.3f from their mean"):format(
    r_squared(token_probe:predict(test_flat), test_latents),
    r_squared(pooled_probe:predict(test_tokens:mean(2)), test_latents)))
end
