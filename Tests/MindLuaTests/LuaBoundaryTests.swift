import CLua
import XCTest
@testable import MindLua

/// DESIGN.md §2: Swift errors become Lua errors without a longjmp through Swift, in every nesting.
final class LuaBoundaryTests: XCTestCase {
    struct CoreError: Error, CustomStringConvertible {
        var description: String { "matmul: [4, 3] x [5, 2]: inner sizes 3 and 5 differ" }
    }

    func testThrowingSwiftFunctionBecomesLuaErrorWithCallerPosition() throws {
        let state = LuaState()
        try state.register(table: "t", name: "fail") { _ in throw CoreError() }
        let message = try pcallMessage(state, "t.fail()")
        XCTAssertEqual(message, "test:1: matmul: [4, 3] x [5, 2]: inner sizes 3 and 5 differ")
        // The interpreter is intact and the stack balanced afterwards.
        XCTAssertEqual(try evaluate(state, "return 1 + 1"), 2)
        XCTAssertEqual(lua_gettop(state.L), 0)
    }

    func testUncaughtErrorCarriesMessageAndTraceback() throws {
        let state = LuaState()
        try state.register(table: "t", name: "fail") { args in throw args.error("no way") }
        XCTAssertThrowsError(try state.run(chunk: "local function inner() t.fail() end\ninner()", name: "=chunk")) { error in
            let error = error as! LuaError
            XCTAssertEqual(error.message, "chunk:1: t.fail: no way")
            XCTAssertTrue(error.traceback.hasPrefix("stack traceback:"), error.traceback)
            XCTAssertTrue(error.traceback.contains("in local 'inner'") || error.traceback.contains("in function 'inner'"), error.traceback)
        }
        XCTAssertEqual(lua_gettop(state.L), 0)
    }

    func testSyntaxErrorIsThrownWithoutTraceback() {
        let state = LuaState()
        XCTAssertThrowsError(try state.run(chunk: "x = = 1", name: "=bad")) { error in
            XCTAssertEqual((error as! LuaError).message, "bad:1: unexpected symbol near '='")
            XCTAssertEqual((error as! LuaError).traceback, "")
        }
    }

    func testNestedLuaSwiftLuaSwiftErrorUnwindsToInnermostProtectedCall() throws {
        let state = LuaState()
        try state.register(table: "t", name: "fail") { _ in throw LuaBindingError("inner failure") }
        // t.protect(f): calls f under pcall from Swift; returns the error message it caught.
        try state.register(table: "t", name: "protect") { args in
            let function = try args.function(1, "f")
            do {
                try args.call(function)
                return try args.returning("no error")
            } catch let error as LuaError {
                return try args.returning("caught: " + error.message)
            }
        }
        // t.apply(f, x): calls f(x) and lets its error propagate.
        try state.register(table: "t", name: "apply") { args in
            let function = try args.function(1, "f")
            let results = try args.call(function, [try args.value(2, "x")])
            return try args.returning(results.first ?? .nil)
        }
        XCTAssertEqual(try evaluate(state, "return t.protect(function() t.fail() end)"), "caught: test:1: inner failure")
        XCTAssertEqual(try evaluate(state, "return t.apply(function(x) return x * 2 end, 21)"), 42)
        // Propagated through two Swift frames, re-raised unchanged (one position prefix, not two).
        let message = try pcallMessage(state, "t.apply(function(x) return t.apply(function() error('deep', 0) end, x) end, 1)")
        XCTAssertEqual(message, "deep")
        let positioned = try pcallMessage(state, "t.apply(function() t.fail() end, 1)")
        XCTAssertEqual(positioned, "test:1: inner failure")
        XCTAssertEqual(lua_gettop(state.L), 0)
    }

    func testThousandsOfBadCallsLeaveTheInterpreterAlive() throws {
        let state = LuaState()
        try state.register(table: "t", name: "f") { args in
            let n = try args.integer(1, "n", min: 1)
            let s = try args.string(2, "name")
            let flag = try args.optionalBool(3, "flag") ?? false
            let sizes = try args.integerArray(4, "sizes", min: 0)
            let options = try args.options(5, allowed: ["learning_rate", "momentum"])
            let rate = try options.number("learning_rate", default: 0.1)
            return try args.returning("\(n) \(s) \(flag) \(sizes) \(rate)")
        }
        let result = try state.run(chunk: """
            local bad = {
              {n = 0}, {n = 1, nil}, {0/0}, {1/0}, {-3}, {2.5}, {2^63}, {-2^63 - 1e5}, {"3"}, {{}},
              {1, 2}, {n = 2, 1, nil}, {1, "a", 1}, {1, "a", true, {1, -2}}, {1, "a", true, {1, "x"}},
              {1, "a", true, "no"}, {1, "a", true, {}, {learning_rte = 1}}, {1, "a", true, {}, {learning_rate = "x"}},
              {1, "a", true, {}, {[1] = 5}}, {1, "a", true, {}, {[true] = 5}}, {1, "a", true, {}, 7},
            }
            local messages, failures = {}, 0
            for round = 1, 200 do
              for i, args in ipairs(bad) do
                local ok, message = pcall(t.f, table.unpack(args, 1, args.n or #args))
                if not ok then failures = failures + 1; messages[i] = message end
              end
            end
            return failures, t.f(3, "a", true, {1, 2}, {learning_rate = 0.5}), messages
            """, name: "=bad")
        XCTAssertEqual(result[0], .integer(200 * 21))
        XCTAssertEqual(result[1], "3 a true [1, 2] 0.5")
        let messages = result[2]
        let expected: [Int: String] = [
            1: "t.f: argument #1 'n': expected a positive integer, got no value",
            2: "t.f: argument #1 'n': expected a positive integer, got nil",
            3: "t.f: argument #1 'n': expected a positive integer, got -nan",
            4: "t.f: argument #1 'n': expected a positive integer, got inf",
            5: "t.f: argument #1 'n': expected a positive integer, got -3",
            6: "t.f: argument #1 'n': expected a positive integer, got 2.5",
            7: "t.f: argument #1 'n': expected a positive integer, got 9.2233720368548e+18",
            9: "t.f: argument #1 'n': expected a positive integer, got string \"3\"",
            10: "t.f: argument #1 'n': expected a positive integer, got table",
            11: "t.f: argument #2 'name': expected a string, got 2",
            12: "t.f: argument #2 'name': expected a string, got nil",
            13: "t.f: argument #3 'flag': expected a boolean, got 1",
            14: "t.f: argument #4 'sizes' at [2]: expected a non-negative integer, got -2",
            15: "t.f: argument #4 'sizes' at [2]: expected a non-negative integer, got string \"x\"",
            16: "t.f: argument #4 'sizes': expected a table of integers, got string \"no\"",
            17: "t.f: unknown option 'learning_rte' (did you mean 'learning_rate'?)",
            18: "t.f: option 'learning_rate': expected a number, got string \"x\"",
            19: "t.f: argument #5 'options': expected an options table with named keys, got a table with positional entries",
            20: "t.f: argument #5 'options': option names must be strings, got key true",
            21: "t.f: argument #5 'options': expected an options table, got 7",
        ]
        for (index, message) in expected {
            guard case .string(let actual) = messages[.integer(index)] else {
                XCTFail("no message for bad call \(index)")
                continue
            }
            // `0/0` prints as "-nan" or "nan" depending on the C library.
            if index == 3 {
                XCTAssertTrue(actual.hasSuffix("expected a positive integer, got -nan") || actual.hasSuffix("got nan"), actual)
            } else {
                XCTAssertEqual(actual, "bad:10: " + message) // called by pcall: the position of the pcall
            }
        }
        guard case .string(let hugeNegative) = messages[.integer(8)] else { return XCTFail("no message for call 8") }
        XCTAssertTrue(hugeNegative.contains("expected a positive integer, got -9.2233720368549e+18"), hugeNegative)
        XCTAssertEqual(lua_gettop(state.L), 0)
        XCTAssertEqual(try evaluate(state, "return 40 + 2"), 42)
    }

    func testErrorsInsideCoroutinesStayInTheCoroutine() throws {
        let state = LuaState()
        try state.register(table: "t", name: "fail") { args in throw args.error("from swift") }
        try state.register(table: "t", name: "echo") { args in try args.returning(try args.integer(1)) }
        let result = try state.run(chunk: """
            local co = coroutine.create(function(x) local y = coroutine.yield(t.echo(x)); t.fail() end)
            local ok1, v1 = coroutine.resume(co, 7)
            local ok2, v2 = coroutine.resume(co, 1)
            return ok1, v1, ok2, v2
            """, name: "=co")
        XCTAssertEqual(result, [true, 7, false, "co:1: t.fail: from swift"])
    }

    func testYieldAcrossSwiftCallIsACaughtError() throws {
        let state = LuaState()
        try state.register(table: "t", name: "apply") { args in
            try args.returning(try args.call(try args.function(1)).first ?? .nil)
        }
        let result = try state.run(chunk: """
            local co = coroutine.wrap(function() return t.apply(function() coroutine.yield(1) end) end)
            return pcall(co)
            """, name: "=y")
        XCTAssertEqual(result.first, false)
        guard case .string(let message) = result[1] else { return XCTFail("no message") }
        XCTAssertTrue(message.contains("attempt to yield across a C-call boundary"), message)
    }

    func testReturnCountLargerThanPushedValuesIsAnError() throws {
        let state = LuaState()
        try state.register(table: "t", name: "liar") { _ in LuaReturn(count: 3) }
        XCTAssertEqual(try pcallMessage(state, "t.liar()"), "test:1: t.liar: internal error: returned 3 results but pushed 0")
    }

    func testInvalidRegistrationsThrow() throws {
        let state = LuaState()
        try state.run(chunk: "x = 5")
        XCTAssertThrowsError(try state.register(table: "x", name: "f") { _ in .none }) { error in
            XCTAssertEqual(String(describing: error), "cannot register into 'x': 'x' is a number, not a table")
        }
        XCTAssertThrowsError(try state.register(table: "mv", name: "end") { _ in .none })
        XCTAssertThrowsError(try state.register(table: "mv..nn", name: "f") { _ in .none })
    }

    func testGlobalsAndCallsFromSwift() throws {
        let state = LuaState()
        try state.setGlobal("config", LuaValue.table([LuaTableEntry(key: "depth", value: 24)]))
        try state.run(chunk: "function double(x) return x * 2, config.depth end")
        XCTAssertEqual(try state.call(global: "double", [21]), [42, 24])
        XCTAssertEqual(try state.global("config"), ["depth": 24])
        XCTAssertThrowsError(try state.call(global: "missing")) { error in
            XCTAssertEqual((error as! LuaError).message, "attempt to call global 'missing' (a nil value)")
        }
    }

    func testFunctionReferencesAreReleasedOnTheLuaThread() throws {
        let state = LuaState()
        var kept: LuaFunctionRef?
        try state.register(table: "t", name: "keep") { args in
            kept = try args.function(1, "f")
            return .none
        }
        try state.run(chunk: "t.keep(function(x) return x + 1 end)")
        XCTAssertEqual(try state.call(kept!, [1]), [2])
        let reference = kept!.reference
        kept = nil
        try state.run(chunk: "return 1") // drains the queued unreference
        try state.run(chunk: "t.keep(function() return 'new' end)")
        XCTAssertEqual(kept!.reference, reference, "the freed registry slot is reused")
        XCTAssertEqual(try state.call(kept!), ["new"])
    }

    func testInterruptHookStopsRunningLuaCode() throws {
        let state = LuaState()
        try state.register(table: "t", name: "sigint") { _ in
            raise(SIGINT)
            return .none
        }
        defer { signal(SIGINT, SIG_DFL) }
        LuaInterrupt.stopLuaOnInterrupt(state)
        XCTAssertThrowsError(try state.run(chunk: "t.sigint() while true do end", name: "=loop")) { error in
            XCTAssertTrue((error as! LuaError).message.hasSuffix("interrupted!"), "\(error)")
        }
        XCTAssertFalse(LuaInterrupt.isRequested, "the hook marks the interrupt handled")
        XCTAssertEqual(try evaluate(state, "return 'alive'"), "alive")
    }

    func testSwiftLoopsPollTheInterruptFlag() throws {
        let state = LuaState()
        try state.register(table: "t", name: "spin") { args in
            raise(SIGINT)
            for _ in 0..<1_000_000 { try args.checkInterrupt() }
            return try args.returning("not interrupted")
        }
        defer { signal(SIGINT, SIG_DFL) }
        LuaInterrupt.flagOnInterrupt(state)
        XCTAssertEqual(try pcallMessage(state, "t.spin()"), "test:1: interrupted!")
        XCTAssertFalse(LuaInterrupt.isRequested)
    }
}
