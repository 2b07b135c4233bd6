-- mv.eval.score's judge = may be any module (or table) with a probabilities(images) method: it reaches the
-- binding (EvalBindings.swift) as a function, so a classifier written in Lua scores like a trained Judge.
local mv = rawget(_G, "mv")
local score, type, pairs = mv.eval.score, type, pairs

local function has_probabilities(judge)
  return type(judge) == "table" and type(judge.probabilities) == "function"
end

mv.eval.score = function(options, ...)
  if type(options) == "table" and has_probabilities(options.judge) then
    local judge, copy = options.judge, {}
    for key, value in pairs(options) do copy[key] = value end
    copy.judge = function(images) return judge:probabilities(images) end
    return score(copy, ...)
  end
  return score(options, ...)
end
