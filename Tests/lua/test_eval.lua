-- Evaluation from Lua: scores on constructed cases, the judge, the ridge baseline, the report and JSON results.
local T = require "lib.testing"

local dir = T.tmpname(); os.remove(dir); os.execute("mkdir -p " .. dir)
local sim = mv.data.simulate{preset = "small", pool_size = 0, subject = "sbj_1"}

T.test("mv.eval.score: identical images score 1, chance beside every score, clear errors", function()
  local truth = mv.eval.ground_truth(sim.test)
  T.eq(tostring(truth:shape()), "[10, 3, 64, 64]")
  T.truthy(truth:min():item() >= 0 and truth:max():item() <= 1, "ground truth in [0, 1]")
  local same = mv.eval.score{truth = truth, samples = truth:unsqueeze(2)}
  T.eq(same.values.pairwise_pcc, 1.0); T.eq(same.values.pairwise_ssim, 1.0); T.eq(same.values.pairwise_mse, 1.0)
  T.eq(same.chance.pairwise_pcc, 0.5)
  T.eq(same.columns, 1)
  T.eq(same.values.top1_50way, nil, "no judge, no n-way score")
  local flat = mv.eval.score{truth = truth, samples = mv.full({10, 2, 3, 64, 64}, 0.5), metrics = {"mse"}}
  T.eq(flat.columns, 2)
  T.near(flat.values.pairwise_mse, 0.5, 1e-9, "one image for every item: each pair won once, chance exactly")
  T.eq(flat.values.pairwise_pcc, nil, "only the metrics asked for")
  T.raises(function() mv.eval.score{truth = truth, samples = truth * 2 - 1} end, "values must be finite and in [0, 1]")
  T.raises(function() mv.eval.score{truth = truth, samples = truth, metrics = {"psnr"}} end, "unknown 'psnr'")
  T.raises(function() mv.eval.score{truth = truth, samples = truth, labels = "true"} end, "needs true_labels")
  T.raises(function() mv.eval.score{truth = truth, samples = truth, way = 2} end, "did you mean 'ways'")
  T.raises(function() mv.eval.score{truth = truth, samples = truth, trials = 1e12} end, "expected an integer in 1...100000")
end)

T.test("mv.eval.score: a judge of your own, as a module, a table or a function", function()
  local truth = mv.eval.ground_truth(sim.test)
  -- The class of an image is its brightest channel: three classes any image is recognised by.
  local function brightest(images) return mv.softmax(images:mean(4):mean(3) * 100, 2) end
  local Brightest = mv.nn.Module:extend("Brightest")
  function Brightest:probabilities(images) return brightest(images) end
  local judges = {Brightest(), {probabilities = function(_, images) return brightest(images) end}, brightest}
  for _, judge in ipairs(judges) do
    local scores = mv.eval.score{truth = truth, samples = truth, judge = judge, ways = 3, trials = 20, metrics = {"mse"}}
    T.eq(scores.values.top1_3way, 1.0, "the ground truth recognises itself")
    T.near(scores.chance.top1_3way, 1 / 3, 1e-12)
  end
  -- A judge that changes its input in place must not change the caller's images.
  local before = truth:sum():item()
  mv.eval.score{truth = truth, samples = truth, judge = function(images) images:fill_(0); return brightest(images) end, ways = 3, trials = 2, metrics = {"mse"}}
  T.eq(truth:sum():item(), before, "the judge sees a copy")
  T.raises(function() mv.eval.score{truth = truth, samples = truth, judge = 3} end,
           "expected a Judge (mv.eval.train_judge, mv.eval.load_judge), a module with a probabilities(images) method")
  T.raises(function() mv.eval.score{truth = truth, samples = truth, judge = function() return 1 end} end,
           "the judge must return a tensor of class probabilities [N, classes]")
  T.raises(function() mv.eval.score{truth = truth, samples = truth, judge = function() return mv.zeros(2) end} end,
           "the judge must return [10, classes] probabilities for the ground truth, got [2]")
  T.raises(function() mv.eval.score{truth = truth, samples = truth, judge = function() error("judge failed") end} end, "judge failed")
  T.raises(function() mv.eval.score{truth = truth, samples = truth, judge = function(images) return mv.ones(images:size(1), 1) end} end,
           "the judge gives 1 class; n-way scoring needs at least 2")
  local labels = {}
  for i = 1, 10 do labels[i] = 1 end
  labels[4] = 4
  T.raises(function() mv.eval.score{truth = truth, samples = truth, judge = brightest, ways = 3, labels = "true", true_labels = labels} end,
           "the label of item 4 (counting items from 1) is not one of the judge's 3 classes")
  T.raises(function() mv.eval.score{truth = truth, samples = truth, judge = brightest, ways = 3, true_labels = labels} end,
           "true_labels are read only with labels = \"true\"")
end)

T.test("the judge: trains on fresh renderings, classifies, scores n-way, round-trips", function()
  local r = mv.eval.train_judge{sim = sim, model = {preset = "tiny"}, num_epoch = 2, output = dir .. "/judge", progress = false}
  T.truthy(r.accuracy.values.judge_top1 > 1 / #sim.categories, "better than chance after two epochs: " .. tostring(r.accuracy))
  local truth = mv.eval.ground_truth(sim.test)
  local labels = r.judge:classify(truth)
  T.eq(#labels, 10)
  T.truthy(r.judge.class_names[labels[1]] ~= nil, "1-based labels index the class names")
  local scores = mv.eval.score{truth = truth, samples = truth, judge = r.judge, ways = 5, trials = 20}
  T.eq(scores.values.top1_5way, 1.0, "the ground truth recognises itself against any distractor")
  T.eq(scores.chance.top1_5way, 0.2)
  r.judge:save(dir .. "/judge.safetensors")
  local back = mv.eval.load_judge(dir .. "/judge.safetensors")
  T.truthy(back:probabilities(truth):equal(r.judge:probabilities(truth)), "a saved judge gives the same probabilities")
  local again = mv.eval.train_judge{sim = sim, model = {preset = "tiny"}, num_epoch = 2, output = dir .. "/judge", progress = false}
  T.eq(again.accuracy.values.judge_top1, r.accuracy.values.judge_top1, "a finished judge is reused")
  -- Only as it was trained: other settings or another model are named, never silently stood in for.
  T.raises(function() mv.eval.train_judge{sim = sim, model = {preset = "tiny"}, num_epoch = 3, seed = 7, output = dir .. "/judge", progress = false} end,
           "a finished run is reused only as it was trained: checkpoint.safetensors was trained with num_epoch = 2 (this run: 3), seed = 2022 (this run: 7)")
  T.raises(function() mv.eval.train_judge{sim = sim, model = {preset = "small"}, num_epoch = 2, output = dir .. "/judge", progress = false} end,
           "holds a judge of another model")
  local other = mv.data.simulate{preset = "small", pool_size = 0, subject = "sbj_1", train_categories = 5, test_categories = 3}
  T.raises(function() mv.eval.train_judge{sim = other, model = {preset = "tiny"}, num_epoch = 2, output = dir .. "/judge", progress = false} end,
           "categories that are not this simulation's 8; overwrite = true trains one for it")
  T.raises(function() mv.eval.train_judge{sim = sim, num_epoch = 2, output = dir .. "/judge", resume = true} end, "unknown option 'resume'")
  local epochs = {}
  T.raises(function()
    mv.eval.train_judge{sim = other, model = {preset = "tiny"}, num_epoch = 3, output = dir .. "/judge_stopped", progress = false,
                        on_epoch = function(report) epochs[#epochs + 1] = report.epoch; if report.epoch == 2 then error("enough") end end}
  end, "enough")
  T.eq(#epochs, 2, "on_epoch runs after every epoch, and its error stops the training")
  -- The stopped run's folder: the error must not offer the resume = the judge does not have.
  local ok, err = pcall(mv.eval.train_judge, {sim = other, model = {preset = "tiny"}, num_epoch = 3, output = dir .. "/judge_stopped", progress = false})
  T.truthy(not ok and err:find("already holds a run", 1, true) and err:find("overwrite = true starts over", 1, true)
           and not err:find("resume", 1, true), tostring(err))
  T.raises(function() mv.eval.train_judge{sim = {}, num_epoch = 1} end, "give sim = the result of mv.data.simulate")
  T.raises(function() mv.eval.train_judge{sim = sim, num_epochs = 1} end, "did you mean 'num_epoch'")
  T.raises(function() mv.eval.train_judge{sim = sim, epochs = 1} end, "unknown option 'epochs' (did you mean one of num_epoch, on_epoch, warmup_epochs?)")
end)

T.test("the ridge baseline decodes images through the first stage", function()
  local vq = mv.models.VQModel{preset = "tiny"}
  local ridge = mv.eval.ridge{train = sim.train, vq = vq, folds = 3}
  T.truthy(ridge.penalty > 0)
  local images = ridge:images(sim.test.fmri)
  T.eq(tostring(images:shape()), "[10, 3, 16, 16]")
  T.eq(tostring(ridge:latents(sim.test.fmri):shape()), "[10, 3, 8, 8]")
  T.raises(function() mv.eval.ridge{train = sim.train} end, "give train = a Dataset with images and vq = a VQModel")
end)

T.test("ridge{x, y} probes any targets: a linear map is recovered, and it has no images", function()
  mv.manual_seed(3)
  local x, w = mv.randn(60, 8), mv.randn(8, 2, 3)
  local y = x:matmul(w:reshape(8, 6)):reshape(60, 2, 3)
  local probe = mv.eval.ridge{x = x, y = y, folds = 3}
  local fresh = mv.randn(5, 8)
  local predicted = probe:predict(fresh)
  T.eq(tostring(predicted:shape()), "[5, 2, 3]")
  T.truthy(predicted:allclose(fresh:matmul(w:reshape(8, 6)):reshape(5, 2, 3), 0.05, 0.05), "the noiseless map is recovered")
  T.truthy(probe:latents(fresh):equal(predicted), "latents is predict")
  T.raises(function() probe:predict(mv.randn(5, 11)) end, "expects inputs [N, 8] (the fit's 8 features), got [5, 11]")
  T.raises(function() probe:images(fresh) end, "fitted with x =, y =, not to a first stage's latents")
  T.raises(function() mv.eval.ridge{x = x} end, "or x = inputs [N, V] and y = targets [N, ...]")
  T.raises(function() mv.eval.ridge{x = x, y = y, train = sim.train} end, "or x = inputs [N, V]")
  T.raises(function() mv.eval.ridge{x = x, y = mv.randn(59, 2)} end, "with the same N")
  T.raises(function() mv.eval.ridge{x = x, y = mv.randn(x:size(1))} end, "targets [N, ...] (at least 2-D: one row per sample)")
end)

T.test("the report and JSON results", function()
  local truth = mv.eval.ground_truth(sim.test)
  local shifted = truth:index_select(1, mv.tensor{2, 3, 4, 5, 6, 7, 8, 9, 10, 1})
  local scores = mv.eval.score{truth = truth, samples = shifted:unsqueeze(2)}
  T.truthy(scores.values.pairwise_pcc < 0.5, "every item shown another item's image")
  mv.image.sample_grid(dir .. "/grid.png", truth:unsqueeze(2), {truth = truth, rows = 3})
  local grid = mv.image.load(dir .. "/grid.png")
  T.eq(tostring(grid:shape()), "[200, 134, 3]", "3 rows of ground truth | sample, 2 pixels apart")
  local log = io.open(dir .. "/metrics.jsonl", "w")
  log:write('{"epoch": 1, "loss": 2.0}\n{"epoch": 2, "loss": 1.5}\n'); log:close()
  mv.report.write(dir .. "/report.html", {title = "t <&>", notes = {"a note"},
    scores = {title = "Scores", columns = {{"flipped", scores}}},
    stages = {{name = "S", metrics = dir .. "/metrics.jsonl", plots = {{"loss"}}, figures = {{caption = "grid", path = dir .. "/grid.png"}}}},
    config = {lr = 0.1, vq = {ch = 32}}, timings = {{"S", 1.5}}})
  local html = io.open(dir .. "/report.html"):read("a")
  T.truthy(html:find("<h1>t &lt;&amp;&gt;</h1>", 1, true), "escaped title")
  T.truthy(html:find("data:image/png;base64,", 1, true), "the figure is embedded")
  T.truthy(html:find('<svg class="plot"', 1, true), "the curve is inline SVG")
  T.truthy(html:find("<code>vq.ch</code>", 1, true), "nested config as dotted keys")
  -- Hand-made metrics: Windows line endings, a near-constant series, values at the ends of Double; a huge timing.
  local function report_of(lines, timing)
    local f = io.open(dir .. "/odd.jsonl", "wb"); f:write(lines); f:close()
    mv.report.write(dir .. "/odd.html", {stages = {{name = "S", metrics = dir .. "/odd.jsonl", plots = {{"loss"}}}}, timings = {{"S", timing or 1}}})
    return io.open(dir .. "/odd.html"):read("a")
  end
  local crlf = report_of('{"epoch": 1, "loss": 1}\r\n{"epoch": 2, "loss": 0.5}\r\n{"epoch": 3, "loss": 0.25}\r\n')
  T.truthy(crlf:find("<polyline", 1, true) and not crlf:find("were not JSON objects", 1, true), "CRLF lines are lines")
  local near = report_of('{"epoch": 1, "loss": 0.5}\n{"epoch": 2, "loss": 0.50000001}\n{"epoch": 3, "loss": 0.50000002}\n')
  local _, yticks = near:gsub('text%-anchor="end" class="tick"', "")
  T.truthy(yticks >= 2, "a near-constant series keeps a scale")
  local huge = report_of('{"epoch": 1, "loss": -1e308}\n{"epoch": 2, "loss": 1e308}\n', 1e300)
  T.truthy(huge:find("<polyline", 1, true) and not huge:lower():find("nan", 1, true), "no NaN coordinates at the ends of Double")
  T.truthy(huge:find("1e+300 s", 1, true), "a timing beyond any clock is written in seconds")
  T.raises(function() mv.report.write(dir .. "/r.html", {stages = {{name = "S", figure = {}}}}) end, "did you mean 'figures'")
  -- A device as the metrics file, and a folder (or "", the current one) as the report's path: named as such.
  T.raises(function() mv.report.write(dir .. "/r.html", {stages = {{name = "S", metrics = "/dev/zero"}}}) end, "/dev/zero: not a regular file")
  T.raises(function() mv.report.write(dir, {}) end, "is a folder; give the path of a file")
  T.raises(function() mv.report.write("", {}) end, "is a folder; give the path of a file")
  T.raises(function() mv.report.write(dir .. "/r.html", {stages = {{name = "S", figures = {{caption = "x", path = dir .. "/none.png"}}}}}) end, "none.png")
  -- A Scores object given as the table, an unknown key in it, a figure given as a list and an empty stage were
  -- written without the scores, lost, or answered "expected a table, got table".
  T.raises(function() mv.report.write(dir .. "/r.html", {scores = scores}) end, "scores: expected {columns = {{\"name\", scores}, ...}}, got one Scores")
  T.raises(function() mv.report.write(dir .. "/r.html", {scores = {columns = {{"g", scores}}, note = {"x"}}}) end, "scores: unknown key 'note' (did you mean 'notes'?)")
  T.raises(function() mv.report.write(dir .. "/r.html", {stages = {{name = "S", figures = {{"cap", "ok.png"}}}}}) end,
           "stages.figures: expected named fields (caption =, path =), got a list")
  T.raises(function() mv.report.write(dir .. "/r.html", {stages = {{}}}) end, "stages: each stage needs name = ")
  mv.save_json(dir .. "/eval.json", {generated = scores.values, chance = 0.02, seeds = {1, 2}})
  local back = mv.load_json(dir .. "/eval.json")
  T.eq(back.chance, 0.02); T.eq(back.seeds[2], 2)
  -- Python's json.dumps writes NaN and infinities bare: such files load.
  local py = io.open(dir .. "/python.json", "w"); py:write('{"loss": NaN, "range": [-Infinity, Infinity], "n": 1}'); py:close()
  local loaded = mv.load_json(dir .. "/python.json")
  T.truthy(loaded.loss ~= loaded.loss and loaded.range[1] == -math.huge and loaded.range[2] == math.huge and loaded.n == 1)
  py = io.open(dir .. "/python.json", "w"); py:write('{"loss": Nan}'); py:close()
  T.raises(function() mv.load_json(dir .. "/python.json") end, "expected 'NaN'")
  T.eq(back.generated.pairwise_pcc, scores.values.pairwise_pcc)
  mv.save_json(dir .. "/nan.json", {loss = {1.5, 0 / 0}, x = 1})
  local nan = mv.load_json(dir .. "/nan.json")
  T.truthy(nan.loss[2] ~= nan.loss[2] and nan.loss[1] == 1.5 and nan.x == 1, "NaN is written as JSON null and read back as NaN")
  mv.save_json(dir .. "/inf.json", {loss = math.huge, low = -math.huge})
  local inf_text = io.open(dir .. "/inf.json"):read("a")
  T.truthy(inf_text:find('"loss": 1e999', 1, true) and inf_text:find('"low": -1e999', 1, true), inf_text)
  local inf = mv.load_json(dir .. "/inf.json")
  T.truthy(inf.loss == math.huge and inf.low == -math.huge, "infinities are written as +-1e999 (valid JSON) and read back as infinities")
  local text = "two\nlines\t\1\0 \"quoted\" \\"
  mv.save_json(dir .. "/controls.json", {note = text, [text] = 1})
  local controls = mv.load_json(dir .. "/controls.json")
  T.truthy(controls.note == text and controls[text] == 1, "control characters in values and keys are escaped and read back")
  T.raises(function() mv.load_json(dir .. "/missing.json") end, "missing.json does not exist")
  T.raises(function() mv.load_json(dir) end, "is not a readable UTF-8 text file")
end)

os.execute("rm -rf " .. dir)
T.finish()
