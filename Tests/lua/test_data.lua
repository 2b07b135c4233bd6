-- mv.data loaders and the dataset object, on the miniature reference folders.
local T = require "lib.testing"
local root = "../shared/fixtures/datasets/"

T.test("GOD: train/test, images, labels, batches, padding", function()
  local train, test = mv.data.GOD{path = root .. "Kamitani/npz", subjects = {"sbj_1", "sbj_3"}, normalize = "reference"}
  local expected = mv.load(root .. "expected_god.npz")
  T.eq(#train, 20); T.eq(train.voxels, 48); T.eq(#test, 6)
  T.truthy((train.fmri - expected.train_fmri):abs():max():item() < 1e-5, "train fmri equals the reference loader")
  T.truthy((test.fmri - expected.test_fmri):abs():max():item() < 1e-5, "test fmri equals the reference loader")
  local item = train:get(1)
  T.eq(table.concat(item.fmri:shape(), "x"), "48")
  T.eq(table.concat(item.image:shape(), "x"), "256x256x3")
  T.truthy((item.image * 255 - expected.train_image[1]):abs():max():item() < 1e-3, "row 1 shows its image, HWC in [0, 1]")
  T.eq(type(item.label), "number")
  -- Labels are 1-based in Lua: the ImageNet class index of imagenet_class_index.json plus one (a 1000-class judge's
  -- output column), for `true_labels =` as they come.
  local classes = mv.load_json(root .. "Kamitani/npz/imagenet_class_index.json")
  local wnid = io.lines(root .. "Kamitani/npz/imagenet_testing_label.csv")():match("(n%d+)_")
  T.eq(classes[tostring(test.labels[1] - 1)][1], wnid, "test label 1 names its image's WordNet id")
  T.eq(test:get(1).label, test.labels[1])
  local seen, batches = 0, 0
  for batch in train:batches{size = 8, shuffle = true, seed = 1} do
    batches = batches + 1
    seen = seen + batch.fmri:size(1)
    T.eq(batch.fmri:dim(), 3, "batches are model-ready [B, 1, V]")
  end
  T.eq(seen, 20); T.eq(batches, 3)
  local dropped = 0
  for _ in train:batches{size = 8, drop_last = true} do dropped = dropped + 1 end
  T.eq(dropped, 2)
  T.eq(train:pad_to(64).voxels, 64)
  T.eq(train:crop_to(32).voxels, 32)
  T.raises(function() train:crop_to(100) end, "cannot crop 48 voxels to 100")
  T.raises(function() train:get(21) end, "expected an integer in 1...20, got 21")
end)

T.test("BOLD5000 and HCP", function()
  local train, test = mv.data.BOLD5000{path = root .. "BOLD5000", subjects = {"CSI1"}, normalize = "reference"}
  T.eq(#train, 9); T.eq(#test, 3); T.eq(train.voxels, 80)
  local pool = mv.data.HCP{path = root .. "HCP/npz"}
  T.eq(#pool, 240); T.eq(pool.voxels, 48)
  T.eq(pool:get(1).image, nil)
  local mixed = mv.data.concat{pool, train}
  T.eq(#mixed, 249); T.eq(mixed.voxels, 80)
  T.raises(function() mv.data.concat{pool, 5} end, "mv.data.concat: entry 2 is 5, not a Dataset")
end)

T.test("loader errors name the file and the problem", function()
  T.raises(function() mv.data.GOD{path = root .. "Kamitani/npz", subjects = {"sbj_9"}} end, "sbj_9.npz does not exist")
  T.raises(function() mv.data.GOD{path = root .. "Kamitani/npz", roi = "V7"} end, "no ROI 'V7'")
  T.raises(function() mv.data.GOD{path = root .. "Kamitani/npz", subject = "sbj_3"} end, "did you mean 'subjects'")
  T.raises(function() mv.data.HCP{path = "/nonexistent"} end, "does not exist")
  -- A subject named twice loaded its samples twice.
  T.raises(function() mv.data.GOD{path = root .. "Kamitani/npz", subjects = {"sbj_1", "sbj_1"}} end, "GOD: subjects lists 'sbj_1' twice")
  T.raises(function() mv.data.BOLD5000{path = root .. "BOLD5000", subjects = {"CSI1", "CSI1"}} end, "subjects lists 'CSI1' twice")
  local hcp = mv.data.HCP{path = root .. "HCP/npz"}.info.subjects[1]
  T.raises(function() mv.data.HCP{path = root .. "HCP/npz", subjects = {hcp, hcp}} end, "subjects lists '" .. hcp .. "' twice")
end)

T.test("images: save, load, grid, resize", function()
  local base = T.tmpname(); os.remove(base)
  local img = mv.rand(16, 24, 3)
  mv.image.save(base .. ".png", img)
  local back = mv.image.load(base .. ".png")
  T.eq(table.concat(back:shape(), "x"), "16x24x3")
  T.truthy((back - img):abs():max():item() <= 0.5 / 255 + 1e-6, "8-bit round trip")
  local grid = mv.image.grid(base .. "_grid.png", {img, img, img, img}, {columns = 2, padding = 2})
  T.eq(table.concat(mv.image.load(base .. "_grid.png"):shape(), "x"), "38x54x3")
  T.eq(table.concat(mv.image.resize(img, 8, 12):shape(), "x"), "8x12x3")
  T.raises(function() mv.image.load(base .. ".missing.png") end, "missing.png")
  -- [C, H, W] and [H, W] images keep their layout through resize; other ranks say what they are.
  local chw = img:permute(3, 1, 2):contiguous()
  T.eq(table.concat(mv.image.resize(chw, 8, 12):shape(), "x"), "3x8x12")
  T.near(mv.image.resize(chw, 8, 12):permute(2, 3, 1):totable(), mv.image.resize(img, 8, 12):totable(), 1e-6)
  T.eq(table.concat(mv.image.resize(mv.rand(16, 24), 8, 12):shape(), "x"), "8x12")
  T.raises(function() mv.image.resize(mv.rand(2, 2, 2, 2), 4, 4) end, "expected an [H, W, C], [C, H, W] or [H, W] tensor, got [2, 2, 2, 2]")
  -- NaN pixels (a diverged model) are written black instead of stopping the process.
  mv.image.save(base .. ".png", mv.full({2, 2, 3}, 0 / 0))
  T.eq(mv.image.load(base .. ".png"):max():item(), 0)
  mv.image.grid(base .. "_grid.png", {mv.full({4, 4, 3}, 0 / 0), img:narrow(1, 1, 4):narrow(2, 1, 4)})
  T.raises(function() mv.image.grid(base .. "_grid.png", {mv.ones(4, 4, 3), mv.ones(4, 4, 3), mv.ones(5, 5, 3)}) end,
           "image 3 is 5x5, expected 4x4 like image 1 (counting from 1)")
  os.remove(base .. ".png"); os.remove(base .. "_grid.png")
end)

T.test("mv.data.simulate: the built-in data, and what a missing part needs", function()
  local sim = mv.data.simulate{preset = "small", pool_size = 0, subject = "sbj_2"}
  T.eq(#sim.train, 80)
  T.eq(#sim.test, 10)
  T.truthy(sim.train:get(1).image ~= nil, "training samples carry their images")
  local labels = sim.train.labels
  local lowest = math.huge
  for _, label in ipairs(labels) do lowest = math.min(lowest, label) end
  T.eq(lowest, 1, "category labels are 1-based")
  T.truthy(sim.categories[sim.train:get(1).label] ~= nil, "a label indexes sim.categories")
  T.raises(function() return sim.test_single end, "test_single (every single test trial) is made only with single_trials = true")
  local with_trials = mv.data.simulate{preset = "small", pool_size = 0, subject = "sbj_2", single_trials = true}
  T.eq(#with_trials.test_single, 50, "10 test images x 5 repeats")
  T.raises(function() mv.data.simulate{preset = "small", pool_sise = 0} end, "did you mean 'pool_size'")
end)

T.finish()
