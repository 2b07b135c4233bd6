-- The main job end to end on tiny models and the small simulation (scripts/demo runs it at full size), and the
-- script that trains the shipped weights.
local T = require "lib.testing"
local run = require("lib.examples").run

local dir = T.tmpname(); os.remove(dir)
local function read(path) local f = io.open(path, "rb") if not f then return nil end local s = f:read("a") f:close() return s end

T.test("demo.lua --quick: every stage, the report and eval.json; a second run reuses the stages", function()
  local output = run("demo.lua", "--quick", "--output", dir .. "/demo")
  T.truthy(output:find("done in", 1, true), output)
  local result = mv.load_json(dir .. "/demo/eval.json")
  for _, part in ipairs{"generated", "decoded", "ridge", "vq_reconstruction"} do
    for _, key in ipairs{"top1_30way", "top1_30way_max", "pairwise_mse", "pairwise_pcc", "pairwise_ssim"} do
      local value = result[part][key]
      T.truthy(type(value) == "number" and value >= 0 and value <= 1, ("%s.%s = %s"):format(part, key, tostring(value)))
    end
  end
  T.near(result.chance, 1 / 30, 1e-12)
  T.eq(result.test_items, 10); T.eq(#result.seeds, 10)
  local html = read(dir .. "/demo/report.html")
  for _, section in ipairs{"Stage A1", "Stage A2", "First stage", "label2img", "Stage B", "The judge", "Generated images", "Timings"} do
    T.truthy(html:find("<h2>" .. section, 1, true), "the report has a section " .. section)
  end
  T.truthy(select(2, html:gsub('<svg class="plot"', "")) >= 10, "curves of every stage")
  T.truthy(select(2, html:gsub("data:image/png;base64,", "")) >= 2, "the sample grids")
  T.truthy(read(dir .. "/demo/generated.png") ~= nil and read(dir .. "/demo/ridge.png") ~= nil)
  T.truthy(html:find("drawn by label2img from the ridge baseline", 1, true), "the decoded route starts from the ridge latents")
  local again = run("demo.lua", "--quick", "--output", dir .. "/demo")
  T.eq(mv.load_json(dir .. "/demo/eval.json").generated.pairwise_pcc, result.generated.pairwise_pcc, "reused stages give the same images")
  T.truthy(again:find("done in", 1, true))
  T.raises(function() run("demo.lua", "--quick", "--output", dir .. "/demo", "--decoded_strength", "1.5") end,
           "--decoded_strength must be in (0, 1], got 1.5")
end)

T.test("train_weights.lua --quick writes loadable float16 weights", function()
  local output = run("train_weights.lua", "--quick", "--output", dir .. "/runs", "--weights", dir .. "/weights")
  T.truthy(output:find("float16", 1, true), output)
  local ldm = mv.models.load_ldm(dir .. "/weights/label2img.safetensors")
  local images = ldm:generate{labels = mv.tensor{1, 2}, num_samples = 1, steps = 2, guidance = 2}
  T.eq(tostring(images:shape()), "[2, 1, 3, 16, 16]")
  local _, metadata = mv.load(dir .. "/weights/label2img.safetensors")
  T.truthy(metadata ~= nil)
end)

os.execute("rm -rf " .. dir)
T.finish()
