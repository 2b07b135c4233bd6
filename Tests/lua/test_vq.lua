-- The VQ first stage from Lua: the reference fixture, the methods, training with resume, errors.
local T = require "lib.testing"
local fixtures = "../shared/fixtures/reference/"

local function relative_error(a, b) return ((a - b):abs():max() / b:abs():max()):item() end

T.test("VQModel loaded from the reference's vq.ckpt reproduces vq_io.npz", function()
  local io = mv.load(fixtures .. "vq_io.npz")
  local vq = mv.models.load_vq(fixtures .. "vq.ckpt", {resolution = 16})
  T.eq(vq.config.n_embed, 64)
  local h = vq:encode(io.image)
  T.truthy(relative_error(h, io.h) < 1e-4, "h")
  local quant, emb_loss, indices = vq:quantize(h)
  T.truthy(relative_error(quant, io.quant) < 1e-4, "quant")
  T.truthy(((indices - 1) - io.indices):abs():max():item() == 0, "indices are the reference's plus one")
  T.truthy(emb_loss:item() >= 0)
  T.truthy(relative_error(vq:decode(h), io.decoded) < 1e-4, "decoded")
  T.truthy(relative_error(vq:decode_code(indices:reshape(2, 8, 8)), io.decoded) < 1e-4, "decode_code")
  local reconstruction, loss = vq(io.image)
  T.eq(tostring(reconstruction:shape()), "[2, 3, 16, 16]")
  T.truthy(loss:item() >= 0)
  local path = T.tmpname() .. ".safetensors"
  -- Models save safetensors only: a .pth name would promise a PyTorch file.
  T.raises(function() vq:save(T.tmpname() .. ".pth") end, "a .safetensors file name (models save safetensors)")
  vq:save(path, {dtype = "float16"})
  local half = mv.models.load_vq(path)
  os.remove(path)
  T.truthy(relative_error(half:decode(h), io.decoded) < 1e-2, "float16 weights decode within half precision")
  T.raises(function() vq:save(path, {dtype = "bfloat16"}) end, "expected \"float32\" or \"float16\"")
end)

T.test("mv.vq.train: a held-out split by default, grids, resume, refusal to overwrite", function()
  mv.manual_seed(3)
  local images = (mv.rand(24, 3, 16, 16) * 2 - 1)
  local vq = mv.models.VQModel{preset = "tiny"}
  local dir = T.tmpname(); os.remove(dir)
  local options = {model = vq, data = images, output = dir, num_epoch = 1, batch_size = 8, progress = false}
  local first = mv.vq.train(options)
  T.eq(#first.figures, 1)
  T.truthy(first.eval_psnr > 0 and first.eval_ssim <= 1, "held-out scores")
  T.raises(function() mv.vq.train(options) end, "already holds a run")
  options.overwrite, options.resume = true, true
  T.raises(function() mv.vq.train(options) end, "give resume (continue the run) or overwrite = true (start over), not both")
  options.overwrite, options.resume = nil, nil
  options.num_epoch, options.resume = 2, true
  local resumed = mv.vq.train(options)
  T.eq(#resumed.reports, 1)
  T.eq(resumed.reports[1].epoch, 2)
  local finished = mv.vq.train(options)
  T.truthy(#finished.reports == 2 and finished.loss == resumed.loss, "a finished run returns its logged epochs and last loss")
  T.truthy(finished.eval_psnr == resumed.eval_psnr and finished.eval_ssim == resumed.eval_ssim, "and its held-out scores")
  T.eq(finished.reports[2].codes_used, resumed.reports[1].codes_used)
  T.eq(#finished.figures, 2, "and the run's grids")
  local loaded = mv.models.load_vq(resumed.checkpoint)
  T.eq(loaded.config.n_embed, vq.config.n_embed)
  T.raises(function() mv.vq.train{model = vq, data = mv.zeros(4, 3, 8, 8)} end, "expected images [N, 3, 16, 16]")
  T.raises(function() mv.vq.train{model = vq, data = images, num_epochs = 2} end, "did you mean 'num_epoch'")
end)

T.test("VQModel configuration errors name the key", function()
  T.raises(function() mv.models.VQModel{preset = "tiny", ddconfig = {ch_mul = {1, 2}}} end, "did you mean 'ch_mult'")
  T.raises(function() mv.models.VQModel{preset = "tiny", ddconfig = {ch = 0 / 0}} end, "'ch' must be an integer, got nan")
  T.raises(function() mv.models.VQModel{preset = "tiny", ddconfig = {dropout = 1 / 0}} end, "'dropout' must be a finite number, got inf")
  T.raises(function() mv.models.VQModel{preset = "tiny", ddconfig = {dropout = 0 / 0}} end, "'dropout' must be a finite number, got nan")
  T.raises(function() mv.models.VQModel{preset = "tiny", ddconfig = {attn_resolutions = {0, -3}}} end,
           "attn_resolutions must list positive map sizes, got [0, -3]")
  T.raises(function() mv.models.VQModel{preset = "tiny"}:reconstruct(mv.randn(0, 3, 16, 16)) end,
           "expects at least one image, got an empty batch [0, 3, 16, 16]")
  T.raises(function() mv.models.VQModel{preset = "tiny", ddconfig = {ch_mult = {1, 0 / 0}}} end, "'ch_mult' must be a list of integers, got list [1, nan]")
  T.raises(function() mv.models.VQModel{preset = "tiny", n_embeds = 3} end, "did you mean 'n_embed'")
  T.raises(function() mv.models.VQModel{preset = "tiny", ddconfig = {resolution = 17}} end, "not divisible")
  T.raises(function() mv.models.VQModel{preset = "tiny", ddconfig = {ch_mult = {1, 1e9}}} end, "multipliers in 1...64, got [1, 1000000000]")
  T.raises(function() mv.models.VQModel{preset = "tiny"}:encode(mv.zeros(1, 3, 7, 7)) end, "VQModel:encode: expects images [B, 3, 16, 16]")
  local vq = mv.models.VQModel{preset = "tiny"}
  T.raises(function() vq:encode(mv.zeros(1, 3, 8, 8)) end, "VQModel:encode")
  T.raises(function() vq:decode_code(mv.tensor{0, 1}) end, "expected indices in 1...32")
end)

T.finish()
