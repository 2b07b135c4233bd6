import XCTest
@testable import MindLua

// Tests of DemoBindings.swift: delete together with it.
final class DemoBindingsTests: CLITestCase {
    func testDemoFunctionsAndCounter() throws {
        let state = try MindVisRuntime.makeState()
        XCTAssertEqual(try evaluate(state, "return mv.add(1, 2.5)"), 3.5)
        XCTAssertEqual(try pcallMessage(state, "mv.add(1)"), "test:1: mv.add: argument #2 'b': expected a number, got no value")
        XCTAssertEqual(try evaluate(state, "return mv.map({1, 2, 3}, function(x) return x * 10 end)"), [10, 20, 30])
        XCTAssertEqual(try pcallMessage(state, "mv.map({1}, function() error('inside', 0) end)"), "inside")
        XCTAssertEqual(try state.run(chunk: "return mv.options_demo{betas = {0.8, 0.9}}"), [0.001, 0.0, [0.8, 0.9]])
        XCTAssertEqual(try pcallMessage(state, "mv.options_demo{betas = {1}}"), "test:1: mv.options_demo: option 'betas': expected 2 numbers, got 1")
        let before = DemoCounter.liveCount
        XCTAssertEqual(try state.run(chunk: "local c = mv.Counter(5); c:increment(); c.value = c.value * 2; return c.value, tostring(c), c == mv.Counter(12)"),
                       [12, "Counter(12)", true])
        state.collectGarbage()
        XCTAssertEqual(DemoCounter.liveCount, before)
        XCTAssertEqual(try pcallMessage(state, "mv.Counter():increment(0)"),
                       "test:1: Counter:increment: argument #1 'by': expected a positive integer, got 0")
    }

    func testCtrlCInterruptsALongSwiftLoop() throws {
        let run = try interruptAfter("ready", ["-e", "print('ready') io.stdout:flush() mv.sleep(60)"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.hasPrefix("mindvis: (command line):1: interrupted!"), run.stderr)
    }
}
