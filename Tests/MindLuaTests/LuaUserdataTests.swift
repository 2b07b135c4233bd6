import XCTest
@testable import MindLua

/// Swift objects as userdata: lifetime (`__gc`, `__close`, `free`), freed-object errors, identity, properties,
/// Lua-side fields, inheritance and metamethods.
final class LuaUserdataTests: XCTestCase {
    class Module {
        static var alive = 0
        let name: String
        init(name: String) {
            self.name = name
            Module.alive += 1
        }
        deinit { Module.alive -= 1 }
    }

    final class Linear: Module {
        var features = 4
    }

    final class Unbound {}

    private var state: LuaState!

    override func setUp() {
        Module.alive = 0
        state = LuaState()
    }

    override func tearDown() {
        state = nil
        XCTAssertEqual(Module.alive, 0, "closing the state releases every object")
    }

    private func registerTypes(allowFields: Bool = false) throws {
        let moduleType = LuaUserdataType<Module>(name: "Module")
            .method("name") { module, args in try args.returning(module.name) }
            .method("same") { module, args in try args.returning(module === (try args.userdata(1, "other", as: Module.self))) }
            .toString { "Module(\($0.name))" }
            .freeMethod()
        moduleType.allowsLuaFields = allowFields
        let linearType = LuaUserdataType<Linear>(name: "Linear", parent: moduleType)
            .property("features", get: { linear, args in try args.returning(linear.features) },
                      set: { linear, args in linear.features = try args.integer(1, "features", min: 1) })
            .property("kind", get: { _, args in try args.returning("linear") })
            .call { linear, args in try args.returning(try args.number(1, "x") * Double(linear.features)) }
            .length { $0.features }
            .metamethod(.add) { args in
                let a = try args.userdata(1, as: Linear.self), b = try args.userdata(2, as: Linear.self)
                return try args.returning(a.features + b.features)
            }
        try state.register(linearType) // registers the parent first
        try state.register(table: "t", name: "Module") { args in try args.returning(object: Module(name: try args.string(1, "name"))) }
        try state.register(table: "t", name: "Linear") { args in try args.returning(object: Linear(name: try args.string(1, "name"))) }
    }

    func testGarbageCollectionReleasesTheSwiftObject() throws {
        try registerTypes()
        try state.run(chunk: "for i = 1, 100 do local m = t.Module('m' .. i) end")
        state.collectGarbage()
        state.collectGarbage()
        XCTAssertEqual(Module.alive, 0)
        try state.run(chunk: "kept = t.Module('kept')")
        state.collectGarbage()
        XCTAssertEqual(Module.alive, 1)
        try state.run(chunk: "kept = nil")
        state.collectGarbage()
        XCTAssertEqual(Module.alive, 0)
    }

    func testCloseAndFreeReleaseEarlyAndLaterUseFailsCleanly() throws {
        try registerTypes()
        let result = try state.run(chunk: """
            local escaped
            do
              local m <close> = t.Module('scoped')
              escaped = m
            end
            local closedMessage = select(2, pcall(escaped.name, escaped))
            local f = t.Module('freed')
            f:free()
            f:free() -- a second free is harmless
            local freedMessage = select(2, pcall(function() return f:name() end))
            local argumentMessage = select(2, pcall(function() return t.Module('x'):same(f) end))
            return closedMessage, freedMessage, argumentMessage, tostring(f)
            """, name: "=close")
        XCTAssertEqual(result, [
            "close:6: Module:name: attempt to use a freed Module",
            "close:10: Module:name: attempt to use a freed Module",
            "close:11: Module:same: argument #1 'other': attempt to use a freed Module",
            "Module (freed)",
        ])
        state.collectGarbage()
        XCTAssertEqual(Module.alive, 0)
    }

    func testMethodsCheckSelf() throws {
        try registerTypes()
        XCTAssertEqual(try pcallMessage(state, "local m = t.Module('a'); m.name()"),
                       "test:1: Module:name: bad self: expected a Module, got no value (call methods with ':')")
        XCTAssertEqual(try pcallMessage(state, "local m = t.Module('a'); m.name(io.stdout)"),
                       "test:1: Module:name: bad self: expected a Module, got FILE* (call methods with ':')")
        XCTAssertEqual(try pcallMessage(state, "local m = t.Module('a'); getmetatable(m).__methods.free(5)"),
                       "test:1: free: expected a MindVis object as self (use ':' to call methods), got number")
    }

    func testInheritancePropertiesCallAndOperators() throws {
        try registerTypes()
        let result = try state.run(chunk: """
            local l = t.Linear('fc')
            l.features = 8
            return l:name(), l.features, l.kind, l(0.5), #l, l + t.Linear('b'), tostring(l), l:same(l), t.Module('m'):same(l)
            """)
        XCTAssertEqual(result, ["fc", 8, "linear", 4.0, 8, 12, "Module(fc)", true, false])
        XCTAssertEqual(try pcallMessage(state, "t.Linear('x').features = 0"),
                       "test:1: Linear.features: argument #1 'features': expected a positive integer, got 0")
        XCTAssertEqual(try pcallMessage(state, "t.Linear('x').kind = 'conv'"), "test:1: Linear has no settable field 'kind'")
        XCTAssertEqual(try pcallMessage(state, "t.Linear('x').name = 'conv'"), "test:1: cannot assign to method 'name' of Linear")
        XCTAssertEqual(try pcallMessage(state, "return t.Linear('x') + 1"), "test:1: Linear.__add: argument #2: expected a Linear, got 1")
        // A Module method accepts a Linear; a Linear-only function rejects a plain Module.
        XCTAssertEqual(try pcallMessage(state, "return t.Linear('x') + t.Module('m')"),
                       "test:1: Linear.__add: argument #2: expected a Linear, got Module")
    }

    func testLuaSideFieldsWhenAllowed() throws {
        try registerTypes(allowFields: true)
        let result = try state.run(chunk: """
            local m = t.Module('m')
            m.note = 'hello'
            m[1] = 42
            return m.note, m[1], m.missing, m:name()
            """)
        XCTAssertEqual(result, ["hello", 42, .nil, "m"])
        let withoutFields = LuaState()
        let plain = LuaUserdataType<Module>(name: "Module")
        try withoutFields.register(plain)
        try withoutFields.register(table: "t", name: "Module") { args in try args.returning(object: Module(name: "m")) }
        XCTAssertEqual(try pcallMessage(withoutFields, "t.Module().note = 1"), "test:1: attempt to index a Module value")
    }

    func testSameObjectGivesTheSameUserdata() throws {
        try registerTypes(allowFields: true)
        let shared = Module(name: "shared")
        try state.register(table: "t", name: "shared") { args in try args.returning(object: shared) }
        XCTAssertEqual(try evaluate(state, "local a = t.shared(); a.mark = 1; local b = t.shared(); return rawequal(a, b) and b.mark == 1"), true)
        // After a free, a new userdata is made for the still-alive Swift object.
        XCTAssertEqual(try evaluate(state, "local a = t.shared(); a:free(); return t.shared():name()"), "shared")
    }

    func testObjectsConvertToLuaValues() throws {
        try registerTypes()
        let module = Module(name: "inside")
        try state.register(table: "t", name: "pack") { args in try args.returning(LuaValue.array([.object(module), 1])) }
        try state.register(table: "t", name: "unpack") { args in
            guard case .array(let items) = try args.value(1), case .object(let object) = items[0] else { return .none }
            return try args.returning((object as! Module).name)
        }
        XCTAssertEqual(try evaluate(state, "return t.unpack(t.pack())"), "inside")
        XCTAssertEqual(try evaluate(state, "return t.pack()[1]:name()"), "inside")
    }

    func testUnregisteredClassesAndDuplicateNamesAreErrors() throws {
        try registerTypes()
        try state.register(table: "t", name: "unbound") { args in try args.returning(object: Unbound()) }
        XCTAssertTrue(try pcallMessage(state, "t.unbound()").hasSuffix("t.unbound: internal error: no Lua type is registered for Unbound"))
        XCTAssertThrowsError(try state.register(LuaUserdataType<Unbound>(name: "Module"))) { error in
            XCTAssertEqual(String(describing: error), "a Lua userdata type named 'Module' is already registered")
        }
    }

    func testMetatableSwapsWithTheDebugLibraryCannotConfuseTypes() throws {
        try registerTypes()
        let counter = LuaUserdataType<Unbound>(name: "Unbound")
        try state.register(counter)
        try state.register(table: "t", name: "unbound") { args in try args.returning(object: Unbound()) }
        let message = try pcallMessage(state, "local u = t.unbound(); debug.setmetatable(u, getmetatable(t.Module('m'))); u:name()")
        XCTAssertEqual(message, "test:1: Module:name: bad self: expected a Module, got Module (call methods with ':')")
    }

    func testUpvalueTamperingCannotConfuseTheTrampoline() throws {
        try registerTypes()
        let message = try pcallMessage(state, "debug.setupvalue(t.Module, 1, t.Module('x')); t.Module('y')")
        XCTAssertEqual(message, "test:1: mindvis: this Swift function binding is no longer available")
    }
}
