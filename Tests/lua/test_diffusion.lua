-- The conditioned UNet and the diffusion samplers from Lua, against the reference fixtures.
local T = require "lib.testing"
local fixtures = "../shared/fixtures/reference/"

local function relative_error(a, b) return ((a - b):abs():max() / b:abs():max()):item() end

-- The fixture's UNet, built from the configuration stored beside its inputs.
local function reference_unet()
  local io = mv.load(fixtures .. "unet_io.npz")
  local function list(t) local out = {} for i = 1, t:numel() do out[i] = t[i] end return out end
  local unet = mv.models.UNet{
    image_size = io.image_size:item(), in_channels = io.in_channels:item(), out_channels = io.out_channels:item(),
    model_channels = io.model_channels:item(), attention_resolutions = list(io.attention_resolutions),
    num_res_blocks = io.num_res_blocks:item(), channel_mult = list(io.channel_mult), num_heads = io.num_heads:item(),
    use_spatial_transformer = true, transformer_depth = io.transformer_depth:item(), context_dim = io.context_dim:item(),
    use_time_cond = io.use_time_cond:item() ~= 0, global_pool = io.global_pool:item() ~= 0,
  }
  local missing, unexpected = unet:load_state_dict(mv.load(fixtures .. "unet.ckpt", {key = "state_dict"}),
                                                   {prefix = "model.diffusion_model.", strict = true})
  T.eq(#missing + #unexpected, 0)
  return unet, io
end

T.test("UNet from the reference's unet.ckpt reproduces unet_io.npz", function()
  local unet, io = reference_unet()
  local out = unet(io.x, io.t:float(), io.context)
  T.truthy(relative_error(out, io.out) < 1e-4, "out")
  T.truthy(tostring(mv.help_text(unet)):find("mv.models.UNet", 1, true), "help names the constructor")
  T.raises(function() unet(io.x:narrow(1, 1, 0), io.t:float():narrow(1, 1, 0), io.context:narrow(1, 1, 0)) end,
           "UNet:__call: expects at least one sample, got an empty batch [0,")
  -- One timestep for the whole batch: a number, a 0-d tensor or a [1] tensor alike (a 0-d tensor was refused).
  local t = io.t[1]
  local by_number = unet(io.x, t, io.context)
  T.truthy(unet(io.x, mv.tensor(t), io.context):equal(by_number), "a 0-d tensor is one timestep for every sample")
  T.truthy(unet(io.x, mv.tensor{t}, io.context):equal(by_number), "so is a [1] tensor")
  T.raises(function() unet(io.x, mv.zeros(io.x:size(1) + 1), io.context) end, "expects one timestep per sample (t of shape [")
end)

T.test("PLMS and DDIM reproduce sampler_io.npz", function()
  local unet = reference_unet()
  local io = mv.load(fixtures .. "sampler_io.npz")
  local schedule = mv.diffusion.Schedule{timesteps = io.timesteps:item(), linear_start = io.linear_start:item(),
                                          linear_end = io.linear_end:item()}
  for _, sampler in ipairs{"plms", "ddim"} do
    local calls = 0
    local z = mv.diffusion.sample{model = unet, schedule = schedule, context = io.context, x_T = io.x_T,
                                  steps = io.steps:item(), sampler = sampler, progress = function() calls = calls + 1 end}
    T.truthy(relative_error(z, io[sampler]) < 1e-3, sampler)
    T.eq(calls, io.steps:item(), sampler .. " reports every step")
  end
  T.raises(function() mv.diffusion.sample{model = unet, schedule = schedule, context = io.context, x_T = io.x_T, steps = 3,
                                          progress = function() error("stop here") end} end, "stop here")
  T.raises(function() mv.diffusion.sample{model = unet, schedule = schedule, context = io.context, x_T = io.x_T, steps = 3,
                                          progress = 3} end, "option 'progress': expected true, false or a function(done, total)")
end)

T.test("class conditioning, guidance and seeds", function()
  mv.manual_seed(5)
  local unet = mv.models.UNet{preset = "tiny", use_time_cond = false}   -- one class token: no time conditioning
  -- Fresh output layers are zero (as the reference initialises them): redraw every weight so the context matters.
  mv.no_grad(function() for _, p in ipairs(unet:parameters()) do p:copy_(mv.randn(table.unpack(p:shape())) * 0.2) end end)
  local emb = mv.models.ClassEmbedder{n_classes = 3, embed_dim = unet.config.context_dim, null_class = 3}
  T.raises(function() emb:drop(mv.tensor{1, 2}, 0 / 0) end, "dropout probability must be in [0, 1]")
  T.raises(function() unet(mv.randn(1, 3, 16, 16), mv.tensor{0 / 0}, emb(mv.tensor{1})) end, "timesteps must be finite numbers")
  T.raises(function() mv.models.UNet{preset = "tiny", attention_resolutions = {3}} end, "attention_resolutions are downsampling factors (1, 2, 4, ...), got [3]")
  -- Messages that named the wrong problem: the shapes matched, the batch was empty or the rank too low; the UNet's
  -- channels differed, not the noise's.
  T.raises(function() mv.diffusion.epsilon_loss(mv.randn(4), mv.randn(4)) end, "epsilon_loss: expected a non-empty batch [B, ...] of at least 2 dimensions, got [4]")
  T.raises(function() mv.diffusion.sample{model = mv.models.UNet{preset = "tiny", out_channels = 6}, schedule = mv.diffusion.Schedule{},
                                          shape = {1, 3, 8, 8}, steps = 2, seed = 1} end,
           "the UNet predicts 6 channels of noise for 3 input channels")
  local labels = mv.tensor{1, 2}
  local context = emb(labels)
  T.eq(tostring(context:shape()), "[2, 1, " .. unet.config.context_dim .. "]")
  local uncond = emb(emb:unconditional(2))
  T.near(emb:unconditional(2):totable(), {3, 3})
  local schedule = mv.diffusion.Schedule()
  local function draw(guidance)
    return mv.diffusion.sample{model = unet, schedule = schedule, context = context, uncond = uncond, guidance = guidance,
                               shape = {2, 3, 8, 8}, seed = 11, steps = 4}
  end
  T.truthy(draw(1):equal(draw(1)), "same seed, same samples")
  T.truthy(not draw(3):equal(draw(1)), "guidance changes the samples")
  local dropped = emb:drop(mv.tensor{1, 2, 1, 2, 1, 2, 1, 2}, 1.0, 7)
  T.near(dropped:totable(), {3, 3, 3, 3, 3, 3, 3, 3}, 0, "probability 1 drops every label")
  T.raises(function() emb(mv.tensor{0}) end, "expected indices in 1...3")
  T.raises(function() mv.diffusion.sample{model = unet, schedule = schedule, context = context, guidance = 2, shape = {2, 3, 8, 8}} end,
           "needs both a context and an unconditional context")
  T.raises(function() mv.diffusion.sample{model = unet, schedule = schedule, context = context, shape = {2, 3, 8, 8}, sampler = "euler"} end,
           "sampler must be \"plms\" or \"ddim\"")
  T.raises(function() mv.models.UNet{preset = "tiny", model_chanels = 8} end, "did you mean 'model_channels'")
end)

T.test("q_sample and the training loss", function()
  local schedule = mv.diffusion.Schedule()
  local x0, noise = mv.randn(2, 3, 4, 4), mv.randn(2, 3, 4, 4)
  local a = schedule.alphas_cumprod
  local xt = schedule:q_sample(x0, mv.tensor{0, 999}, noise)
  local expected0 = x0[1] * math.sqrt(a[1]) + noise[1] * math.sqrt(1 - a[1])
  T.truthy(relative_error(xt[1], expected0) < 1e-5)
  T.near(mv.diffusion.epsilon_loss(noise, noise):item(), 0)
  T.eq(schedule.timesteps, 1000)
end)

T.finish()
