-- Calls every function of the mv table and every method, property and operator of every object type with wrong
-- types, wrong shapes, nil, huge and negative sizes, NaN and inf and empty tables, inside pcall. The call list
-- is generated from the mv table and the metatables, so new bindings are covered automatically. Passing means:
-- the process is still alive, every error is a readable string that names what was called, and none is one of
-- Lua's own messages about the library's code (a nil call, a bad index) or an internal error.
local T = require "lib.testing"

mv.manual_seed(1)

-- Values passed as arguments (an explicit count, so nil entries are kept).
local Tiny = mv.nn.Module:extend("Tiny")
function Tiny:__init() self.fc = mv.nn.Linear(3, 2) end
function Tiny:forward(x) return self.fc(x) end

local pool = {n = 0}
local function add(value) pool.n = pool.n + 1; pool[pool.n] = value end
for _, v in ipairs{false, true, 0, 1, 2, 3, -1, -2.5, 1.5, 2^62, math.tointeger(2^62), -2^62, math.maxinteger,
                   math.mininteger, 1e300, 1 / 0, -1 / 0, "x", "", "1", "tanh", {}, {1, 2}, {{1, 2}, {3}}, {-1},
                   {2^62}, {x = 1}, {params = {}}, {lr = 0 / 0}, {0 / 0, 1}} do
  add(v)
end
add(nil)
add(0 / 0)

-- Writers (mv.save_json, mv.save, ...) given one of the pool's strings as a path write real files in the working
-- directory: valid calls, not errors. Those the run creates are removed at the end.
local existed = {}
for i = 1, pool.n do
  local v = pool[i]
  if type(v) == "string" and v ~= "" then
    local f = io.open(v, "rb")
    existed[v] = f ~= nil
    if f then f:close() end
  end
end
add(function() return 1 end)
add(coroutine.create(function() end))
add(io.stdout)
add(mv.zeros(0))
add(mv.tensor(3))
add(mv.tensor{1, 2, 3})
add(mv.randn(2, 3))
add(mv.randn(3, 1))
add(mv.randn(2, 3, 4):transpose(1, 3))
add(mv.ones(1):expand(4))
add(mv.tensor{0 / 0, 1 / 0, -1})
add(mv.ones(2, 2):requires_grad())
add(mv.nn.Linear(3, 2))
add(Tiny())
add(mv.optim.SGD({mv.zeros(1):requires_grad()}))

-- Objects whose methods are exercised, made fresh for every call (methods may free or modify them).
local factories = {
  Tensor = {
    function() return mv.randn(2, 3) end,
    function() return mv.tensor(5) end,
    function() return mv.zeros(0, 2) end,
    function() return mv.randn(2, 2):requires_grad() * 2 end,
    function() return mv.randn(3, 4):transpose(1, 2) end,
  },
  Module = {
    function() return mv.nn.Linear(3, 2) end,
    function() return mv.nn.Embedding(4, 3) end,
    function() return mv.nn.CrossAttention{query_dim = 4, heads = 2, head_dim = 2} end,
    function() return mv.nn.TransformerBlock{dim = 4, heads = 2} end,
    function() return mv.nn.Conv2d(1, 2, 3) end,
  },
  Optimizer = {
    function() local p = mv.ones(2):requires_grad(); p.grad = mv.ones(2); return mv.optim.AdamW({p}) end,
    function() return mv.optim.SGD({mv.ones(2):requires_grad()}, {momentum = 0.9}) end,
  },
  ParamGroup = {function() return mv.optim.SGD({mv.ones(2):requires_grad()}).param_groups[1] end},
  EMA = {function() return mv.optim.EMA({mv.ones(2):requires_grad()}) end},
  CosineSchedule = {function() return mv.optim.cosine_schedule{lr = 1, num_epoch = 3} end},
  LuaModule = {function() return rawget(Tiny(), "__core") end},
  MAE = {function() return mv.models.MAE{preset = "tiny", num_voxels = 32, depth = 1} end},
  Dataset = {function() return mv.data.HCP{path = "../shared/fixtures/datasets/HCP/npz"} end},
  BatchIterator = {function() return mv.data.HCP{path = "../shared/fixtures/datasets/HCP/npz"}:batches{size = 100} end},
}
-- Modules written in Lua (tables): the containers and a user class.
local lua_classes = {
  Sequential = function() return mv.nn.Sequential(mv.nn.Linear(3, 3)) end,
  ModuleList = function() return mv.nn.ModuleList{mv.nn.Linear(3, 3)} end,
  Tiny = function() return Tiny() end,
}

local calls, failures, problems = 0, 0, {}
local forbidden = {"attempt to call", "attempt to index", "attempt to perform arithmetic", "bad argument #",
                   "attempt to compare", "attempt to concatenate", "internal error", "stack overflow",
                   "no longer available", "table index is"}

--- Runs f(...) under pcall; an error must be a string naming one of `names` and free of forbidden phrases.
local function probe(label, names, f, ...)
  calls = calls + 1
  local ok, message = pcall(f, ...)
  if ok then return end
  failures = failures + 1
  local problem
  if type(message) ~= "string" then
    problem = "error object is a " .. type(message)
  elseif #message > 2000 then
    problem = "error message of " .. #message .. " bytes"
  else
    local named = false
    for _, name in ipairs(names) do
      if message:find(name, 1, true) then named = true end
    end
    if not named then problem = "does not name " .. table.concat(names, " or ") end
    for _, phrase in ipairs(forbidden) do
      if message:find(phrase, 1, true) then problem = "contains '" .. phrase .. "'" end
    end
  end
  if problem and not problems[label] then
    problems[label] = true
    problems[#problems + 1] = label .. ": " .. problem .. ": " .. tostring(message)
  end
end

--- The argument lists tried for every callable.
local function argument_lists()
  local lists = {{n = 0}}
  local t = mv.randn(2, 3)
  for i = 1, pool.n do
    local v = pool[i]
    lists[#lists + 1] = {n = 1, v}
    lists[#lists + 1] = {n = 2, v, v}
    lists[#lists + 1] = {n = 2, 1, v}
    lists[#lists + 1] = {n = 2, v, 1}
    lists[#lists + 1] = {n = 2, t, v}
    lists[#lists + 1] = {n = 3, 1, 1, v}
    lists[#lists + 1] = {n = 3, 2, v, 2}
  end
  return lists
end
local lists = argument_lists()
local single_lists = {{n = 0}}
for i = 1, pool.n do single_lists[#single_lists + 1] = {n = 1, pool[i]} end

local function sorted_keys(tbl)
  local keys = {}
  for k in pairs(tbl) do if type(k) == "string" then keys[#keys + 1] = k end end
  table.sort(keys)
  return keys
end

-- 1. Every function reachable from mv (classes' metamethods are exercised through their objects below).
local functions = {}
local function collect(tbl, path, seen)
  if seen[tbl] then return end
  seen[tbl] = true
  -- A class's functions may name the class (`ModuleList: ...`) rather than the function.
  local class = rawget(tbl, "__name")
  for _, key in ipairs(sorted_keys(tbl)) do
    local value = rawget(tbl, key)
    if type(value) == "function" and key:sub(1, 2) ~= "__" then
      functions[#functions + 1] = {path .. "." .. key, {key, path .. "." .. key, class}, value}
    elseif type(value) == "table" and key ~= "super" then
      collect(value, path .. "." .. key, seen)
    end
  end
end
collect(mv, "mv", {})

-- Functions whose valid call with all defaults is real work (a full simulated experiment, a training run):
-- no arguments, nil or an empty table would start it, so those argument lists are skipped for them. Every
-- other list still probes their error paths.
local runs_with_defaults = {["mv.data.simulate"] = true, ["mv.mbm.pretrain"] = true, ["mv.mbm.finetune"] = true}
local function starts_work(path, args)
  if not runs_with_defaults[path] then return false end
  local first = args[1]
  return args.n == 0 or first == nil or (type(first) == "table" and next(first) == nil)
end

T.test("every mv function with bad arguments", function()
  T.truthy(#functions > 80, "found " .. #functions .. " functions")
  -- help() writes through io.write: send its pages to a scratch file instead of the log.
  local scratch = T.tmpname()
  io.output(scratch)
  for _, entry in ipairs(functions) do
    local path, names, f = entry[1], entry[2], entry[3]
    for _, args in ipairs(lists) do
      if not starts_work(path, args) then probe(path, names, f, table.unpack(args, 1, args.n)) end
    end
  end
  io.output():close()
  io.output(io.stdout)
  os.remove(scratch)
  mv.set_grad_enabled(true)
  mv.set_printoptions{profile = "default"}
end)

-- 2. Every method of every userdata type, with fresh receivers, and with a wrong self.
T.test("every method with bad arguments and bad self", function()
  for _, type_name in ipairs(sorted_keys(factories)) do
    local sample = factories[type_name][1]()
    local mt = getmetatable(sample)
    T.eq(mt.__name, type_name)
    for _, method in ipairs(sorted_keys(mt.__methods)) do
      local names = {method:gsub("^__", ""), type_name}
      -- Every argument list on the first kind of receiver, single arguments on the others.
      for k, make in ipairs(factories[type_name]) do
        for _, args in ipairs(k == 1 and lists or single_lists) do
          local object = make()
          probe(type_name .. ":" .. method, names, function() return object[method](object, table.unpack(args, 1, args.n)) end)
        end
      end
      for i = 1, pool.n do
        probe(type_name .. "." .. method .. " (self)", names, mt.__methods[method], pool[i])
      end
    end
    for _, property in ipairs(sorted_keys(mt.__properties)) do
      for _, make in ipairs(factories[type_name]) do
        local object = make()
        probe(type_name .. "." .. property, {property, type_name}, function() return object[property] end)
        for i = 1, pool.n do
          probe(type_name .. "." .. property .. " =", {property, type_name, "settable"}, function() object[property] = pool[i] end)
        end
      end
    end
  end
end)

-- 3. Operators, indexing, calls, length and printing.
T.test("operators, indexing and calls with bad operands", function()
  local binary = {
    add = function(a, b) return a + b end, sub = function(a, b) return a - b end,
    mul = function(a, b) return a * b end, div = function(a, b) return a / b end,
    pow = function(a, b) return a ^ b end,
  }
  for _, make in ipairs(factories.Tensor) do
    for i = 1, pool.n do
      local v = pool[i]
      for name, op in pairs(binary) do
        probe("Tensor " .. name, {"Tensor.__" .. name}, op, make(), v)
        probe(name .. " Tensor", {"Tensor.__" .. name}, op, v, make())
      end
      probe("Tensor[v]", {"Tensor[i]", "Tensor[{...}]"}, function() return make()[v] end)
      probe("Tensor[v] = 1", {"Tensor[i] assignment", "Tensor[{...}] assignment", "Tensor has no settable field"}, function() make()[v] = 1 end)
      probe("Tensor[1] = v", {"Tensor[i] assignment"}, function() make()[1] = v end)
    end
    probe("-Tensor", {"Tensor"}, function() return -make() end)
    probe("#Tensor", {"Tensor"}, function() return #make() end)
    probe("tostring(Tensor)", {"Tensor"}, tostring, make())
  end
  for _, make in ipairs(factories.Module) do
    local label = tostring(make()):match("^(%w+)")
    for _, args in ipairs(lists) do
      probe(label .. "(...)", {label}, function() return make()(table.unpack(args, 1, args.n)) end)
    end
    probe(label .. ".x = 1", {"settable"}, function() make().x = 1 end)
  end
  local schedule = factories.CosineSchedule[1]()
  for _, args in ipairs(lists) do probe("CosineSchedule(...)", {"CosineSchedule"}, schedule, table.unpack(args, 1, args.n)) end
end)

-- 4. Modules written in Lua: their methods, field assignment and calls.
T.test("Lua-defined modules with bad arguments", function()
  for _, name in ipairs(sorted_keys(lua_classes)) do
    local make = lua_classes[name]
    local class = getmetatable(make())
    local methods, seen = {}, {}
    local current = class
    while current ~= nil do
      for _, key in ipairs(sorted_keys(current)) do
        if type(rawget(current, key)) == "function" and key:sub(1, 2) ~= "__" and not seen[key] then
          seen[key] = true
          methods[#methods + 1] = key
        end
      end
      current = rawget(current, "super")
    end
    for _, method in ipairs(methods) do
      -- forward runs the module's own (user) code: only survival matters, any message is the user's.
      local names = method == "forward" and {""} or {method, name, "Module"}
      for _, args in ipairs(lists) do
        local object = make()
        probe(name .. ":" .. method, names, function() return object[method](object, table.unpack(args, 1, args.n)) end)
      end
      for i = 1, pool.n do
        if method ~= "forward" and method ~= "extend" then
          probe(name .. "." .. method .. " (self)", {method, "Module"}, class[method], pool[i])
        end
      end
    end
    for i = 1, pool.n do
      probe(name .. " field", {name, "registered", "training", "invalid"}, function() make()[pool[i]] = pool[(i % pool.n) + 1] end)
      probe(name .. "(v)", {""}, function() return make()(pool[i]) end)
    end
    probe("tostring(" .. name .. ")", {name}, tostring, make())
  end
end)

T.test("another library's userdata given a MindVis metatable is not read as an object", function()
  -- The debug library can swap any userdata's metatable; a file handle's bytes read as a tensor crashed the process.
  local file = io.tmpfile()
  local original = getmetatable(file)
  debug.setmetatable(file, getmetatable(mv.zeros(1)))
  T.raises(function() return file:sum() end, "bad self: expected a Tensor, got a foreign userdata with the Tensor metatable")
  T.raises(function() return file + 1 end, "expected a Tensor, got a foreign userdata with the Tensor metatable")
  T.raises(function() return #file end, "bad self")
  debug.setmetatable(file, original)
  file:close()
  T.eq(mv.help_text(io.stdout), "a userdata value of type FILE* (not a MindVis object)")
end)

T.test("binary chunks are refused by load, loadfile, dofile and require", function()
  -- Lua's undump trusts its input: an edited string.dump crashed the process.
  local dumped = string.dump(function() return 1 end)
  local f, message = load(dumped)
  T.truthy(f == nil and message:find("attempt to load a binary chunk", 1, true), message)
  T.truthy(load(dumped, "x", "b") == nil, "whatever the mode asks")
  T.eq(load("return x", "chunk", "t", {x = 3})(), 3, "text loads as before, env included")
  T.raises(function() return load("return y", "chunk", "t", nil)() end, "_ENV")  -- an env given as nil is kept
  local path = T.tmpname()
  local file = assert(io.open(path, "wb"))
  file:write(dumped)
  file:close()
  T.truthy(loadfile(path) == nil, "loadfile")
  T.raises(function() dofile(path) end, "attempt to load a binary chunk")
  local dir = T.tmpname()
  os.execute("mkdir -p '" .. dir .. "'")
  os.rename(path, dir .. "/dumped_module.lua")
  local saved = package.path
  package.path = dir .. "/?.lua"
  local ok, err = pcall(require, "dumped_module")
  package.path = saved
  os.execute("rm -rf '" .. dir .. "'")
  T.truthy(not ok and err:find("error loading module 'dumped_module'", 1, true) and err:find("binary chunk", 1, true), err)
end)

T.test("the interpreter is intact afterwards", function()
  print(string.format("%d calls, %d raised errors", calls, failures))
  for _, problem in ipairs(problems) do io.stderr:write(problem, "\n") end
  T.eq(#problems, 0, "calls whose errors broke the rules")
  T.truthy(calls > 20000, "thousands of calls")
  T.eq(mv.is_grad_enabled(), true)
  local x = mv.tensor{{1, 2}, {3, 4}}:requires_grad()
  local loss = (x:matmul(x) * 2):sum()
  loss:backward()
  T.near(loss:item(), 108)
  T.near(x.grad:totable(), {{14, 22}, {18, 26}})
  collectgarbage()
  T.truthy(mv.memory().live < 64 * 2^20, "tensor memory was released")
end)

for name, was_there in pairs(existed) do
  if not was_there then os.remove(name) end
end
T.finish()
