/// Assigning a field of a MindVis object without settable fields (`opt.lr = 1`, `ema.decay = 0.5`) raises
/// "<Type> has no settable field 'lr'" rather than Lua's "attempt to index a <Type> value". Runs after the other
/// installers and gives every bound type registered so far (their metatables carry `__methods`) a `__newindex`
/// if it has none; types with settable properties already have one.
enum ReadOnlyObjects: LuaBindingSet {
    static let installOrder = LuaInstallOrder.last

    static func install(_ state: LuaState) throws {
        try LuaLibraryChunk.run(state, EmbeddedLua.readOnlyObjects)
    }
}
