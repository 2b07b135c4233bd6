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

--- A fresh path for a test's files, in $TMPDIR when set: scripts/test points it at a folder it removes at the
--- end (os.tmpname always names a file in /tmp, which the tests would leave behind).
function T.tmpname()
  local name = os.tmpname()
  os.remove(name)
  local dir = os.getenv("TMPDIR")
  if dir and dir ~= "" then name = dir .. "/" .. name:match("[^/]+$") end
  return name
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

--- Asserts |actual - expected| <= tolerance (default 1e-5) for numbers or (nested) tables of numbers.
function T.near(actual, expected, tolerance, what)
  tolerance = tolerance or 1e-5
  local function mismatch(a, e, path)
    if type(e) == "table" then
      if type(a) ~= "table" or #a ~= #e then
        return string.format("%s: expected a table of %d entries, got %s", path, #e, describe(a))
      end
      for i = 1, #e do
        local problem = mismatch(a[i], e[i], path .. "[" .. i .. "]")
        if problem then return problem end
      end
    elseif type(a) ~= "number" or not (math.abs(a - e) <= tolerance) then
      return string.format("%s: expected %s (+-%g), got %s", path, describe(e), tolerance, describe(a))
    end
  end
  local problem = mismatch(actual, expected, "value")
  if problem then error((what and (what .. ": ") or "") .. problem, 2) end
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
