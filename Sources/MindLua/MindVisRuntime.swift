import LuaShim
import MindTensor

/// The `mv` module and the interpreter every entry point (script, -e, REPL, batch child) starts from.
public enum MindVisRuntime {
    public static let version = "0.1.0"

    /// One line about the BLAS library in use, for `mindvis --version`; the tensor engine installs the real one.
    public static var blasInfoProvider: () -> String = { BLAS.summary }

    /// Every `LuaBindingSet` of MindLua in install order (found at build time: binding files need no list).
    static let bindingSets: [any LuaBindingSet.Type] = GeneratedBindingSets.all.sorted {
        ($0.installOrder, String(describing: $0)) < ($1.installOrder, String(describing: $1))
    }

    /// `mindvis 0.1.0`, the Lua release, the BLAS line.
    public static var versionText: String {
        "mindvis \(version)\n\(String(cString: mv_lua_release()))\n\(blasInfoProvider())"
    }

    /// A state with the standard libraries, the `mv` table (also `require "mindvis"`), the prelude and all bindings.
    public static func makeState() throws -> LuaState {
        let state = LuaState()
        try state.bind("mv", "version", doc: """
            mv.version() -> string
            The MindVis version, e.g. "\(version)" (mindvis --version also names the Lua release and the BLAS library).
            """) { args in try args.returning(version) }
        try Prelude.install(into: state)
        for set in bindingSets { try set.install(state) }
        // Last: the library chunks above are loaded through a binary (stripped) load, which this refuses from then on.
        try LuaLibraryChunk.run(state, EmbeddedLua.textOnlyChunks)
        return state
    }
}
