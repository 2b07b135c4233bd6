-- A tiny assertion helper for the Lua test scripts run by scripts/lua-tests.
--   local T = require "lib.testing"
--   T.test("name", function() T.eq(1 + 1, 2) end)
--   T.finish()   -- prints a summary; exits with status 1 if a test failed
local T = {}
local passed, failed = 0, {}

local function describe(value)
  if type(value) == "string" then return string.format("%q", value) end
  return tostring(value)
end

function T.test(name, body)
  local ok, message = xpcall(body, debug.traceback)
  if ok then
    passed = passed + 1
  else
    failed[#failed + 1] = name
    io.stderr:write("FAIL ", name, ": ", tostring(message), "\n")
  end
end

function T.eq(actual, expected, what)
  if actual ~= expected then
    error(string.format("%sexpected %s, got %s", what and (what .. ": ") or "", describe(expected), describe(actual)), 2)
  end
end

function T.truthy(value, what)
  if not value then error((what or "expected a true value") .. ", got " .. describe(value), 2) end
end

--- Asserts that `body` raises an error whose message contains `fragment` (plain text); returns the message.
function T.raises(body, fragment)
  local ok, message = pcall(body)
  if ok then error("expected an error containing " .. describe(fragment) .. ", but none was raised", 2) end
  message = tostring(message)
  if not message:find(fragment, 1, true) then
    error("expected an error containing " .. describe(fragment) .. ", got " .. describe(message), 2)
  end
  return message
end

function T.finish()
  print(string.format("%s: %d passed, %d failed", arg and arg[0] or "tests", passed, #failed))
  if #failed > 0 then os.exit(1) end
end

return T
