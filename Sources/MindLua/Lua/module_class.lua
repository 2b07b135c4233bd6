-- Modules written in Lua (mv.nn.Module, mv.nn.class, mv.nn.Parameter) and the containers built the same way
-- (mv.nn.Sequential, mv.nn.ModuleList). Every registration goes to the object's Swift core (LuaModuleClass.swift),
-- so the engine's own Module answers every tree query. See LuaModuleClass.swift for the user-facing summary.
local mv = rawget(_G, "mv")
local new_core = rawget(_G, "mindvis_internal").new_module_core
rawset(_G, "mindvis_internal", nil)
local nn = mv.nn
local is_module, is_tensor = nn.is_module, mv.is_tensor
local rawget, rawset, rawequal, type, select, setmetatable, getmetatable, error, tostring, ipairs =
  rawget, rawset, rawequal, type, select, setmetatable, getmetatable, error, tostring, ipairs
local math_type = math.type

local function describe(value)
  if is_tensor(value) then return "Tensor" end
  if is_module(value) then return "module" end
  local kind = type(value)
  if kind == "string" then return ("string %q"):format(value) end
  if kind == "number" or kind == "boolean" or kind == "nil" then return tostring(value) end
  return kind
end

-- mv.nn.Parameter(t [, requires_grad]): parameters are recognised by identity when assigned to a module field.
local parameter_flags = setmetatable({}, {__mode = "k"})

function nn.Parameter(tensor, requires_grad)
  if not is_tensor(tensor) then
    error("mv.nn.Parameter: argument #1 'tensor': expected a Tensor, got " .. describe(tensor), 2)
  end
  if requires_grad ~= nil and type(requires_grad) ~= "boolean" then
    error("mv.nn.Parameter: argument #2 'requires_grad': expected a boolean, got " .. describe(requires_grad), 2)
  end
  local trainable = requires_grad ~= false
  local parameter = tensor:detach():requires_grad(trainable)
  parameter_flags[parameter] = trainable
  return parameter
end

function nn.is_parameter(value) return parameter_flags[value] ~= nil end

local classes = setmetatable({}, {__mode = "k"})
local Module = {__name = "Module"}

local function class_name(object)
  local class = getmetatable(object)
  return type(class) == "table" and rawget(class, "__name") or "Module"
end

local function core_of(object, method)
  local core = type(object) == "table" and rawget(object, "__core") or nil
  if core == nil then
    error(("Module:%s: bad self: expected a module, got %s (call methods with ':')"):format(method, describe(object)), 3)
  end
  return core
end

function Module.__index(self, key)
  local value = rawget(self, "__fields")[key]
  if value ~= nil then return value end
  if key == "training" then return rawget(self, "__core").training end
  return getmetatable(self)[key]
end

-- Errors of the core's Swift methods carry no position when called from this (stripped) code; re-raise them
-- at the user's line, `level` frames above the caller of `with_position`.
local function with_position(level, method, core, ...)
  local ok, message = pcall(method, core, ...)
  if not ok then error(message, level + 1) end
end

local function register(self, key, value)
  if key == nil or key ~= key then
    error(("%s: a field key cannot be %s"):format(class_name(self), tostring(key)), 3)
  end
  local registered = rawget(self, "__registered")
  local current = registered[key]
  if current ~= nil then
    if rawequal(current, value) then return end
    error(("%s: '%s' is a registered %s and cannot be reassigned"):format(class_name(self), tostring(key),
      is_tensor(current) and "parameter or buffer" or "module"), 3)
  end
  if key == "training" then
    error(class_name(self) .. ": 'training' is switched by train() and eval()", 3)
  end
  if type(key) == "string" then
    local core = rawget(self, "__core")
    if is_module(value) then
      with_position(3, core.__add_module, core, key, value)
      registered[key] = value
    elseif parameter_flags[value] ~= nil then
      with_position(3, core.__add_parameter, core, key, value, parameter_flags[value])
      registered[key] = value
    end
  end
  rawget(self, "__fields")[key] = value
end

function Module.__newindex(self, key, value) register(self, key, value) end
function Module.__call(self, ...) return self:forward(...) end
function Module.__tostring(self) return tostring(rawget(self, "__core")) end
function Module:__init() end

function Module:forward()
  local name = class_name(self)
  error(("%s: forward is not defined (define function %s:forward(...))"):format(name, name), 2)
end

-- Queries run on the core: the engine's Module with the same registrations.
for _, method in ipairs{"parameters", "named_parameters", "parameter_names", "named_buffers", "state_dict",
                        "load_state_dict", "children", "named_children", "modules", "named_modules",
                        "num_parameters", "zero_grad", "get_submodule", "get_parameter", "requires_grad_",
                        "freeze", "unfreeze"} do
  Module[method] = function(self, ...)
    local core = core_of(self, method)
    return core[method](core, ...)
  end
end

function Module:train(mode)
  core_of(self, "train"):train(mode)
  return self
end

function Module:eval()
  core_of(self, "eval"):eval()
  return self
end

function Module:register_buffer(name, tensor, persistent)
  local core = core_of(self, "register_buffer")
  if type(name) ~= "string" then
    error("Module:register_buffer: argument #1 'name': expected a string, got " .. describe(name), 2)
  end
  if not is_tensor(tensor) then
    error("Module:register_buffer: argument #2 'tensor': expected a Tensor, got " .. describe(tensor), 2)
  end
  if persistent ~= nil and type(persistent) ~= "boolean" then
    error("Module:register_buffer: argument #3 'persistent': expected a boolean, got " .. describe(persistent), 2)
  end
  with_position(2, core.__add_buffer, core, name, tensor, persistent)
  rawget(self, "__registered")[name] = tensor
  rawget(self, "__fields")[name] = tensor
end

function Module:register_parameter(name, tensor)
  core_of(self, "register_parameter")
  if type(name) ~= "string" then
    error("Module:register_parameter: argument #1 'name': expected a string, got " .. describe(name), 2)
  end
  if parameter_flags[tensor] == nil then
    error("Module:register_parameter: argument #2 'parameter': expected a tensor made by mv.nn.Parameter, got " .. describe(tensor), 2)
  end
  register(self, name, tensor)
end

function Module:register_module(name, module)
  core_of(self, "register_module")
  if type(name) ~= "string" then
    error("Module:register_module: argument #1 'name': expected a string, got " .. describe(name), 2)
  end
  if not is_module(module) then
    error("Module:register_module: argument #2 'module': expected a module, got " .. describe(module), 2)
  end
  register(self, name, module)
end

-- Methods written in Lua, for Swift modules (every Module userdata type) and Lua modules alike.

-- m:apply(fn): fn(module) for every descendant, children before their parent (PyTorch's order); returns m.
local function check_module_self(self, method)
  if not is_module(self) then
    error(("Module:%s: bad self: expected a module, got %s (call methods with ':')"):format(method, describe(self)), 3)
  end
end

local function apply(self, fn)
  check_module_self(self, "apply")
  if type(fn) ~= "function" then
    error("Module:apply: argument #1 'fn': expected a function, got " .. describe(fn), 2)
  end
  local function visit(module)
    for _, child in ipairs(module:children()) do visit(child) end
    fn(module)
  end
  visit(self)
  return self
end

-- m:parameters_matching(patterns) -> the parameters whose dotted name matches any of the Lua patterns, each once,
-- in registration order, and their names.
local function parameters_matching(self, patterns)
  check_module_self(self, "parameters_matching")
  if type(patterns) == "string" then patterns = {patterns} end
  if type(patterns) ~= "table" or #patterns == 0 then
    error("Module:parameters_matching: argument #1 'patterns': expected a pattern or an array of patterns, got " .. describe(patterns), 2)
  end
  for i, pattern in ipairs(patterns) do
    if type(pattern) ~= "string" then
      error(("Module:parameters_matching: argument #1 'patterns' at [%d]: expected a string, got %s"):format(i, describe(pattern)), 2)
    end
  end
  local by_name, names = self:named_parameters()
  local params, matched = {}, {}
  for _, name in ipairs(names) do
    for _, pattern in ipairs(patterns) do
      local ok, found = pcall(string.find, name, pattern)
      if not ok then error("Module:parameters_matching: bad pattern '" .. pattern .. "': " .. tostring(found), 2) end
      if found then
        params[#params + 1], matched[#matched + 1] = by_name[name], name
        break
      end
    end
  end
  return params, matched
end

-- m:state_dict() -> one table, so that m:load_state_dict(other:state_dict()) works as in PyTorch; pairs() walks it
-- in registration order (PyTorch's OrderedDict), then any key added later.
local function ordered(tensors, names)
  return setmetatable(tensors, {__name = "StateDict", __pairs = function(t)
    local i, seen = 0, {}
    local extra
    return function()
      while i < #names do
        i = i + 1
        local name = names[i]
        seen[name] = true
        if rawget(t, name) ~= nil then return name, rawget(t, name) end
      end
      repeat extra = next(t, extra) until extra == nil or not seen[extra]
      if extra ~= nil then return extra, rawget(t, extra) end
    end, t, nil
  end})
end

-- Every bound type that is a Module (its methods include named_parameters: Module itself, MAE, VQModel, UNet, ...)
-- gets them; these types are all registered before this library code runs (LuaInstallOrder.luaModules).
-- (A methods table can be reached from more than one registry entry: each is changed once.)
local done = {}
for _, mt in pairs(debug.getregistry()) do
  local methods = type(mt) == "table" and rawget(mt, "__methods")
  if type(methods) == "table" and rawget(methods, "named_parameters") ~= nil and not done[methods] then
    done[methods] = true
    methods.apply, methods.parameters_matching = apply, parameters_matching
    local swift_state_dict = rawget(methods, "state_dict")
    if swift_state_dict then methods.state_dict = function(self) return ordered(swift_state_dict(self)) end end
  end
end
Module.apply, Module.parameters_matching = apply, parameters_matching

local inherited_events = {"__index", "__newindex", "__call", "__tostring", "__len", "__close"}

local function construct(class, ...)
  local self = setmetatable({}, class)
  rawset(self, "__fields", {})
  rawset(self, "__registered", {})
  rawset(self, "__core", new_core(rawget(class, "__name"), self))
  class.__init(self, ...)
  return self
end

local function derive(parent, name, caller)
  if type(name) ~= "string" or not name:match("^[%a_][%w_]*$") then
    error(("%s: argument #1 'name': expected a class name (an identifier), got %s"):format(caller, describe(name)), 3)
  end
  local class = {__name = name, super = parent}
  for _, event in ipairs(inherited_events) do class[event] = parent[event] end
  classes[class] = true
  return setmetatable(class, {__index = parent, __call = construct,
                              __tostring = function() return "module class " .. name end})
end

--- Class:extend(name) -> a subclass; mv.nn.class(name [, parent]) -> a subclass of parent (or Module).
function Module.extend(parent, name)
  if not classes[parent] then
    error("mv.nn.Module.extend: bad self: expected a module class (call Class:extend(name)), got " .. describe(parent), 2)
  end
  -- Not a tail call: derive's errors name the caller's line (level 3), which a tail call would erase.
  local class = derive(parent, name, "mv.nn.Module:extend")
  return class
end

function nn.class(name, parent)
  if parent ~= nil and not classes[parent] then
    error("mv.nn.class: argument #2 'parent': expected a module class, got " .. describe(parent), 2)
  end
  local class = derive(parent or Module, name, "mv.nn.class")
  return class
end

--- Whether value is an instance of class (or of a subclass).
function nn.isinstance(value, class)
  if not classes[class] then
    error("mv.nn.isinstance: argument #2 'class': expected a module class, got " .. describe(class), 2)
  end
  local current = type(value) == "table" and getmetatable(value) or nil
  while current ~= nil do
    if current == class then return true end
    current = rawget(current, "super")
  end
  return false
end

classes[Module] = true
nn.Module = setmetatable(Module, {__call = construct, __tostring = function() return "module class Module" end})

-- Containers: modules registered as "0", "1", ... (PyTorch's names, so state dicts match) and read as
-- c[1], c[2], ... (c[-1] is the last).
local function items(self)
  local list = rawget(self, "__items")
  if list == nil then
    list = {}
    rawset(self, "__items", list)
  end
  return list
end

local function container(name)
  local class = derive(Module, name, "mv.nn")
  local function check_self(self, method)
    if not nn.isinstance(self, class) then
      error(("%s:%s: bad self: expected a %s, got %s (call methods with ':')"):format(name, method, name, describe(self)), 3)
    end
  end
  function class.__index(self, key)
    if math_type(key) == "integer" then
      local list = items(self)
      if key < 0 then key = #list + 1 + key end
      return list[key]
    end
    return Module.__index(self, key)
  end
  function class.__len(self) return #items(self) end
  local function append(self, module, method)
    check_self(self, method)
    if not is_module(module) then
      error(("%s:%s: argument #1 'module': expected a module, got %s"):format(name, method, describe(module)), 3)
    end
    local list = items(self)
    register(self, tostring(#list), module)
    list[#list + 1] = module
    return self
  end
  function class:append(module) return append(self, module, "append") end
  return class, check_self, append
end

local Sequential, check_sequential, append_to_sequential = container("Sequential")
function Sequential:add(module) return append_to_sequential(self, module, "add") end

function Sequential:__init(...)
  for i = 1, select("#", ...) do
    local module = select(i, ...)
    if not is_module(module) then
      error(("mv.nn.Sequential: argument #%d: expected a module, got %s"):format(i, describe(module)), 3)
    end
    self:append(module)
  end
end

function Sequential:forward(x)
  check_sequential(self, "forward")
  local list = items(self)
  for i = 1, #list do x = list[i](x) end
  return x
end

local ModuleList = container("ModuleList")

function ModuleList:__init(modules)
  if modules == nil then return end
  if type(modules) ~= "table" or is_module(modules) then
    error("mv.nn.ModuleList: argument #1 'modules': expected an array of modules, got " .. describe(modules), 3)
  end
  for i = 1, #modules do
    if not is_module(modules[i]) then
      error(("mv.nn.ModuleList: argument #1 'modules' at [%d]: expected a module, got %s"):format(i, describe(modules[i])), 3)
    end
    self:append(modules[i])
  end
end

function ModuleList:forward()
  error("ModuleList: a ModuleList is not called; call its modules (list[i], ipairs(list))", 2)
end

nn.Sequential, nn.ModuleList = Sequential, ModuleList
