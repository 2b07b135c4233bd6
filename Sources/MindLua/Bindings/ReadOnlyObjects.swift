/// Assigning a field of a MindVis object without settable fields (`opt.lr = 1`, `ema.decay = 0.5`) raises
/// "<Type> has no settable field 'lr'" rather than Lua's "attempt to index a <Type> value". Runs after the other
/// installers and gives every bound type registered so far (their metatables carry `__methods`) a `__newindex`
/// if it has none; types with settable properties already have one.
enum ReadOnlyObjects {
    static let luaSource = #"""
    local error, format, rawget, tostring, type, pairs = error, string.format, rawget, tostring, type, pairs
    for name, mt in pairs(debug.getregistry()) do
      if type(name) == "string" and type(mt) == "table" and rawget(mt, "__methods") ~= nil and rawget(mt, "__newindex") == nil then
        mt.__newindex = function(_, key)
          error(format("%s has no settable field '%s'", name, tostring(key)), 2)
        end
      end
    end
    """#

    static func install(_ state: LuaState) throws {
        try LuaLibraryChunk.run(state, source: luaSource, name: "=[mindvis read-only objects]")
    }
}
