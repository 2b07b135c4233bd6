import CLua
import LuaShim

/// Lua events a userdata type can implement with a plain function (no `self` unwrapping, because for binary
/// operators the object may be either operand: `2 * t` calls `__mul(2, t)`).
public enum LuaMetamethod: String {
    case add = "__add", sub = "__sub", mul = "__mul", div = "__div", mod = "__mod", pow = "__pow"
    case unm = "__unm", idiv = "__idiv", band = "__band", bor = "__bor", bxor = "__bxor", shl = "__shl"
    case shr = "__shr", bnot = "__bnot", concat = "__concat", eq = "__eq", lt = "__lt", le = "__le"
}

/// A member of a userdata type's methods table.
enum LuaMember {
    case swift(LuaFunctionBox)
    /// The C `free` method: releases the Swift object now.
    case free
}

/// The type-erased part of `LuaUserdataType`, so that types can name their parent type.
public class AnyLuaUserdataType {
    /// The metatable's `__name`: used in Lua's own messages, `tostring` and MindLua's errors.
    public let name: String
    let classIdentifier: ObjectIdentifier
    let parent: AnyLuaUserdataType?
    var methods: [(String, LuaMember)] = []
    var getters: [(String, LuaFunctionBox)] = []
    var setters: [(String, LuaFunctionBox)] = []
    var metamethods: [(String, LuaFunctionBox)] = []
    /// Whether Lua code may store its own fields on objects (kept in the userdata's user value table).
    public var allowsLuaFields = false

    init(name: String, classIdentifier: ObjectIdentifier, parent: AnyLuaUserdataType?) {
        self.name = name
        self.classIdentifier = classIdentifier
        self.parent = parent
    }

    /// This type and its ancestors, root first (so a subclass's members override its parent's).
    var lineage: [AnyLuaUserdataType] {
        var chain: [AnyLuaUserdataType] = []
        var current: AnyLuaUserdataType? = self
        while let type = current {
            chain.insert(type, at: 0)
            current = type.parent
        }
        return chain
    }
}

/// How instances of a Swift class appear in Lua: an 8-byte full userdata holding `Unmanaged.passRetained(object)`
/// with one metatable per type (`__name`, `__index` methods, `__gc` and `__close` releasing the object, optional
/// `__tostring`, `__len`, `__call`, operators, properties and a `free` method). After `__gc`, `__close` or `free`
/// the stored pointer is nulled and any later use raises "attempt to use a freed <Type>".
///
///     let counterType = LuaUserdataType<Counter>(name: "Counter")
///         .method("add") { counter, args in counter.value += try args.integer(1, "n"); return .none }
///         .toString { "Counter(\($0.value))" }
///     try state.register(counterType)
///
/// Define everything before registering the type in a state: registration copies the definition.
/// `deinit` of a bound class runs inside the Lua collector and must not call into Lua.
public final class LuaUserdataType<Object: AnyObject>: AnyLuaUserdataType {
    /// `parent` is the bound type of a superclass of `Object`; its methods, properties and metamethods are
    /// inherited (and accept instances of `Object`).
    /// `doc` is the one-line summary `help(obj)` prints above the type's methods.
    public init(name: String, parent: AnyLuaUserdataType? = nil, doc: String? = nil) {
        super.init(name: name, classIdentifier: ObjectIdentifier(Object.self), parent: parent)
        LuaDocRegistry.shared.addType(name, summary: doc, parent: parent?.name)
    }

    /// A method `obj:name(...)`; `args` numbers the arguments after `self` from 1. `doc` is its help (`LuaDoc`).
    @discardableResult
    public func method(_ method: String, doc: String? = nil, _ body: @escaping (Object, LuaArgs) throws -> LuaReturn) -> Self {
        if let doc { LuaDocRegistry.shared.add("\(name):\(method)", doc) }
        methods.append((method, .swift(selfMethod("\(name):\(method)", body))))
        return self
    }

    /// `obj:free()`: releases the Swift object immediately, like leaving the scope of `local obj <close>`.
    @discardableResult
    public func freeMethod(named method: String = "free") -> Self {
        methods.append((method, .free))
        return self
    }

    /// A property `obj.name` computed by `get` (which pushes one value); `set` handles `obj.name = value`
    /// (the value is argument #1), otherwise the property is read-only.
    @discardableResult
    public func property(_ property: String, doc: String? = nil, get: @escaping (Object, LuaArgs) throws -> LuaReturn,
                         set: ((Object, LuaArgs) throws -> Void)? = nil) -> Self {
        if let doc { LuaDocRegistry.shared.add("\(name).\(property)", doc) }
        getters.append((property, selfMethod("\(name).\(property)", get)))
        if let set {
            setters.append((property, selfMethod("\(name).\(property)", { object, args in
                try set(object, args)
                return .none
            })))
        }
        return self
    }

    /// `tostring(obj)`; a freed object prints as `<Type> (freed)`.
    @discardableResult
    public func toString(_ body: @escaping (Object) throws -> String) -> Self {
        let typeName = name
        metamethods.append(("__tostring", LuaFunctionBox(name: "\(name):__tostring", selfOffset: 1) { args in
            switch LuaBoundObject.resolve(args.L, 1, as: Object.self) {
            case .object(let object): return try args.returning(try body(object))
            case .freed: return try args.returning("\(typeName) (freed)")
            case .mismatch: return try args.returning(LuaStack.describe(args.L, 1))
            }
        }))
        return self
    }

    /// `#obj`.
    @discardableResult
    public func length(_ body: @escaping (Object) throws -> Int) -> Self {
        metamethods.append(("__len", selfMethod("\(name):__len") { object, args in try args.returning(try body(object)) }))
        return self
    }

    /// `obj(...)`, e.g. a module's forward; `args` numbers the call's arguments from 1.
    @discardableResult
    public func call(_ body: @escaping (Object, LuaArgs) throws -> LuaReturn) -> Self {
        metamethods.append(("__call", selfMethod("\(name):__call", body)))
        return self
    }

    /// An operator or comparison; the closure reads both operands itself (`args.type(1) == .number` ...).
    @discardableResult
    public func metamethod(_ event: LuaMetamethod, _ body: @escaping (LuaArgs) throws -> LuaReturn) -> Self {
        metamethods.append((event.rawValue, LuaFunctionBox(name: "\(name).\(event.rawValue)", selfOffset: 0, body: body)))
        return self
    }

    private func selfMethod(_ qualifiedName: String,
                            _ body: @escaping (Object, LuaArgs) throws -> LuaReturn) -> LuaFunctionBox {
        LuaFunctionBox(name: qualifiedName, selfOffset: 1) { args in
            try body(try args.selfObject(as: Object.self), args)
        }
    }
}

extension LuaState {
    /// Creates the type's metatable in this state (its parent's first). Registering a type twice is a no-op; two
    /// different types with the same name are an error.
    public func register(_ type: AnyLuaUserdataType) throws {
        if typesByClass[type.classIdentifier] != nil { return }
        if let parent = type.parent { try register(parent) }
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        guard luaL_newmetatable(L, type.name) != 0 else {
            throw LuaBindingError("a Lua userdata type named '\(type.name)' is already registered")
        }
        let metatable = lua_gettop(L)
        mv_prepare_metatable(L, metatable)

        var methods: [String: LuaMember] = [:], getters: [String: LuaFunctionBox] = [:]
        var setters: [String: LuaFunctionBox] = [:], metamethods: [String: LuaFunctionBox] = [:]
        var allowsLuaFields = false
        for level in type.lineage {
            for (name, member) in level.methods { methods[name] = member }
            for (name, box) in level.getters { getters[name] = box }
            for (name, box) in level.setters { setters[name] = box }
            for (name, box) in level.metamethods { metamethods[name] = box }
            allowsLuaFields = allowsLuaFields || level.allowsLuaFields
        }

        lua_createtable(L, 0, Int32(methods.count))
        let methodsTable = lua_gettop(L)
        for (name, member) in methods {
            switch member {
            case .swift(let box): LuaSwiftCallbacks.pushFunction(L, box)
            case .free: mv_pushcfunction(L, mv_free_userdata)
            }
            LuaStack.rawSet(L, table: methodsTable, key: name)
        }
        let gettersTable = pushFunctionTable(getters)
        // Methods and properties stay reachable for introspection and REPL completion.
        lua_pushvalue(L, methodsTable)
        LuaStack.rawSet(L, table: metatable, key: "__methods")
        lua_pushvalue(L, gettersTable)
        LuaStack.rawSet(L, table: metatable, key: "__properties")

        if getters.isEmpty && !allowsLuaFields {
            lua_pushvalue(L, methodsTable) // fast path: method lookup is a plain table access
        } else {
            lua_pushvalue(L, methodsTable)
            lua_pushvalue(L, gettersTable)
            mv_push_index_handler(L)
        }
        LuaStack.rawSet(L, table: metatable, key: "__index")
        if !setters.isEmpty || allowsLuaFields {
            _ = pushFunctionTable(setters)
            lua_pushvalue(L, methodsTable)
            mv_push_newindex_handler(L, allowsLuaFields ? 1 : 0)
            LuaStack.rawSet(L, table: metatable, key: "__newindex")
        }
        for (event, box) in metamethods {
            LuaSwiftCallbacks.pushFunction(L, box)
            LuaStack.rawSet(L, table: metatable, key: event)
        }

        guard let address = lua_topointer(L, metatable) else { return }
        lua_pushvalue(L, metatable)
        let registered = LuaRegisteredType(name: type.name, metatableReference: luaL_ref(L, mv_registry_index()))
        typesByMetatable[address] = registered
        typesByClass[type.classIdentifier] = registered
    }

    /// Pushes a table name -> Swift function; returns its stack index.
    private func pushFunctionTable(_ functions: [String: LuaFunctionBox]) -> Int32 {
        lua_createtable(L, 0, Int32(functions.count))
        let table = lua_gettop(L)
        for (name, box) in functions {
            LuaSwiftCallbacks.pushFunction(L, box)
            LuaStack.rawSet(L, table: table, key: name)
        }
        return table
    }
}
