-- The prelude of the `mv` module: helpers simplest written in Lua (mv.class, mv.isinstance). It runs like any
-- chunk, under lua_pcall, and uses only the ordinary Lua API, so it cannot bypass the boundary rules.
local mv = assert(rawget(_G, "mv"), "the mv table must exist before the prelude runs")
package.loaded.mindvis = mv

local classes = setmetatable({}, {__mode = "k"})

-- Lua looks metamethods up raw in an object's metatable, so a class copies its parent's (define a parent's
-- metamethods before deriving from it).
local function inherit_metamethods(class, parent)
  for key, value in pairs(parent) do
    if type(key) == "string" and key:sub(1, 2) == "__" and key ~= "__index" and key ~= "__name"
        and rawget(class, key) == nil then
      class[key] = value
    end
  end
end

--- mv.class(name [, parent]) -> a class table. Calling the class creates an instance and runs
--- `Class:__init(...)`; methods are looked up in the class, then its ancestors; `Class.super` is the parent.
function mv.class(name, parent)
  if type(name) ~= "string" then
    error("mv.class: argument #1 'name': expected a string, got " .. type(name), 2)
  end
  if parent ~= nil and not classes[parent] then
    error("mv.class: argument #2 'parent': expected a class made by mv.class, got " .. type(parent), 2)
  end
  local class = {__name = name, super = parent}
  class.__index = class
  if parent then inherit_metamethods(class, parent) end
  classes[class] = true
  return setmetatable(class, {
    __index = parent,
    __call = function(cls, ...)
      local object = setmetatable({}, cls)
      local init = cls.__init
      if init then init(object, ...) end
      return object
    end,
    __tostring = function() return "class " .. name end,
  })
end

--- mv.isinstance(value, class) -> whether value was made by class or one of its subclasses.
function mv.isinstance(value, class)
  if not classes[class] then
    error("mv.isinstance: argument #2 'class': expected a class made by mv.class, got " .. type(class), 2)
  end
  local current = getmetatable(value)
  while current ~= nil do
    if current == class then return true end
    current = classes[current] and rawget(current, "super") or nil
  end
  return false
end
