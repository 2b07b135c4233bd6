import CLua
import LuaShim

/// The arguments of one call from Lua into a bound Swift function, and the place its results are pushed.
///
/// Readers take the user-visible argument number (for methods, #1 is the first argument after `self`) and an
/// argument name for messages, and throw `LuaBindingError`s such as
/// `mv.zeros: argument #2 'size': expected a positive integer, got -3`. They only use Lua API functions that
/// cannot raise.
public struct LuaArgs {
    let L: OpaquePointer
    /// The bound function's name as used in messages: `mv.add`, `Counter:add`.
    public let function: String
    let selfOffset: Int32
    /// Number of arguments (after `self` for methods).
    public let count: Int

    init(L: OpaquePointer, function: String, selfOffset: Int32, count: Int) {
        self.L = L
        self.function = function
        self.selfOffset = selfOffset
        self.count = count
    }

    func slot(_ i: Int, _ name: String?) -> LuaSlot {
        let index: Int32 = i >= 1 && i <= count ? Int32(i) + selfOffset : 0
        return LuaSlot(L: L, index: index, function: function, context: .argument(i, name))
    }

    // MARK: Inspecting

    public func type(_ i: Int) -> LuaType { LuaType(code: slot(i, nil).typeCode) }

    /// Whether argument `i` is nil or absent.
    public func isNil(_ i: Int) -> Bool { slot(i, nil).isNil }

    // MARK: Scalars

    public func number(_ i: Int, _ name: String? = nil) throws -> Double { try slot(i, name).number() }

    /// An integer in `min...max`; accepts floats with an exact integer value, rejects 2.5, NaN, inf, 2^63.
    public func integer(_ i: Int, _ name: String? = nil, min: Int = .min, max: Int = .max) throws -> Int {
        try slot(i, name).integer(min: min, max: max)
    }

    public func string(_ i: Int, _ name: String? = nil) throws -> String { try slot(i, name).string() }

    public func bool(_ i: Int, _ name: String? = nil) throws -> Bool { try slot(i, name).boolean() }

    public func optionalNumber(_ i: Int, _ name: String? = nil) throws -> Double? {
        let slot = slot(i, name)
        return slot.isNil ? nil : try slot.number()
    }

    public func optionalInteger(_ i: Int, _ name: String? = nil, min: Int = .min, max: Int = .max) throws -> Int? {
        let slot = slot(i, name)
        return slot.isNil ? nil : try slot.integer(min: min, max: max)
    }

    public func optionalString(_ i: Int, _ name: String? = nil) throws -> String? {
        let slot = slot(i, name)
        return slot.isNil ? nil : try slot.string()
    }

    public func optionalBool(_ i: Int, _ name: String? = nil) throws -> Bool? {
        let slot = slot(i, name)
        return slot.isNil ? nil : try slot.boolean()
    }

    // MARK: Tables

    /// A sequence of numbers `{0.9, 0.999}`.
    public func numberArray(_ i: Int, _ name: String? = nil) throws -> [Double] { try slot(i, name).numbers() }

    /// A sequence of integers in `min...max`.
    public func integerArray(_ i: Int, _ name: String? = nil, min: Int = .min, max: Int = .max) throws -> [Int] {
        try slot(i, name).integers(min: min, max: max)
    }

    /// Integers given either as one table from argument `i` on (`mv.zeros{2, 3}`) or as the arguments `i...count`
    /// (`mv.zeros(2, 3)`), Torch style.
    public func integerList(from i: Int, _ name: String? = nil, min: Int = .min, max: Int = .max) throws -> [Int] {
        if type(i) == .table {
            guard count == i else {
                throw LuaBindingError("\(function): argument #\(i + 1): unexpected after the table of \(name ?? "integers")")
            }
            return try integerArray(i, name, min: min, max: max)
        }
        guard i <= count else { return [] }
        return try (i...count).map { try integer($0, name, min: min, max: max) }
    }

    /// An options table `{lr = 1e-3, betas = {0.9, 0.95}}` whose keys must be among `allowed`; nil or absent gives
    /// an empty options table. Unknown keys are errors naming the closest valid key.
    public func options(_ i: Int, _ name: String? = "options", allowed: [String]) throws -> LuaOptions {
        try LuaOptions(slot: slot(i, name), allowed: allowed)
    }

    /// An options table whose valid keys are the options documented in this function's help (`LuaDoc`): what
    /// `help()` lists is exactly what is accepted.
    public func options(_ i: Int, _ name: String? = "options") throws -> LuaOptions {
        guard let doc = try LuaDocRegistry.shared.doc(function), !doc.options.isEmpty else {
            throw LuaBindingError("\(function): internal error: its options are not documented")
        }
        return try LuaOptions(slot: slot(i, name), allowed: doc.options.map(\.name))
    }

    /// Argument `i` converted to a Swift value (tables recursively, with a depth limit and cycle check).
    public func value(_ i: Int, _ name: String? = nil, maxDepth: Int = LuaValueReader.defaultMaxDepth) throws -> LuaValue {
        try slot(i, name).value(maxDepth: maxDepth)
    }

    // MARK: Functions and objects

    /// A Lua function argument, referenced so Swift can call it later (`call(_:_:)`).
    public func function(_ i: Int, _ name: String? = nil) throws -> LuaFunctionRef {
        try slot(i, name).functionReference()
    }

    public func optionalFunction(_ i: Int, _ name: String? = nil) throws -> LuaFunctionRef? {
        let slot = slot(i, name)
        return slot.isNil ? nil : try slot.functionReference()
    }

    /// The Swift object in userdata argument `i`: "expected a Tensor, got number 3", "attempt to use a freed Tensor".
    public func userdata<T: AnyObject>(_ i: Int, _ name: String? = nil, as type: T.Type) throws -> T {
        try slot(i, name).object(type)
    }

    public func optionalUserdata<T: AnyObject>(_ i: Int, _ name: String? = nil, as type: T.Type) throws -> T? {
        let slot = slot(i, name)
        return slot.isNil ? nil : try slot.object(type)
    }

    /// `self` of a method call (stack index 1).
    func selfObject<T: AnyObject>(as type: T.Type) throws -> T {
        switch LuaBoundObject.resolve(L, lua_gettop(L) >= 1 ? 1 : 0, as: T.self) {
        case .object(let object):
            return object
        case .freed(let typeName):
            throw LuaBindingError("\(function): attempt to use a freed \(typeName)")
        case .mismatch(let expected):
            let actual = lua_gettop(L) >= 1 ? LuaStack.describe(L, 1) : "no value"
            throw LuaBindingError("\(function): bad self: expected \(LuaBoundObject.withArticle(expected)), got \(actual) (call methods with ':')")
        }
    }

    // MARK: Errors

    /// The standard message for argument `i`, for checks the readers cannot express:
    /// `mv.narrow: argument #2 'dim': expected a dimension in -3...3, got 5`.
    public func argumentError(_ i: Int, _ name: String? = nil, expected: String) -> LuaBindingError {
        slot(i, name).mismatch(expected)
    }

    /// `<function>: <message>`.
    public func error(_ message: String) -> LuaBindingError {
        LuaBindingError("\(function): \(message)")
    }

    // MARK: Results

    public func push<Value: LuaPushable>(_ value: Value) throws { try value.push(to: self) }

    /// Pushes a Swift object bound with a registered `LuaUserdataType` (the same userdata for the same live object).
    public func push(object: AnyObject) throws { try LuaBoundObject.push(L, object, function: function) }

    public func returning<Value: LuaPushable>(_ value: Value) throws -> LuaReturn {
        try push(value)
        return LuaReturn(count: 1)
    }

    public func returning<A: LuaPushable, B: LuaPushable>(_ a: A, _ b: B) throws -> LuaReturn {
        try ensureStack(2)
        try push(a)
        try push(b)
        return LuaReturn(count: 2)
    }

    public func returning<A: LuaPushable, B: LuaPushable, C: LuaPushable>(_ a: A, _ b: B, _ c: C) throws -> LuaReturn {
        try ensureStack(3)
        try push(a)
        try push(b)
        try push(c)
        return LuaReturn(count: 3)
    }

    public func returning(object: AnyObject) throws -> LuaReturn {
        try push(object: object)
        return LuaReturn(count: 1)
    }

    func ensureStack(_ slots: Int) throws {
        guard lua_checkstack(L, Int32(clamping: slots)) != 0 else {
            throw LuaBindingError("\(function): Lua stack overflow")
        }
    }

    // MARK: Calling Lua

    /// Calls a Lua function under `lua_pcall` on the calling thread; a Lua error is thrown as `LuaError` (and, if
    /// the binding lets it propagate, re-raised unchanged in Lua).
    @discardableResult
    public func call(_ function: LuaFunctionRef, _ arguments: [LuaValue] = []) throws -> [LuaValue] {
        let state = LuaState.owning(L)
        guard function.state === state else {
            throw LuaBindingError("\(self.function): the function belongs to another Lua state")
        }
        state.drainPendingUnreferences()
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        try ensureStack(arguments.count + 3)
        lua_rawgeti(L, mv_registry_index(), lua_Integer(function.reference))
        for argument in arguments { try argument.push(to: self) }
        let count = try LuaChunk.protectedCall(L, argumentCount: Int32(arguments.count))
        return try values(fromTop: count)
    }

    /// The `count` values on top of the stack as Swift values (not popped).
    func values(fromTop count: Int32) throws -> [LuaValue] {
        let first = lua_gettop(L) - count + 1
        return try (0..<Int(count)).map { offset in
            try value(at: first + Int32(offset), context: .result(offset + 1))
        }
    }

    func value(at index: Int32, context: LuaValueContext) throws -> LuaValue {
        try LuaSlot(L: L, index: index, function: function, context: context).value(maxDepth: LuaValueReader.defaultMaxDepth)
    }

    // MARK: Memory and interrupts

    /// Charges `bytes` of host memory allocated by this call (e.g. a tensor's storage) to the Lua collector.
    public func chargeAllocation(bytes: Int) {
        LuaState.owning(L).memory.charge(bytes: bytes, on: L)
    }

    /// Throws "interrupted!" if Ctrl-C was pressed; long Swift loops call this every iteration (it is one atomic
    /// load) because the interrupt hook only fires while Lua code runs.
    public func checkInterrupt() throws {
        try LuaInterrupt.check()
    }
}
