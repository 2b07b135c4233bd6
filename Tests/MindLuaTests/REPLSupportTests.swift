import CLua
import LuaShim
import XCTest
@testable import MindLua

/// Pretty printing, completion and REPL commands (the parts of the REPL that do not need a terminal).
final class REPLSupportTests: XCTestCase {
    private func render(_ state: LuaState, _ expression: String, printer: LuaPrettyPrinter = LuaPrettyPrinter()) throws -> String {
        let L = state.L
        XCTAssertNil(LuaChunk.load(L, source: "return " + expression, name: "=p"))
        XCTAssertEqual(try LuaChunk.protectedCall(L, argumentCount: 0), 1)
        defer { lua_settop(L, 0) }
        return printer.render(L, -1)
    }

    func testPrettyPrinting() throws {
        let state = try MindVisRuntime.makeState()
        XCTAssertEqual(try render(state, "'a\\n\"b\"'"), #""a\n\"b\"""#)
        XCTAssertEqual(try render(state, "1.0"), "1.0")
        XCTAssertEqual(try render(state, "{1, 2, x = {y = 'z'}, [3.5] = true, ['a b'] = 1}"),
                       #"{1, 2, [3.5] = true, ["a b"] = 1, x = {y = "z"}}"#)
        XCTAssertEqual(try render(state, "{}"), "{}")
        XCTAssertEqual(try render(state, "{{{{{1}}}}}"), "{{{{...}}}}")
        XCTAssertEqual(try render(state, "(function() local t = {}; t.me = t; return t end)()"), "{me = <cycle>}")
        XCTAssertEqual(try render(state, "setmetatable({}, {__tostring = function() return 'custom' end})"), "custom")
        XCTAssertEqual(try render(state, "setmetatable({}, {__tostring = function() error('bad') end})"),
                       "<__tostring failed: p:1: bad>")
        XCTAssertEqual(try render(state, "mv.tensor{1, 2}"), "[1., 2.]\n[Tensor of shape 2]")
        var small = LuaPrettyPrinter()
        small.maxItems = 3
        XCTAssertEqual(try render(state, "{1, 2, 3, 4, 5, a = 1}", printer: small), "{1, 2, 3, ...(3 more)}")
        let wide = try render(state, "{alpha = ('a'):rep(60), beta = {1, 2}, gamma = ('g'):rep(60)}")
        XCTAssertEqual(wide, """
            {
              alpha = "\(String(repeating: "a", count: 60))",
              beta = {1, 2},
              gamma = "\(String(repeating: "g", count: 60))",
            }
            """)
        XCTAssertTrue(try render(state, "print").hasPrefix("builtin: ") || render(state, "print").hasPrefix("function: "))
    }

    func testCompletion() throws {
        let state = try MindVisRuntime.makeState()
        try state.run(chunk: """
            mv.nn = {Linear = 1, LayerNorm = 2, GELU = 3}
            c = mv.zeros(2)
            Animal = mv.class('Animal'); function Animal:speak() end
            Dog = mv.class('Dog', Animal); function Dog:fetch() end
            d = Dog()
            """)
        func complete(_ text: String) -> LuaCompleter.Completion { LuaCompleter.complete(state, textBeforeCursor: text) }
        XCTAssertEqual(complete("x = mv.nn.L"), .init(partial: "L", candidates: ["LayerNorm", "Linear"]))
        XCTAssertEqual(complete("mv.ze"), .init(partial: "ze", candidates: ["zeros", "zeros_like"]))
        XCTAssertEqual(complete("c:unsq"), .init(partial: "unsq", candidates: ["unsqueeze"]))
        XCTAssertEqual(complete("c.gra"), .init(partial: "gra", candidates: ["grad", "grad_fn"]))
        XCTAssertEqual(complete("c:gra").candidates, [], "properties are not methods")
        XCTAssertEqual(complete("d:").candidates, ["fetch", "speak"])
        XCTAssertEqual(complete("print(stri").candidates, ["string"])
        XCTAssertEqual(complete("whi").candidates, ["while"])
        XCTAssertEqual(complete("string.up").candidates, ["upper"])
        XCTAssertEqual(complete("Undefined:up").candidates, [])
        XCTAssertEqual(complete("nothing.here").candidates, [])
        XCTAssertEqual(complete("3.1").candidates, [])
        XCTAssertEqual(lua_gettop(state.L), 0)
    }

    func testCompletionColumns() {
        XCTAssertEqual(LineEditor.columns(["a", "bb", "ccc"]), "a    bb   ccc")
    }

    func testREPLCommands() {
        XCTAssertEqual(REPLCommand(":time"), .time)
        XCTAssertEqual(REPLCommand("  :help "), .help)
        XCTAssertEqual(REPLCommand(":nope"), .unknown("nope"))
        XCTAssertNil(REPLCommand("::label::"))
        XCTAssertNil(REPLCommand("x = 1"))
    }

    func testIncompleteChunkDetection() {
        let state = LuaState()
        for (source, incomplete) in [("function f(x)", true), ("x = [[abc", true), ("if x then", true),
                                     ("x = = 1", false), ("return )", false)] {
            guard let error = LuaChunk.load(state.L, source: source, name: "=stdin") else { return XCTFail(source) }
            XCTAssertEqual(LuaChunk.isIncomplete(syntaxError: error), incomplete, error)
        }
    }
}
