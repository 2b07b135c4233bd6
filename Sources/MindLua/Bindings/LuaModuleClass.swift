import CLua
import LuaShim
import MindTensor

/// The Swift side of a module written in Lua: a `Module` whose parameters, buffers and children are registered
/// from Lua, in assignment order, so every tree query (`parameters()`, dotted `named_parameters()`,
/// `state_dict()`, `load_state_dict()`, `train()`/`eval()`, printing) is the engine's own. Its Lua userdata (the
/// "core") has the Lua module object as its user value: a cycle inside Lua, which the collector can free.
final class ScriptModule: Module {
    let className: String

    init(className: String) {
        self.className = className
        super.init()
    }

    override var typeName: String { className }

    func addModule(_ name: String, _ module: Module) throws {
        try checkNewName(name)
        guard module !== self, !module.namedModules().contains(where: { $0.module === self }) else {
            throw LuaBindingError("\(className): registering '\(name)' would make it contain itself")
        }
        registerModule(name, module)
    }

    func addParameter(_ name: String, _ tensor: Tensor, trainable: Bool) throws {
        try checkNewName(name)
        do {
            try registerParameter(name, tensor, trainable: trainable)
        } catch let error as TensorError {
            throw LuaBindingError("\(className): \(error)")
        }
    }

    func addBuffer(_ name: String, _ tensor: Tensor, persistent: Bool) throws {
        try checkNewName(name)
        registerBuffer(name, tensor, persistent: persistent)
    }

    /// Names become path components of dotted names, so they cannot be empty, contain '.', or repeat.
    private func checkNewName(_ name: String) throws {
        guard !name.isEmpty, !name.contains(".") else {
            throw LuaBindingError("\(className): invalid name \(LuaStack.quoted(name)) (names are non-empty and contain no '.')")
        }
        let taken = ownParameters.map(\.name) + ownBuffers.map(\.name) + children.map(\.name)
        guard !taken.contains(name) else { throw LuaBindingError("\(className): '\(name)' is already registered") }
    }
}

/// Modules written in Lua, and the containers built the same way:
///
///     local MLP = mv.nn.Module:extend("MLP")            -- or mv.nn.class("MLP" [, parent])
///     function MLP:__init(d, hidden)
///       self.fc1 = mv.nn.Linear(d, hidden)              -- sub-modules and mv.nn.Parameter(t) values assigned to
///       self.fc2 = mv.nn.Linear(hidden, d)              -- fields are registered, in assignment order
///       self.scale = mv.nn.Parameter(mv.ones(d))
///     end
///     function MLP:forward(x) return self.fc2(self.fc1(x):gelu()) * self.scale end
///     local net = mv.nn.Sequential(MLP(8, 32), mv.nn.LayerNorm(8))   -- children "0", "1"; net[1] is the MLP
///
/// A module object is a Lua table whose fields live in a hidden table, so every assignment passes `__newindex`:
/// registered names cannot be reassigned to something else (PyTorch would replace; the engine's registry only
/// appends), other values are plain fields. Calling the object runs `forward`; gradients come from the tape.
/// `mv.nn.Parameter(t [, requires_grad])` marks a tensor (a detached leaf sharing t's storage) as a parameter;
/// `self:register_buffer(name, t [, persistent])` adds a buffer. `mv.nn.ModuleList` holds modules for the owner to
/// call (`list[i]`, `#list`, `ipairs`, `append`).
enum LuaModuleClass: LuaBindingSet {
    static let installOrder = LuaInstallOrder.luaModules

    static let coreType: LuaUserdataType<ScriptModule> = {
        let type = LuaUserdataType<ScriptModule>(name: "LuaModule", parent: ModuleBindings.moduleType)
        type.method("__add_module") { core, args in
            try core.addModule(try args.string(1, "name"), try args.module(2, "module"))
            return .none
        }
        type.method("__add_parameter") { core, args in
            try core.addParameter(try args.string(1, "name"), try args.tensor(2, "parameter"),
                                  trainable: try args.optionalBool(3, "requires_grad") ?? true)
            return .none
        }
        type.method("__add_buffer") { core, args in
            try core.addBuffer(try args.string(1, "name"), try args.tensor(2, "tensor"),
                               persistent: try args.optionalBool(3, "persistent") ?? true)
            return .none
        }
        return type
    }()

    static func install(_ state: LuaState) throws {
        try state.register(coreType)
        // new_module_core(class_name, object): the core whose user value is the Lua object. Handed to the library
        // chunk below through a global it removes at once.
        try state.register(table: "mindvis_internal", name: "new_module_core") { args in
            let className = try args.string(1, "class_name")
            guard args.type(2) == .table else { throw args.argumentError(2, "object", expected: "a table") }
            try args.push(object: ScriptModule(className: className))
            lua_pushvalue(args.L, args.slot(2, nil).index)
            _ = lua_setiuservalue(args.L, -2, 1)
            return LuaReturn(count: 1)
        }
        try LuaLibraryChunk.run(state, EmbeddedLua.moduleClass)
        try documentLuaMethods(state)
    }


    /// Help of the methods and functions module_class.lua defines.
    private static func documentLuaMethods(_ state: LuaState) throws {
        try state.document("Module:apply", """
            m:apply(fn) -> m
            Calls fn(module) for every module of the tree, children before their parent (PyTorch's order), e.g. to re-initialise weights.
            """)
        try state.document("Module:parameters_matching", """
            m:parameters_matching(patterns) -> {Tensor, ...}, {names}
            The parameters whose dotted name matches any of the Lua patterns, each once, in registration order, with their names.
            Builds optimizer groups from names: ldm:parameters_matching{"attn2", "transformer_blocks%.%d+%.norm2", "time_embed_condtion"}.
            """)
        try state.document("mv.nn.Parameter", """
            mv.nn.Parameter(tensor [, requires_grad]) -> Tensor
            Marks a tensor (a detached leaf sharing its storage) as a parameter: assigned to a field of a Lua module it is registered under that name.
            """)
        try state.document("mv.nn.is_parameter", """
            mv.nn.is_parameter(value) -> boolean
            Whether value was made by mv.nn.Parameter.
            """)
        try state.document("mv.nn.class", """
            mv.nn.class(name [, parent]) -> class
            A module class written in Lua: define Class:__init(...) (assign layers and mv.nn.Parameter values to fields; they register in assignment order) and Class:forward(...); Class(...) makes a module.
            Equivalent to parent:extend(name); gradients come from autograd, no backward to write.
            """)
        try state.document("mv.nn.isinstance", """
            mv.nn.isinstance(value, class) -> boolean
            Whether value is a module of class (or of a subclass).
            """)
        try state.document("mv.nn.Sequential", """
            mv.nn.Sequential(m1, m2, ...) -> Module
            Applies its modules in order; children are named "0", "1", ... as in PyTorch and read as seq[1], seq[2], ... (seq[-1] is the last); seq:add(m) appends.
            """)
        try state.document("mv.nn.ModuleList", """
            mv.nn.ModuleList([modules]) -> Module
            Holds modules for their owner to call: list[i], #list, ipairs(list), list:append(m); named "0", "1", ... in state dicts.
            """)
        try state.document("mv.nn.Module", """
            mv.nn.Module
            The base class of modules written in Lua: local MLP = mv.nn.Module:extend("MLP") (see help(mv.nn.class)).
            """)
    }
}
