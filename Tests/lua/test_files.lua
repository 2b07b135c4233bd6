-- mv.load / mv.save: the field's file formats as Lua tables of tensors.
local T = require "lib.testing"
local fixtures = "../shared/fixtures/"

local function close(a, b, tol)
  return (a - b):abs():max():item() <= (tol or 0) * math.max(1, b:abs():max():item())
end

T.test("safetensors and the pickled PyTorch checkpoint hold the same state dict", function()
  local st, meta = mv.load(fixtures .. "reference/mae.safetensors")
  local ckpt = mv.load(fixtures .. "reference/mae.pth")
  T.eq(type(meta), "table")
  T.eq(ckpt.epoch, 7)
  local n = 0
  for name, t in pairs(st) do
    n = n + 1
    T.truthy(ckpt.model[name], "mae.pth has " .. name)
    T.eq(table.concat(t:shape(), "x"), table.concat(ckpt.model[name]:shape(), "x"), name)
    T.truthy(close(t, ckpt.model[name]), name .. " values")
  end
  T.eq(n, 50)
  -- The reference's config object is inert data, never executed.
  T.eq(ckpt.config.__class, "config.Config_MBM_fMRI")
  T.eq(ckpt.config.patch_size, 16)
  T.eq(ckpt.config.mask_ratio, 0.75)
  T.truthy(ckpt.optimizer.param_groups[1].lr > 0)
end)

T.test("key selection and prefix stripping", function()
  local unet = mv.load(fixtures .. "reference/unet.ckpt", {key = "state_dict", strip_prefix = "model.diffusion_model."})
  local ref = mv.load(fixtures .. "reference/unet.safetensors")
  for name, t in pairs(ref) do T.truthy(unet[name] and close(unet[name], t), name) end
  T.raises(function() mv.load(fixtures .. "reference/mae.pth", {key = "weights"}) end, "no key 'weights'")
  -- In a flat file (safetensors, npz) a key selects the tensors named key.… (it was ignored: every tensor came back).
  local vq = mv.load(fixtures .. "reference/vq.safetensors")
  local quant = mv.load(fixtures .. "reference/vq.safetensors", {key = "quant_conv"})
  local names = {}
  for name in pairs(quant) do names[#names + 1] = name end
  table.sort(names)
  T.eq(table.concat(names, ","), "bias,weight")
  T.truthy(close(quant.weight, vq["quant_conv.weight"]), "the selected tensors are the file's")
  T.raises(function() mv.load(fixtures .. "reference/vq.safetensors", {key = "no.such.key"}) end, "no key 'no.such.key'")
end)

T.test("npz and npy, including the object array of BOLD5000", function()
  local io = mv.load(fixtures .. "reference/mae_io.npz")
  T.eq(table.concat(io.fmri:shape(), "x"), "3x1x128")
  T.eq(io.num_voxels:item(), 128)
  local images = mv.load(fixtures .. "datasets/BOLD5000/BOLD5000_Stimuli/Scene_Stimuli/Presented_Stimuli/img_dict.npy")
  local img = images["COCO_train2014_000000000000.jpg"]
  T.eq(table.concat(img:shape(), "x"), "32x32x3")
  local hcp = mv.load(fixtures .. "datasets/expected_hcp.npz")
  T.eq(hcp.listdir_order[1], "100206")
end)

T.test("round trips and errors", function()
  local dir = T.tmpname(); os.remove(dir)
  local a, b = mv.randn(3, 4), mv.arange(5)
  mv.save(dir .. ".safetensors", {weight = a, nested = {bias = b}}, {note = "hello"})
  local back, meta = mv.load(dir .. ".safetensors")
  T.truthy(close(back.weight, a) and close(back["nested.bias"], b))
  T.eq(meta.note, "hello")
  mv.save(dir .. ".npz", {x = a})
  T.truthy(close(mv.load(dir .. ".npz").x, a))
  mv.save(dir .. ".npy", a)
  T.truthy(close(mv.load(dir .. ".npy"), a))
  T.raises(function() mv.load(dir .. ".missing.safetensors") end, "cannot open: No such file")
  T.raises(function() mv.save(dir .. ".txt", {x = a}) end, "can write .safetensors, .npz or .npy")
  T.raises(function() mv.save(dir .. ".safetensors", {x = "text"}) end, "not a tensor")
  T.raises(function() mv.load(fixtures .. "../docs/DESIGN.md") end, "not a tensor file MindVis reads")
  -- Hostile and broken files crafted for the MindIO tests: clear errors, the interpreter lives on.
  T.raises(function() mv.load("Tests/MindIOTests/Data/torch_truncated.pth") end, "torch_truncated.pth")
  T.raises(function() mv.load("Tests/MindIOTests/Data/st_offsets_out_of_range.safetensors") end, "st_offsets_out_of_range")
  T.raises(function() mv.load("Tests/MindIOTests/Data/npy_object_os_system.npy") end, "os.system")
  os.remove(dir .. ".safetensors"); os.remove(dir .. ".npz"); os.remove(dir .. ".npy")
end)

T.test("mv.load recognises the format from the bytes, not the name", function()
  local function copy(from, to)
    local input = assert(io.open(from, "rb")); local bytes = input:read("a"); input:close()
    local output = assert(io.open(to, "wb")); output:write(bytes); output:close()
  end
  local base = T.tmpname()
  copy(fixtures .. "reference/mae.pth", base .. "_pytorch_model.bin")
  copy(fixtures .. "reference/vq.safetensors", base .. "_weights")
  copy(fixtures .. "reference/mae_io.npz", base .. "_arrays.dat")
  copy(fixtures .. "reference/mae.safetensors", base .. "_really_safetensors.pt")
  T.eq(mv.load(base .. "_pytorch_model.bin").epoch, 7, "a torch.save zip named .bin")
  T.truthy(close(mv.load(base .. "_weights")["quant_conv.bias"], mv.load(fixtures .. "reference/vq.safetensors")["quant_conv.bias"]),
           "safetensors without an extension")
  T.eq(mv.load(base .. "_arrays.dat").num_voxels:item(), mv.load(fixtures .. "reference/mae_io.npz").num_voxels:item(), "an npz named .dat")
  T.truthy(mv.load(base .. "_really_safetensors.pt")["cls_token"] ~= nil, "content wins over the extension")
  T.raises(function() mv.load("Tests") end, "Tests: is a directory, expected a file")
  T.raises(function() mv.load(fixtures .. "README.md") end, "not a tensor file MindVis reads")
  local empty = base .. "_empty"
  io.open(empty, "wb"):close()
  T.raises(function() mv.load(empty) end, "empty file")
  for _, suffix in ipairs{"_pytorch_model.bin", "_weights", "_arrays.dat", "_really_safetensors.pt", "_empty"} do os.remove(base .. suffix) end
  os.remove(base)
end)

T.test("mv.save in half precision", function()
  local path = T.tmpname() .. ".safetensors"
  local x = mv.tensor{1.0, 1 / 3, -2.5, 1e-3}
  mv.save(path, {x = x}, nil, {dtype = "float16"})
  local back = mv.load(path).x
  T.near(back:totable(), {1.0, 0.333251953125, -2.5, 0.0010004043579101562}, 1e-9, "rounded to binary16")
  T.raises(function() mv.save(path, {x = x}, nil, {dtype = "int8"}) end, "expected \"float32\" or \"float16\"")
  T.raises(function() mv.save(path:gsub("safetensors$", "npz"), {x = x}, nil, {dtype = "float16"}) end, ".safetensors files only")
  os.remove(path)
end)

T.test("mv.mkdir makes parents, takes any path without a shell, refuses a file in the way", function()
  local base = T.tmpname(); os.remove(base)
  local odd = base .. "/it's a \"dir\"; touch " .. base .. "_pwned/x"
  T.eq(mv.mkdir(odd), odd)
  local probe = io.open(odd .. "/probe", "w")
  T.truthy(probe ~= nil, "the folder exists")
  probe:close()
  T.eq(io.open(base .. "_pwned/x"), nil, "nothing in the path was run")
  mv.mkdir(odd)  -- already there: fine
  T.raises(function() mv.mkdir(odd .. "/probe") end, "is a file, not a folder")
  T.raises(function() mv.mkdir("") end, "path is empty")
  os.execute("rm -rf '" .. base .. "'")
end)

T.finish()
