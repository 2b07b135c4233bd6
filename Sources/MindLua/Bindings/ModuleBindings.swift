import CLua
import LuaShim
import MindTensor

/// The `Module` userdata type: every Swift module (`Linear`, `TransformerBlock`, the models) appears in Lua as a
/// `Module`, with PyTorch's methods over the engine's ordered registry of parameters, buffers and children:
/// `parameters()`, `named_parameters()` (name -> tensor, plus the names in order), `parameter_names()`,
/// `state_dict()`, `load_state_dict(sd [, {strict, prefix}])` -> missing, unexpected, `train([b])`, `eval()`,
/// `training`, `children()`, `named_children()`, `modules()`, `named_modules()`, `num_parameters()`,
/// `zero_grad()`, `get_submodule(path)`, `get_parameter(path)`, calling (`m(x)`) and printing the module tree.
/// A module pushed with `push(module:)` also exposes its children and parameters as read-only fields
/// (`block.attn.qkv.weight`, `seq[1]` for children named "0", "1", ...).
///
/// Binding a model with extra methods (the lead's MAE/UNet): a subtype whose parent is `moduleType`,
///
///     let maeType = LuaUserdataType<MAE>(name: "MAE", parent: ModuleBindings.moduleType)
///         .bound("forward_encoder") { mae, args in ... }
///         .call { mae, args in ... }            // replaces the generic one-tensor __call
///     try state.register(maeType)
///     ... return try args.returning(module: mae)
public enum ModuleBindings: LuaBindingSet {
    static let installOrder = LuaInstallOrder.module

    public static let moduleType: LuaUserdataType<Module> = {
        let type = LuaUserdataType<Module>(name: "Module", doc: "a layer or model: named parameters, buffers and child modules, with PyTorch's methods")
        type.method("parameters", doc: """
            m:parameters() -> {Tensor, ...}
            Every parameter (frozen ones too), each once, in registration order (PyTorch's order): what optimizers take.
            """) { m, args in try args.returning(tensors: m.parameters()) }
        type.method("named_parameters", doc: """
            m:named_parameters() -> {name = Tensor, ...}, {names in order}
            Parameters by dotted name (blocks.1.attn.qkv.weight, PyTorch's names), and the names in registration order.
            """) { m, args in try args.returning(named: m.namedParameters()) }
        type.method("parameter_names", doc: """
            m:parameter_names() -> {string, ...}
            The dotted parameter names in registration order.
            """) { m, args in try args.returning(m.namedParameters().map(\.name)) }
        type.method("named_buffers", doc: """
            m:named_buffers() -> {name = Tensor, ...}, {names}
            Buffers (non-trainable state such as running statistics) by dotted name.
            """) { m, args in try args.returning(named: m.namedBuffers()) }
        // Detached like PyTorch's state_dict(): the same storage, no autograd.
        type.method("state_dict", doc: """
            m:state_dict() -> {name = Tensor, ...}
            Parameters and persistent buffers by dotted name, sharing storage with the module (mv.save writes it).
            """) { m, args in try args.returning(named: m.stateDict().map { ($0.name, $0.tensor.detach()) }) }
        type.bound("load_state_dict", doc: """
            m:load_state_dict(state_dict [, options]) -> missing, unexpected
            Copies tensors by name into the module (shapes must match; nothing changes if any check fails); returns the arrays of missing and unexpected names.
            strict = true  -- missing or unexpected names are an error
            prefix = ""  -- prepended to every name looked up (e.g. "model.diffusion_model.")
            """) { m, args in
            let state = try args.namedTensors(1, "state_dict")
            let options = try args.options(2)
            let (missing, unexpected) = try m.loadStateDict(state, strict: try options.bool("strict", default: true),
                                                            prefix: try options.string("prefix", default: ""))
            return try args.returning(missing, unexpected)
        }
        type.method("train", doc: """
            m:train([mode]) -> m
            Switches the module and its children to training mode (dropout active), or to evaluation mode with train(false).
            """) { m, args in
            m.train(try args.optionalBool(1, "mode") ?? true)
            return try args.returning(module: m)
        }
        type.method("eval", doc: """
            m:eval() -> m
            Switches the module and its children to evaluation mode (dropout off).
            """) { m, args in
            m.eval()
            return try args.returning(module: m)
        }
        // With a setter the type gets a __newindex, so `m.x = 1` reports "Module has no settable field 'x'".
        type.property("training", doc: """
            m.training -> boolean
            Whether the module is in training mode (switched by train() and eval()).
            """, get: { m, args in try args.returning(m.isTraining) },
                      set: { _, args in throw args.error("switched by train() and eval()") })
        type.method("children", doc: """
            m:children() -> {Module, ...}
            The direct child modules in registration order.
            """) { m, args in try args.returning(modules: m.children.map(\.module)) }
        type.method("named_children", doc: """
            m:named_children() -> {name = Module, ...}, {names}
            The direct child modules by name.
            """) { m, args in try args.returning(namedModules: m.children.map { ($0.name, $0.module) }) }
        type.method("modules", doc: """
            m:modules() -> {Module, ...}
            The module itself and every descendant, depth-first (PyTorch's order).
            """) { m, args in try args.returning(modules: m.namedModules().map(\.module)) }
        type.method("named_modules", doc: """
            m:named_modules() -> {name = Module, ...}, {names}
            The module ("" is itself) and every descendant by dotted name.
            """) { m, args in try args.returning(namedModules: m.namedModules()) }
        type.method("num_parameters", doc: """
            m:num_parameters([trainable_only]) -> integer
            The number of parameter elements, or only of those that receive gradients.
            """) { m, args in
            let trainableOnly = try args.optionalBool(1, "trainable_only") ?? false
            return try args.returning((trainableOnly ? m.trainableParameters() : m.parameters()).reduce(0) { $0 + $1.numel })
        }
        type.method("requires_grad_", doc: """
            m:requires_grad_([flag]) -> m
            Sets whether every parameter receives gradients (default true), as PyTorch; true includes fixed tables such as sin-cos positions.
            Autograd records nothing for a frozen subgraph, so frozen layers cost no weight gradients.
            """) { m, args in
            m.requiresGrad(try args.optionalBool(1, "flag") ?? true)
            return try args.returning(module: m)
        }
        type.method("freeze", doc: """
            m:freeze() -> m
            No parameter of m receives gradients (m:requires_grad_(false)); optimizers skip parameters without gradients.
            """) { m, args in
            m.freeze()
            return try args.returning(module: m)
        }
        type.method("unfreeze", doc: """
            m:unfreeze() -> m
            Every parameter of m receives gradients again (m:requires_grad_(true)).
            """) { m, args in
            m.unfreeze()
            return try args.returning(module: m)
        }
        type.method("zero_grad", doc: """
            m:zero_grad()
            Forgets the gradients of every parameter (sets .grad to nil).
            """) { m, args in
            for p in m.parameters() { p.grad = nil }
            return .none
        }
        type.method("get_submodule", doc: """
            m:get_submodule(path) -> Module
            The descendant at a dotted path ("blocks.0.attn").
            """) { m, args in
            let path = try args.string(1, "path")
            guard let found = m.namedModules().first(where: { $0.name == path }) else {
                throw args.error("no submodule '\(path)' in \(displayName(m))")
            }
            return try args.returning(module: found.module)
        }
        type.method("get_parameter", doc: """
            m:get_parameter(path) -> Tensor
            The parameter at a dotted path ("blocks.0.attn.qkv.weight").
            """) { m, args in
            let path = try args.string(1, "path")
            guard let found = m.namedParameters().first(where: { $0.name == path }) else {
                throw args.error("no parameter '\(path)' in \(displayName(m))")
            }
            return try args.returning(tensor: found.tensor)
        }
        type.call { m, args in try ModuleCall.call(m, args.renamed(displayName(m))) }
        type.toString { tree($0) }
        return type
    }()

    public static func install(_ state: LuaState) throws {
        try state.register(moduleType)
        try state.bind("mv.nn", "is_module", doc: """
            mv.nn.is_module(value) -> boolean
            Whether value is a module (a Swift layer or model, or an object of a class made with mv.nn.class).
            """) { args in
            try args.returning(args.count >= 1 && (try? args.module(1)) != nil)
        }
    }

    /// `Linear`, `ModuleList` (without its generic parameter), or a Lua class name.
    static func displayName(_ module: Module) -> String {
        let name = module.typeName
        return name.firstIndex(of: "<").map { String(name[..<$0]) } ?? name
    }

    /// PyTorch's module printing: `Name(summary)` for a leaf; otherwise each child on its own line as
    /// `(name): ...`, indented by two spaces per level. Children of lists (PyTorch names "0", "1", ...) print as
    /// `[1]: ...`, the index Lua reads them with (`seq[1]`); state-dict names stay PyTorch's (`0.weight`).
    static func tree(_ module: Module) -> String {
        let head = displayName(module) + "("
        if module.children.isEmpty { return head + module.summary + ")" }
        var lines = [head]
        if !module.summary.isEmpty { lines.append("  " + module.summary) }
        for (name, child) in module.children {
            let label = Int(name).map { "[\($0 + 1)]" } ?? "(\(name))"
            lines.append("  \(label): " + tree(child).replacingOccurrences(of: "\n", with: "\n  "))
        }
        lines.append(")")
        return lines.joined(separator: "\n")
    }
}

extension LuaArgs {
    /// Pushes a module: a Lua-defined module as its Lua object; a Swift module as userdata whose parameters,
    /// buffers and children are readable fields (filled in the first time this userdata is created).
    public func push(module: Module) throws {
        try ensureStack(4)
        try push(object: module)
        let fieldsType = lua_getiuservalue(L, -1, 1)
        if module is ScriptModule {
            // The user value of a Lua module's core is the Lua object itself.
            if fieldsType == LUA_TTABLE { mv_remove(L, -2) } else { mv_pop(L, 1) }
            return
        }
        mv_pop(L, 1)
        guard fieldsType == LUA_TNIL else { return }
        lua_createtable(L, 0, Int32(clamping: module.ownParameters.count + module.ownBuffers.count + module.children.count))
        for (name, tensor) in module.ownParameters.map({ ($0.name, $0.tensor) }) + module.ownBuffers.map({ ($0.name, $0.tensor) }) {
            try push(object: tensor)
            mv_mark_module_part(L, -1)
            LuaStack.rawSet(L, table: -2, key: name)
        }
        for (name, child) in module.children {
            try push(module: child)
            mv_mark_module_part(L, -1)
            if let position = Int(name), position >= 0, position < Int(Int32.max) {
                lua_pushvalue(L, -1)
                lua_rawseti(L, -3, lua_Integer(position + 1))
            }
            LuaStack.rawSet(L, table: -2, key: name)
        }
        _ = lua_setiuservalue(L, -2, 1)
    }

    public func returning(module: Module) throws -> LuaReturn {
        try push(module: module)
        return LuaReturn(count: 1)
    }

    func returning(modules: [Module]) throws -> LuaReturn {
        try pushSequence(count: modules.count) { position in try push(module: modules[position - 1]) }
        return LuaReturn(count: 1)
    }

    /// `{name = module, ...}` and the names in order.
    func returning(namedModules: [(name: String, module: Module)]) throws -> LuaReturn {
        try ensureStack(4)
        try pushTable(count: namedModules.count) { set in
            for (name, module) in namedModules { try set(name) { try push(module: module) } }
        }
        try push(namedModules.map(\.name))
        return LuaReturn(count: 2)
    }

    /// A module argument: a Swift module's userdata, or a module written in Lua (read through its core).
    public func module(_ i: Int, _ name: String? = nil) throws -> Module {
        let slot = slot(i, name)
        if slot.typeCode == LUA_TTABLE {
            try ensureStack(1)
            LuaStack.rawGet(L, table: slot.index, key: "__core")
            defer { mv_pop(L, 1) }
            if case .object(let core) = LuaBoundObject.resolve(L, lua_gettop(L), as: ScriptModule.self) { return core }
            throw slot.mismatch("a module")
        }
        guard slot.typeCode == LUA_TUSERDATA else { throw slot.mismatch("a module") }
        return try slot.object(Module.self)
    }

    /// A table `{name = tensor, ...}` (a state dict) as name/tensor pairs, keys in sorted order.
    public func namedTensors(_ i: Int, _ name: String) throws -> [(name: String, tensor: Tensor)] {
        let value = try value(i, name)
        let entries: [LuaTableEntry]
        switch value {
        case .table(let items): entries = items
        case .array(let items) where items.isEmpty: entries = []
        default: throw argumentError(i, name, expected: "a table of name = Tensor")
        }
        return try entries.map { entry in
            guard case .string(let key) = entry.key else {
                throw argumentError(i, name, expected: "string keys (names), found key \(entry.key)")
            }
            guard case .object(let object) = entry.value, let tensor = object as? Tensor else {
                throw error("argument #\(i) '\(name)' at [\(LuaStack.quoted(key))]: expected a Tensor, got \(LuaArgs.kind(of: entry.value))")
            }
            return (key, tensor)
        }
    }

    /// A short description of a converted value for messages: `3`, `string "x"`, `table`, `Module`.
    static func kind(of value: LuaValue) -> String {
        switch value {
        case .nil: return "nil"
        case .boolean(let b): return String(b)
        case .integer(let i): return String(i)
        case .number(let d): return String(d)
        case .string(let text): return "string " + LuaStack.quoted(text)
        case .array, .table: return "table"
        case .object(let object): return String(describing: Swift.type(of: object))
        }
    }
}
