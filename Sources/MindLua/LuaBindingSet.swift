/// A group of bindings installed into every new interpreter. Declaring a type as conforming is all it takes: the
/// MindLuaCodegen build plugin lists every conformer of the target at build time (`GeneratedBindingSets`), and
/// `MindVisRuntime` installs them by `installOrder`, then by name. Adding a layer or a model with its Lua binding
/// therefore touches that binding's own file, never a central list.
protocol LuaBindingSet {
    /// Lower values install first: sets other sets build on (the Tensor and Module types) come early, the
    /// read-only guard over every registered type last.
    static var installOrder: Int { get }
    static func install(_ state: LuaState) throws
}

extension LuaBindingSet {
    static var installOrder: Int { 0 }
}

/// Install orders of the sets that others depend on.
enum LuaInstallOrder {
    static let tensor = -20
    static let module = -10
    /// After every Swift binding of `mv.nn` (the Lua classes use `mv.nn.is_module` and wrap layers).
    static let luaModules = 10
    static let last = 1000
}
