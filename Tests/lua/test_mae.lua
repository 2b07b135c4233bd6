-- The fMRI masked autoencoder from Lua: reference numbers, probing, training, checkpoints.
local T = require "lib.testing"
local ref = "../shared/fixtures/reference/"

local function rel(a, b) return (a - b):abs():max():item() / math.max(b:abs():max():item(), 1e-12) end

T.test("masked forward pass equals the reference with mae.pth weights", function()
  local io = mv.load(ref .. "mae_io.npz")
  local mae = mv.models.MAE{num_voxels = 128, patch_size = 16, embed_dim = 32, depth = 2, num_heads = 4,
                            decoder_embed_dim = 16, decoder_depth = 1, decoder_num_heads = 2, mlp_ratio = 4.0}
  local missing, unexpected = mae:load_state_dict(mv.load(ref .. "mae.pth").model)
  T.eq(#missing, 0); T.eq(#unexpected, 0)
  local latent, mask, ids_restore = mae:forward_encoder(io.fmri, {mask_ratio = 0.75, noise = io.noise})
  T.truthy(rel(latent, io.latent) < 1e-4, "latent")
  T.truthy(rel(mask, io.mask) == 0, "mask")
  T.truthy(rel(ids_restore - 1, io.ids_restore) == 0, "ids_restore (1-based in Lua)")
  local pred = mae:forward_decoder(latent, ids_restore)
  T.truthy(rel(pred, io.pred) < 1e-4, "pred")
  T.truthy(rel(mae:forward_loss(io.fmri, pred, mask), io.loss) < 1e-4, "loss")
  local loss = mae(io.fmri, {mask_ratio = 0.75, noise = io.noise})
  T.truthy(rel(loss, io.loss) < 1e-4, "__call")
  local enc = mv.models.FMRIEncoder{num_voxels = 128, patch_size = 16, embed_dim = 32, depth = 2, num_heads = 4, mlp_ratio = 4.0}
  enc:load_state_dict(mv.load(ref .. "mae.safetensors"), {strict = false})
  T.truthy(rel(enc(io.fmri), io.encoder_out) < 1e-4, "conditioning encoder")
end)

T.test("probing, training, checkpoints and the figure", function()
  mv.manual_seed(1)
  local x = (mv.arange(64):reshape(1, 1, 64) * mv.rand(32, 1, 1) * 0.2 + mv.rand(32, 1, 1) * 6):sin()
  local mae = mv.models.MAE{preset = "tiny", num_voxels = 64}
  local r = mae:reconstruct(x:narrow(1, 1, 4), {mask_ratio = 0.5})
  T.eq(table.concat(r.reconstruction:shape(), "x"), "4x1x64")
  T.eq(#r.masked_cor, 4)
  local sum = 0
  for _, c in ipairs(r.masked_cor) do sum = sum + c end
  T.near(r.masked_cor_mean, sum / 4, 1e-6, "the mean of the per-sample correlations")
  T.eq(table.concat(mae:encode(x:narrow(1, 1, 2)):shape(), "x"), "2x5x32")
  T.eq(table.concat(mae:attention(x:narrow(1, 1, 2), 1):shape(), "x"), "2x4x5x5")
  local dir = T.tmpname(); os.remove(dir)
  local epochs = 0
  local result = mv.mbm.pretrain{model = mae, data = x:reshape(32, 64), output = dir, num_epoch = 3, warmup_epochs = 1,
                                 batch_size = 8, lr = 1e-3, checkpoint_every = 3, progress = false,
                                 on_epoch = function(report) epochs = epochs + 1; T.truthy(report.loss > 0) end}
  T.eq(epochs, 3)
  T.truthy(io.open(result.checkpoint) ~= nil, "checkpoint written")
  T.truthy(io.open(result.metrics) ~= nil, "metrics written")
  local loaded = mv.models.load_mae(result.checkpoint)
  T.eq(loaded.config.num_voxels, 64)
  local tuned = mv.mbm.finetune{checkpoint = result.checkpoint, data = x:reshape(32, 64):narrow(2, 1, 60), output = dir .. "_a2",
                                num_epoch = 1, batch_size = 8, progress = false}
  T.eq(#tuned.reports, 1)
  mae:plot_reconstruction(dir .. "/probe.png", x:narrow(1, 1, 2))
  T.truthy(io.open(dir .. "/probe.png") ~= nil, "figure written")
  T.raises(function() mv.models.MAE{preset = "tiny", num_voxels = 64, embed_dims = 8} end, "did you mean 'embed_dim'")
  T.raises(function() mae(mv.zeros(2, 1, 60)) end, "[2, 1, 60]")
  T.raises(function() mv.mbm.pretrain{model = mae, data = x:reshape(32, 64), num_epochs = 2} end, "did you mean 'num_epoch'")
  T.raises(function() mv.mbm.pretrain{model = mae, data = x:reshape(32, 64), mask_ratio = 0} end, "mask_ratio 0 masks no patch")
  T.raises(function() mv.mbm.finetune{model = mae, checkpoint = "a1.safetensors", data = x:reshape(32, 64)} end, "give model = or checkpoint =, not both")
  T.raises(function() mv.mbm.pretrain{model = mae, data = x:reshape(32, 64), eval = mv.zeros(0, 64), output = dir .. "_empty"} end,
           "with at least one sample (eval = false for none), got [0, 64]")
  -- A model broken after its first epoch stops the run at the next step, named 1-based.
  local broken = mv.models.MAE{preset = "tiny", num_voxels = 64}
  T.raises(function()
    mv.mbm.pretrain{model = broken, data = x:reshape(32, 64), output = dir .. "_nan", num_epoch = 2, batch_size = 8, progress = false,
                    on_epoch = function() mv.no_grad(function() for _, p in ipairs(broken:parameters()) do p:fill_(0 / 0) end end) end}
  end, "at epoch 2, iteration 1; stopping")
  os.execute("rm -rf '" .. dir .. "_nan'")
  T.raises(function() mv.mbm.pretrain{model = mae, data = x:reshape(32, 64), fit = "loose"} end,
           "mv.mbm.pretrain: fit must be \"pad_or_crop\" or \"strict\"")
  local ok, message = pcall(mv.mbm.finetune, {checkpoint = result.checkpoint, data = x:reshape(32, 64):narrow(2, 1, 60), fit = "strict"})
  T.truthy(not ok and message:find("mv.mbm.finetune: data has 60 voxels but the model takes 64", 1, true)
           and not message:find("mv.mbm.finetune: mv.mbm.finetune", 1, true), message)
end)

T.test("stage A defaults: a held-out figure without eval =, no silent overwrite, resume = true", function()
  mv.manual_seed(4)
  local x = mv.randn(40, 64)
  local mae = mv.models.MAE{preset = "tiny", num_voxels = 64}
  local dir = T.tmpname(); os.remove(dir)
  local options = {model = mae, data = x, output = dir, num_epoch = 2, warmup_epochs = 1, batch_size = 8,
                   checkpoint_every = 1, progress = false}
  local first = mv.mbm.pretrain(options)
  T.eq(#first.figures, 2, "a figure per checkpoint from the held-out 5%")
  T.truthy(first.eval_cor ~= nil, "and a held-out correlation")
  T.raises(function() mv.mbm.pretrain(options) end, "already holds a run")
  options.num_epoch = 3
  options.resume = true
  local resumed = mv.mbm.pretrain(options)
  T.eq(#resumed.reports, 1, "continues after the saved epoch")
  T.eq(resumed.reports[1].epoch, 3)
  T.eq(#resumed.figures, 3, "the whole run's figures, the earlier session's too")
  local again = mv.mbm.pretrain(options)
  T.eq(#again.reports, 3, "a finished run trains nothing and gives back its logged epochs")
  T.eq(again.reports[3].epoch, 3)
  T.eq(#again.figures, 3, "and its figures")
  T.near(again.eval_cor, resumed.eval_cor, 1e-12, "and its held-out correlation")
  T.near(again.loss, resumed.loss, 1e-12)
  -- Continuing exactly needs the checkpoint's own kind of run and settings.
  T.raises(function() mv.mbm.pretrain{model = mae, data = x, output = dir, num_epoch = 4, warmup_epochs = 1, batch_size = 4, resume = true, progress = false} end,
           "was trained with batch_size = 8 (this run: 4); resume with its settings")
  T.raises(function() mv.mbm.finetune{checkpoint = dir .. "/checkpoints/checkpoint.safetensors", resume = dir .. "/checkpoints/checkpoint.safetensors",
                                      data = x, output = dir .. "_a2", num_epoch = 4, progress = false} end,
           'was trained with stage = "pretrain" (this run: "finetune")')
  T.raises(function() mv.vq.train{model = mv.models.VQModel{preset = "tiny"}, data = mv.rand(4, 3, 16, 16) * 2 - 1, eval = false,
                                  output = dir, resume = true, num_epoch = 1, progress = false} end,
           "is a stage A (masked brain modelling) checkpoint, not a VQ autoencoder one")
  options.resume, options.overwrite, options.eval = nil, true, false
  local fresh = mv.mbm.pretrain(options)
  T.eq(#fresh.reports, 3)
  T.eq(#fresh.figures, 0, "eval = false: no held-out data, no figure")
  options.overwrite, options.resume = nil, true
  local again = mv.mbm.pretrain(options)
  T.eq(#again.reports, 3, "a finished run trains no more: its reports are the logged epochs")
  T.near(again.loss, fresh.loss, 1e-6, "and returns the finished run's last numbers")
  T.near(again.cor, fresh.cor, 1e-6)
  -- Resumed by path into a folder of its own, the run's checkpoint and metrics come along: the new folder is a whole run.
  local copy = dir .. "_copy"
  local adopted = mv.mbm.pretrain{model = mae, data = x, output = copy, num_epoch = 3, warmup_epochs = 1, batch_size = 8, eval = false,
                                  checkpoint_every = 1, progress = false, resume = fresh.checkpoint}
  T.eq(#adopted.reports, 3)
  T.near(adopted.loss, fresh.loss, 1e-6, "the finished run's last numbers, from its metrics")
  T.truthy(io.open(adopted.checkpoint) ~= nil and adopted.checkpoint:find(copy, 1, true), "its checkpoint, in the new folder")
  T.eq(mv.models.load_mae(adopted.checkpoint):state_dict().pos_embed:size(2), mae:state_dict().pos_embed:size(2))
  T.raises(function() mv.mbm.pretrain{model = mae, data = x, output = copy, num_epoch = 3, warmup_epochs = 1, batch_size = 8, eval = false,
                                      progress = false, resume = fresh.checkpoint} end,
           "_copy already holds a run (metrics.jsonl): resume = " .. fresh.checkpoint .. " continues that checkpoint's run in a folder of its own")
  os.execute("rm -rf '" .. copy .. "'")
  -- Resuming on other data (here the default 5% held out, which eval = false had not) is not the same run.
  options.eval = nil
  T.raises(function() mv.mbm.pretrain(options) end, "was trained on 40 samples (this run: 38); resume with the same data and eval =")
  options.eval = false
  options.overwrite, options.resume = true, nil
  -- Overwriting starts over completely: a new run that fails at once leaves none of the old run's files beside it.
  options.data = mv.full({40, 64}, 0 / 0)
  T.raises(function() mv.mbm.pretrain(options) end, "loss is")
  T.eq(io.open(dir .. "/checkpoints/checkpoint.safetensors"), nil, "the old checkpoint is gone")
  local lines = 0
  for _ in io.lines(dir .. "/metrics.jsonl") do lines = lines + 1 end
  T.eq(lines, 0)
  local file = dir .. "/a_file"
  io.open(file, "w"):close()
  options.output, options.data, options.overwrite = file, x, nil
  T.raises(function() mv.mbm.pretrain(options) end, "a_file is a file; a run needs a folder there")
  os.execute("rm -rf '" .. dir .. "'")
end)

T.finish()
