/// Runs Lua source that is part of the `mv` library (the tensor `__index`, the grad-mode guards, the module
/// classes) the way C library functions behave: compiled, then stripped of debug information before it runs.
/// The C trampoline attributes a Swift function's error to the first calling frame that has line information, so
/// errors raised by bindings these functions call point at the user's line, not at library internals; Lua errors
/// raised with `error(message, 2)` inside them name the user's line as usual.
enum LuaLibraryChunk {
    static func run(_ state: LuaState, _ source: LuaSource) throws {
        try state.run(chunk: """
            local source, name = ...
            local compiled = assert(load(source, name, "t"))
            return assert(load(string.dump(compiled, true), name, "b"))()
            """, name: "=[mindvis library loader]", arguments: [.string(source.text), .string(source.name)])
    }
}

/// A chunk of the `mv` library written in Lua (`Sources/MindLua/Lua/*.lua`), embedded in the binary at build time
/// by the MindLuaCodegen plugin (`EmbeddedLua`).
struct LuaSource {
    /// The chunk name errors and tracebacks show: `=[mindvis module_class.lua]`.
    let name: String
    let text: String
}
