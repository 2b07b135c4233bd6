import LuaShim
import MindTensor

/// The `mv` module and the interpreter every entry point (script, -e, REPL, batch child) starts from.
public enum MindVisRuntime {
    public static let version = "0.1.0"

    /// One line about the BLAS library in use, for `mindvis --version`; the tensor engine installs the real one.
    public static var blasInfoProvider: () -> String = { "BLAS: " + BLAS.configuration + "; " + BLAS.threading }

    /// Functions that bind Swift code into a new state, in order. Binding files add themselves here.
    public static var bindingInstallers: [(LuaState) throws -> Void] = [
        TensorBindings.install, ModuleBindings.install, OptimBindings.install,
        FileBindings.install, ScriptArguments.install, ImageBindings.install, DataBindings.install, ModelBindings.install,
        TrainingBindings.install,
        // Last: it covers every type registered before it.
        ReadOnlyObjects.install,
    ]

    /// `mindvis 0.1.0`, the Lua release, the BLAS line.
    public static var versionText: String {
        "mindvis \(version)\n\(String(cString: mv_lua_release()))\n\(blasInfoProvider())"
    }

    /// A state with the standard libraries, the `mv` table (also `require "mindvis"`), the prelude and all bindings.
    public static func makeState() throws -> LuaState {
        let state = LuaState()
        try state.register(table: "mv", name: "version") { args in try args.returning(version) }
        try Prelude.install(into: state)
        for install in bindingInstallers { try install(state) }
        return state
    }
}
