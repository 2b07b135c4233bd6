-- help(x) / mv.help(x): prints the help of a function, an object's type and methods, a module, a namespace or a
-- name, from the registry behind HelpBindings.swift (the same text as docs/API.md).
local mv = rawget(_G, "mv")
local internal = rawget(_G, "mindvis_help_internal")
rawset(_G, "mindvis_help_internal", nil)
local doc_text, doc_line, function_name = internal.doc_text, internal.doc_line, internal.function_name
local type_summary, type_parent, constructor_help = internal.type_summary, internal.type_parent, internal.constructor_help
local type, pairs, rawget, getmetatable, tostring, sort, concat, io =
  type, pairs, rawget, getmetatable, tostring, table.sort, table.concat, io

-- The dotted path of `value` inside mv (e.g. "mv.nn.class"), searched breadth-first so the shortest path wins.
local function path_in_mv(value)
  local queue, seen, head = {{mv, "mv"}}, {[mv] = true}, 1
  while queue[head] do
    local table_, prefix = queue[head][1], queue[head][2]
    head = head + 1
    local keys = {}
    for key in pairs(table_) do if type(key) == "string" then keys[#keys + 1] = key end end
    sort(keys)
    for _, key in ipairs(keys) do
      local item = rawget(table_, key)
      if rawequal(item, value) then return prefix .. "." .. key end
      if type(item) == "table" and not seen[item] and getmetatable(item) == nil then
        seen[item] = true
        queue[#queue + 1] = {item, prefix .. "." .. key}
      end
    end
  end
  return nil
end

-- "Type:method" for a function found in a registered type's methods table (methods written in Lua).
local function method_name(value)
  for name, mt in pairs(debug.getregistry()) do
    if type(name) == "string" and type(mt) == "table" and type(rawget(mt, "__methods")) == "table" then
      for key, method in pairs(rawget(mt, "__methods")) do
        if rawequal(method, value) then return name .. ":" .. key end
      end
    end
  end
  return nil
end

-- Methods of a registered userdata type (with inherited ones), each with its signature and summary.
local function type_help(name)
  local lines = {name .. ": " .. (type_summary(name) or "a MindVis object")}
  local parent = type_parent(name)
  if parent then lines[#lines + 1] = "  (a " .. parent .. ": it has every " .. parent .. " method)" end
  local mt = debug.getregistry()[name]
  local members = {}
  if type(mt) == "table" then
    for key in pairs(rawget(mt, "__methods") or {}) do
      if type(key) == "string" and key:sub(1, 2) ~= "__" then members[#members + 1] = {key, name .. ":" .. key} end
    end
    for key in pairs(rawget(mt, "__properties") or {}) do
      if type(key) == "string" then members[#members + 1] = {key, name .. "." .. key} end
    end
  end
  sort(members, function(a, b) return a[1] < b[1] end)
  if #members > 0 then lines[#lines + 1] = "methods and fields:" end
  for _, member in ipairs(members) do
    lines[#lines + 1] = "  " .. (doc_line(member[2]) or (member[2] .. " (no help)"))
  end
  return concat(lines, "\n")
end

local function namespace_help(table_, path)
  local names = {}
  for key in pairs(table_) do
    if type(key) == "string" and key:sub(1, 2) ~= "__" then names[#names + 1] = key end
  end
  sort(names)
  local lines = {path .. ": " .. #names .. " entries (help(" .. path .. ".NAME) for one)"}
  for _, key in ipairs(names) do
    local value, full = rawget(table_, key), path .. "." .. key
    if type(value) == "table" and getmetatable(value) == nil then
      lines[#lines + 1] = "  " .. full .. "  (namespace)"
    else
      -- A bound function knows its own name (help lives under mv.nn.functional.relu even when reached as mv.nn.F.relu).
      local own = type(value) == "function" and function_name(value) or full
      lines[#lines + 1] = "  " .. (doc_line(own) or doc_line(full) or full)
    end
  end
  return concat(lines, "\n")
end

local overview = [[
MindVis: tensors, autograd, layers, optimizers and the MinD-Vis models, from Lua (indices and dimensions are 1-based).
  help(mv.randn)   help(mv.nn.Linear)   help(t)   help(model)   help "Tensor:matmul"   help(mv.nn)
namespaces:]]

local function text_for(x)
  if x == nil then
    local lines = {overview}
    local names = {}
    for key, value in pairs(mv) do
      if type(value) == "table" and getmetatable(value) == nil then names[#names + 1] = "mv." .. key end
    end
    sort(names)
    lines[#lines + 1] = "  mv  " .. concat(names, "  ")
    lines[#lines + 1] = "types: help \"Tensor\", help \"Module\" (or help(obj) on any object). The whole API: docs/API.md."
    return concat(lines, "\n")
  end
  local kind = type(x)
  if kind == "string" then
    local text = doc_text(x)
    if text then return text end
    if type_summary(x) or debug.getregistry()[x] and rawget(debug.getregistry()[x], "__methods") then return type_help(x) end
    local value = mv
    for part in x:gmatch("[^.]+") do
      if part ~= "mv" or value ~= mv then value = type(value) == "table" and rawget(value, part) or nil end
    end
    if x:match("^mv[.%w_]*$") and value ~= nil then return text_for(value) end
    return "no help for '" .. x .. "' (try help(), or a value: help(mv.nn.Linear))"
  elseif kind == "function" then
    local name = function_name(x) or path_in_mv(x) or method_name(x)
    local text = name and doc_text(name)
    if text then return text end
    return name and ("no help for '" .. name .. "' yet") or "a Lua function (not part of the mv API)"
  elseif kind == "userdata" then
    local mt = getmetatable(x)
    local name = type(mt) == "table" and rawget(mt, "__name")
    -- MindVis types keep their methods in __methods; another library's userdata (a FILE*) has a __name only.
    if type(name) == "string" and type(rawget(mt, "__methods")) ~= "table" then
      return "a userdata value of type " .. name .. " (not a MindVis object)"
    end
    if type(name) == "string" then
      local ok, constructor = pcall(constructor_help, x, name)
      -- A module prints as "Name(" followed by its children: its first line without the bracket names it.
      local first = tostring(x):match("^[^\n]*"):gsub("%($", "")
      local made_by = ok and constructor and (first .. ", made by:\n" .. constructor .. "\n\n") or ""
      return made_by .. type_help(name)
    end
    return "a userdata value (not a MindVis object)"
  elseif kind == "table" then
    local core = rawget(x, "__core")
    if core ~= nil then
      local class = getmetatable(x)
      local lines = {"a module written in Lua (class " .. tostring(rawget(class, "__name")) .. "): " .. tostring(x)}
      lines[#lines + 1] = type_help("Module")
      return concat(lines, "\n")
    end
    local path = path_in_mv(x)
    if path or x == mv then return namespace_help(x, path or "mv") end
    local n = 0
    for _ in pairs(x) do n = n + 1 end
    return "a table with " .. n .. " entries"
  end
  return "a " .. kind .. " value"
end

-- help() is the overview; help(mv.eval.scroe) passes a nil too, which must not look like a request for it.
local function text_of_arguments(...)
  if select("#", ...) > 0 and (...) == nil then
    return "help got nil: the value you named does not exist (a misspelt name?). help() gives the overview."
  end
  return text_for((...))
end

-- io.write, so the text goes wherever io.output() points (a script may capture it).
function mv.help(...)
  io.write(text_of_arguments(...), "\n")
end

mv.help_text = text_of_arguments

rawset(_G, "help", mv.help)
