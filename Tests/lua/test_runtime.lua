-- The mv module's Lua-side runtime: version, require, the class helper, arg and `...`.
local T = require "lib.testing"
local script_arguments = table.pack(...)

T.test("mv.version and require", function()
  T.eq(mv.version(), "0.1.0")
  T.eq(require("mindvis"), mv)
end)

T.test("arg and ... like lua(1)", function()
  T.truthy(arg[0]:find("test_runtime.lua", 1, true), "arg[0] is the script")
  T.eq(script_arguments.n, #arg)
  T.truthy(arg[-1] ~= nil, "the interpreter is at a negative index")
end)

T.test("mv.class: construction, methods, inheritance, metamethods", function()
  local Animal = mv.class("Animal")
  function Animal:__init(name) self.name = name end
  function Animal:speak() return self.name .. " makes a sound" end
  Animal.__tostring = function(self) return "Animal(" .. self.name .. ")" end
  local Dog = mv.class("Dog", Animal)
  function Dog:speak() return self.name .. " barks" end
  local generic, dog = Animal("cat"), Dog("rex")
  T.eq(generic:speak(), "cat makes a sound")
  T.eq(dog:speak(), "rex barks")
  T.eq(Dog.super, Animal)
  T.eq(tostring(dog), "Animal(rex)", "metamethods are inherited")
  T.eq(tostring(Dog), "class Dog")
  T.truthy(mv.isinstance(dog, Animal) and mv.isinstance(dog, Dog) and not mv.isinstance(generic, Dog))
  T.truthy(not mv.isinstance(42, Animal))
end)

T.test("mv.class argument errors", function()
  T.raises(function() mv.class(5) end, "mv.class: argument #1 'name': expected a string, got number")
  T.raises(function() mv.class("X", {}) end, "mv.class: argument #2 'parent': expected a class made by mv.class, got table")
  T.raises(function() mv.isinstance({}, {}) end, "mv.isinstance: argument #2 'class': expected a class made by mv.class")
end)

-- Cases from the official Lua 5.4.4 suite (calls.lua, errors.lua) that failed under mindvis while passing under
-- lua5.4: the traceback handler of the script's own protected call must leave error values as they were raised.
-- Run at the top level of the script, outside T.test's xpcall, where that handler is the active one.
local payload = {}
local table_load = table.pack(load(function() error(payload) end))
local string_load = table.pack(load(function() error("hhi") end))
local deep_load = table.pack(load("local a; a=" .. string.rep("{", 500) .. "0" .. string.rep("}", 500)))

T.test("errors raised while load() reads keep their value (Lua 5.4.4 calls.lua, errors.lua)", function()
  T.eq(table_load[1], nil)
  T.eq(table_load[2], payload, "load returns the raised table itself")
  T.eq(string_load[1], nil)
  T.truthy(type(string_load[2]) == "string" and string_load[2]:find("hhi", 1, true), "the message of a failing reader")
  local err = deep_load[2]
  T.truthy(deep_load[1] == nil and type(err) == "string" and (err:find("too many") or err:find("overflow")),
           "500 nested levels are refused: " .. tostring(err))
end)

T.test("mv.config names the SIMD path, the BLAS core and the threads", function()
  local c = mv.config()
  local available = table.concat(c.simd_available, " ")
  T.truthy(available:find("scalar", 1, true), "the portable path is always there")
  T.truthy((" " .. available .. " "):find(" " .. c.simd .. " ", 1, true), "the path in use is an available one")
  T.truthy(#c.blas_core > 0 and c.blas_config:find("OpenBLAS", 1, true))
  T.truthy(c.threads >= 1)
  T.eq(c.version, mv.version())
end)

T.finish()
