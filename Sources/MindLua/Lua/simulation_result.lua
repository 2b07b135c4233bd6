-- mv.data.simulate's result says which option a missing part needs (test_single exists only with
-- single_trials = true) instead of handing back nil to fail later (DataBindings.swift).
local mv = rawget(_G, "mv")
local simulate, setmetatable, error = mv.data.simulate, setmetatable, error

local Result = {__name = "SimulatedData"}
function Result.__index(_, key)
  if key == "test_single" then
    error("mv.data.simulate: test_single (every single test trial) is made only with single_trials = true", 2)
  end
end

mv.data.simulate = function(...) return setmetatable(simulate(...), Result) end
