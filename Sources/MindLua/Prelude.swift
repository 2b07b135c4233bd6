/// Lua-side helpers of the `mv` module that are simplest written in Lua. The prelude runs like any chunk (under
/// `lua_pcall`) and only uses the ordinary Lua API, so it cannot bypass the boundary rules.
enum Prelude {
    static func install(into state: LuaState) throws {
        try state.run(chunk: EmbeddedLua.prelude.text, name: EmbeddedLua.prelude.name)
    }
}
