-- luacheck's settings for scripts/lint: the Lua library compiled into mindvis and the examples.
std = "lua54"
globals = {"mv", "help"}         -- the library fills mv and defines help; examples read them
max_line_length = false
-- Methods keep `self` in their signatures even when a class's version ignores it (Module:forward's default).
files["Sources/MindLua/Lua"] = {ignore = {"212/self"}}
