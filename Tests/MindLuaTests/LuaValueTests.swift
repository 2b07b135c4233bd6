import XCTest
@testable import MindLua

/// Swift <-> Lua value conversion.
final class LuaValueTests: XCTestCase {
    func testRoundTripOfNestedValues() throws {
        let state = LuaState()
        let value: LuaValue = ["name": "mae", "depth": 24, "ratio": 0.75, "flags": [true, false], "nested": ["a": [1, 2, 3]]]
        try state.setGlobal("v", value)
        XCTAssertEqual(try evaluate(state, "return v.name .. v.depth .. v.ratio .. tostring(v.flags[2]) .. #v.nested.a"), "mae240.75false3")
        XCTAssertEqual(try state.global("v"), [
            "depth": 24, "flags": [true, false], "name": "mae", "nested": ["a": [1, 2, 3]], "ratio": 0.75,
        ], "string keys come back sorted")
    }

    func testMixedTablesKeepTheSequenceFirstThenSortedKeys() throws {
        let state = LuaState()
        let value = try evaluate(state, "return {10, 20, z = 1, [5] = 'five', [-1] = 'm', [true] = 0, a = 2}")
        XCTAssertEqual(value, .table([
            LuaTableEntry(key: 1, value: 10), LuaTableEntry(key: 2, value: 20),
            LuaTableEntry(key: -1, value: "m"), LuaTableEntry(key: 5, value: "five"),
            LuaTableEntry(key: "a", value: 2), LuaTableEntry(key: "z", value: 1), LuaTableEntry(key: true, value: 0),
        ]))
        XCTAssertEqual(value[1], 10)
        XCTAssertEqual(value["a"], 2)
        XCTAssertEqual(try evaluate(state, "return {}"), .array([]))
    }

    func testSwiftCollectionsPush() throws {
        let state = LuaState()
        try state.setGlobal("d", ["b": [1.5, 2.5], "a": [0.5]])
        try state.setGlobal("o", Optional<Int>.none)
        try state.setGlobal("f", Float(0.25))
        XCTAssertEqual(try evaluate(state, "return d.a[1] + d.b[2] + f"), 3.25)
        XCTAssertEqual(try evaluate(state, "return o == nil"), true)
    }

    func testDepthLimitCycleCheckAndUnconvertibleValues() throws {
        let state = LuaState()
        try state.register(table: "t", name: "read") { args in try args.returning(try args.value(1, "data", maxDepth: 3)) }
        XCTAssertEqual(try evaluate(state, "return t.read({{{1}}})[1][1][1]"), 1)
        XCTAssertEqual(try pcallMessage(state, "t.read({{{{1}}}})"),
                       "test:1: t.read: argument #1 'data' at [1][1][1]: tables nested deeper than 3 levels")
        XCTAssertEqual(try pcallMessage(state, "local c = {}; c.self = c; t.read(c)"),
                       "test:1: t.read: argument #1 'data' at .self: the table contains itself (a cycle)")
        XCTAssertEqual(try evaluate(state, "local s = {1}; return #t.read({s, s})"), 2, "shared subtables are not cycles")
        XCTAssertEqual(try pcallMessage(state, "t.read({f = print})"),
                       "test:1: t.read: argument #1 'data' at .f: a function cannot be taken here (expected numbers, strings, booleans, tables or MindVis objects)")
        XCTAssertEqual(try pcallMessage(state, "t.read({[{}] = 1})"),
                       "test:1: t.read: argument #1 'data': cannot convert a table with a table key")
        XCTAssertEqual(try pcallMessage(state, "t.read({['a b'] = {x = io.stdout}})"),
                       "test:1: t.read: argument #1 'data' at [\"a b\"].x: a FILE* userdata cannot be taken here (expected numbers, strings, booleans, tables or MindVis objects)")
    }

    func testInvalidKeysAreRefusedBeforeReachingLua() throws {
        let state = LuaState()
        for key: LuaValue in [.nil, .number(.nan), [1]] {
            XCTAssertThrowsError(try state.setGlobal("bad", LuaValue.table([LuaTableEntry(key: key, value: 1)])))
        }
        XCTAssertEqual(try evaluate(state, "return bad"), .nil)
    }

    func testArgTableLikeLua() throws {
        let state = LuaState()
        let runner = ScriptRunner(state: state)
        try runner.setArgumentTable(["mindvis", "-e", "x=1", "train.lua", "--lr", "3"], scriptIndex: 3)
        XCTAssertEqual(try state.run(chunk: "return arg[-3], arg[-2], arg[-1], arg[0], arg[1], arg[2], #arg"),
                       ["mindvis", "-e", "x=1", "train.lua", "--lr", "3", 2])
        try runner.setArgumentTable(["mindvis", "-e", "print(1)"], scriptIndex: nil)
        XCTAssertEqual(try state.run(chunk: "return arg[0], arg[1], arg[2], arg[-1]"), ["mindvis", "-e", "print(1)", .nil])
    }
}
