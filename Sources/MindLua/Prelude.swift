/// Lua-side helpers of the `mv` module that are simplest written in Lua. The prelude runs like any chunk (under
/// `lua_pcall`) and only uses the ordinary Lua API, so it cannot bypass the boundary rules.
enum Prelude {
    static func install(into state: LuaState) throws {
        try state.run(chunk: EmbeddedLua.prelude.text, name: EmbeddedLua.prelude.name)
        try state.document("mv.class", """
            mv.class(name [, parent]) -> class
            A plain Lua class: Class(...) makes an instance and runs Class:__init(...); methods are looked up in the class, then its ancestors.
            parent must come from mv.class; Class.super is the parent.
            Metamethods (__tostring, __add, ...) the parent has when the class is made are inherited.
            For neural-network modules use mv.nn.class (parameters and children register themselves).
            """)
        try state.document("mv.isinstance", """
            mv.isinstance(value, class) -> boolean
            Whether value was made by class or by a subclass of it (class must come from mv.class).
            """)
    }
}
