import CLua
import Foundation
import LuaShim

/// An embedded Lua 5.4 interpreter. MindLua is the only code that talks to Lua, and this class owns the
/// `lua_State`: it opens the standard libraries, runs chunks and files under `lua_pcall` with a traceback handler,
/// calls Lua functions, and keeps the registry of Swift functions and userdata types bound into it.
///
/// One thread owns a state (DESIGN.md §2, after the rules): compute threads never touch it.
public final class LuaState {
    /// The main thread. Bound functions use the thread that called them (`LuaArgs`), never this one.
    let L: OpaquePointer
    /// Bound userdata types, found by metatable address (reading) and by Swift class (pushing).
    var typesByMetatable: [UnsafeRawPointer: LuaRegisteredType] = [:]
    var typesByClass: [ObjectIdentifier: LuaRegisteredType] = [:]
    /// Registry reference of the weak-valued table mapping a Swift object's address to its userdata, so pushing the
    /// same object twice gives the same Lua value (identity, `==`, Lua-side fields survive).
    let userdataCacheReference: Int32
    /// Paces the Lua collector to host (tensor) memory; see `LuaMemoryPressure`.
    public let memory = LuaMemoryPressure()
    /// Registry references whose `LuaFunctionRef` died, released on the owning thread at the next boundary crossing.
    private var pendingUnreferences: [Int32] = []
    private let pendingLock = NSLock()

    public init() {
        LuaSwiftCallbacks.install()
        guard let L = mv_newstate() else { fatalError("mindvis: cannot allocate a Lua state") }
        self.L = L
        if mv_openlibs(L) != LUA_OK { fatalError("mindvis: cannot open the Lua standard libraries") }
        // The identity cache: {__mode = "v"} so it never keeps a userdata alive.
        lua_createtable(L, 0, 0)
        lua_createtable(L, 0, 1)
        LuaStack.push(L, "v")
        LuaStack.rawSet(L, table: -2, key: "__mode")
        lua_setmetatable(L, -2)
        userdataCacheReference = luaL_ref(L, mv_registry_index())
        // The extra space of the main thread is copied into every coroutine, so any thread finds its LuaState.
        mv_extraspace(L).storeBytes(of: Unmanaged.passUnretained(self).toOpaque(), as: UnsafeMutableRawPointer.self)
    }

    deinit {
        mindvis_interrupt_detach(L)
        lua_close(L)
    }

    /// The LuaState owning `L` (any of its threads).
    static func owning(_ L: OpaquePointer) -> LuaState {
        let pointer = mv_extraspace(L).load(as: UnsafeMutableRawPointer.self)
        return Unmanaged<LuaState>.fromOpaque(pointer).takeUnretainedValue()
    }

    /// A stack context on the main thread, for Swift-initiated work (pushing globals, calling functions).
    func mainContext(_ name: String = "mindvis") -> LuaArgs {
        LuaArgs(L: L, function: name, selfOffset: 0, count: 0)
    }

    // MARK: Running code

    /// Compiles and runs `chunk`; returns its results. `name` follows Lua's chunk-name conventions
    /// (`"=stdin"`, `"@file.lua"`); by default the source itself is used.
    @discardableResult
    public func run(chunk: String, name: String? = nil, arguments: [LuaValue] = []) throws -> [LuaValue] {
        drainPendingUnreferences()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        if let syntaxError = LuaChunk.load(L, source: chunk, name: name ?? chunk) {
            throw LuaError(message: syntaxError)
        }
        return try callLoadedFunction(arguments: arguments)
    }

    /// Runs the Lua file at `path` (standard input if nil; a leading `#!` line is skipped, as lua(1) does) with
    /// `arguments` as `...`.
    @discardableResult
    public func runFile(_ path: String?, arguments: [LuaValue] = []) throws -> [LuaValue] {
        drainPendingUnreferences()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        if let loadError = LuaChunk.loadFile(L, path: path) { throw LuaError(message: loadError) }
        return try callLoadedFunction(arguments: arguments)
    }

    /// Runs a script as lua(1) does: compiled from `path` (or `chunk`), called with `arguments`, its results
    /// dropped (a script may end in `return f`, which has no Swift value).
    public func runScript(path: String?, chunk: String? = nil, name: String? = nil, arguments: [LuaValue] = []) throws {
        drainPendingUnreferences()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        let loadError = chunk.map { LuaChunk.load(L, source: $0, name: name ?? $0) } ?? LuaChunk.loadFile(L, path: path)
        if let loadError { throw LuaError(message: loadError) }
        try pushArguments(arguments)
        _ = try LuaChunk.protectedCall(L, argumentCount: Int32(arguments.count))
    }

    /// Calls the Lua function `function` with `arguments` under a protected call.
    @discardableResult
    public func call(_ function: LuaFunctionRef, _ arguments: [LuaValue] = []) throws -> [LuaValue] {
        try mainContext().call(function, arguments)
    }

    /// Calls the global function `name` (looked up raw in `_G`).
    @discardableResult
    public func call(global name: String, _ arguments: [LuaValue] = []) throws -> [LuaValue] {
        drainPendingUnreferences()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        LuaStack.pushGlobals(L)
        guard LuaStack.rawGet(L, table: -1, key: name) == LUA_TFUNCTION else {
            throw LuaError(message: "attempt to call global '\(name)' (a \(LuaStack.describe(L, -1)) value)")
        }
        return try callLoadedFunction(arguments: arguments)
    }

    /// Calls the function on top of the stack with `arguments`, converting its results.
    private func callLoadedFunction(arguments: [LuaValue]) throws -> [LuaValue] {
        try pushArguments(arguments)
        let count = try LuaChunk.protectedCall(L, argumentCount: Int32(arguments.count))
        return try mainContext().values(fromTop: count)
    }

    private func pushArguments(_ arguments: [LuaValue]) throws {
        guard lua_checkstack(L, Int32(clamping: arguments.count + 2)) != 0 else {
            throw LuaError(message: "too many arguments for a Lua call (\(arguments.count))")
        }
        let context = mainContext()
        for argument in arguments { try argument.push(to: context) }
    }

    // MARK: Globals and registration

    /// Sets the global `name` (raw, in `_G`).
    public func setGlobal<Value: LuaPushable>(_ name: String, _ value: Value) throws {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        LuaStack.pushGlobals(L)
        try value.push(to: mainContext())
        LuaStack.rawSet(L, table: -2, key: name)
    }

    /// The global `name` (raw, from `_G`) converted to a Swift value.
    public func global(_ name: String) throws -> LuaValue {
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        LuaStack.pushGlobals(L)
        LuaStack.rawGet(L, table: -1, key: name)
        return try mainContext().value(at: lua_gettop(L), context: .global(name))
    }

    /// Pushes the table at the dotted path (`"mv.nn"`), creating missing tables in `_G` (raw access).
    func pushTable(path: String) throws {
        LuaStack.pushGlobals(L)
        for component in path.split(separator: ".", omittingEmptySubsequences: false).map(String.init) {
            guard LuaIdentifier.isValid(component) else {
                mv_pop(L, 1)
                throw LuaBindingError("invalid table path '\(path)'")
            }
            let type = LuaStack.rawGet(L, table: -1, key: component)
            if type == LUA_TNIL {
                mv_pop(L, 1)
                lua_createtable(L, 0, 0)
                lua_pushvalue(L, -1)
                LuaStack.rawSet(L, table: -3, key: component)
            } else if type != LUA_TTABLE {
                mv_pop(L, 2)
                throw LuaBindingError("cannot register into '\(path)': '\(component)' is a \(lua_typename(L, type).map { String(cString: $0) } ?? "value"), not a table")
            }
            mv_remove(L, -2)
        }
    }

    /// Exposes a Swift function to Lua as `<table>.<name>` (the table path is created as needed, e.g. "mv.nn").
    /// The closure may throw: the message becomes a Lua error raised by the C trampoline after the Swift frame
    /// returned (DESIGN.md §2 rule 1).
    public func register(table: String, name: String, _ body: @escaping (LuaArgs) throws -> LuaReturn) throws {
        guard LuaIdentifier.isValid(name) else { throw LuaBindingError("invalid function name '\(name)'") }
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try pushTable(path: table)
        LuaSwiftCallbacks.pushFunction(L, LuaFunctionBox(name: table + "." + name, selfOffset: 0, body: body))
        LuaStack.rawSet(L, table: -2, key: name)
    }

    // MARK: Memory

    /// Bytes currently allocated by the Lua interpreter itself (not host memory behind userdata).
    public var luaMemoryBytes: Int { Int(mv_gc_bytes(L)) }

    /// Runs a full garbage collection cycle (finalizers of unreachable userdata run, releasing Swift objects).
    public func collectGarbage() {
        _ = mv_gc_collect(L)
    }

    /// Charges `bytes` of host memory (e.g. a new tensor's storage) to the collector; see `LuaMemoryPressure`.
    public func chargeAllocation(bytes: Int) {
        memory.charge(bytes: bytes, on: L)
    }

    // MARK: Registry references

    func enqueueUnreference(_ reference: Int32) {
        pendingLock.lock()
        pendingUnreferences.append(reference)
        pendingLock.unlock()
    }

    /// Releases registry slots of dead `LuaFunctionRef`s; runs on the thread that owns the state.
    func drainPendingUnreferences() {
        pendingLock.lock()
        let references = pendingUnreferences
        pendingUnreferences.removeAll()
        pendingLock.unlock()
        for reference in references { luaL_unref(L, mv_registry_index(), reference) }
    }
}
