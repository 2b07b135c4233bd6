import Foundation
import XCTest

/// The `mindvis` command, run as a subprocess: exit codes, `arg`, -e, -, -i, the REPL through a pipe, batch,
/// Ctrl-C.
final class CLITests: CLITestCase {
    func testVersionAndHelp() throws {
        let version = try mindvis(["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertTrue(version.stdout.hasPrefix("mindvis 0.1.0\nLua 5.4"), version.stdout)
        XCTAssertTrue(version.stdout.contains("BLAS"))
        let help = try mindvis(["--help"])
        XCTAssertEqual(help.status, 0)
        for form in ["-e CODE", "-i", "--version", "batch", "usage: mindvis [options] [script.lua [args...]]"] {
            XCTAssertTrue(help.stdout.contains(form), "help lacks \(form)")
        }
    }

    /// `mindvis help` on a command, an API name, the whole reference; an unknown name exits with 1.
    func testHelpSubcommand() throws {
        let batch = try mindvis(["help", "batch"])
        XCTAssertEqual(batch.status, 0)
        XCTAssertTrue(batch.stdout.hasPrefix("usage: mindvis batch [--log-dir DIR] script.lua..."), batch.stdout)
        let randn = try mindvis(["help", "mv.randn"])
        XCTAssertEqual(randn.status, 0)
        XCTAssertTrue(randn.stdout.hasPrefix("mv.randn(size...) -> Tensor\n"), randn.stdout)
        let api = try mindvis(["help", "--api"])
        XCTAssertEqual(api.status, 0)
        XCTAssertTrue(api.stdout.hasPrefix("# The `mv` API"), api.stdout)
        let unknown = try mindvis(["help", "mv.nosuch"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertEqual(unknown.stdout, "")
        XCTAssertTrue(unknown.stderr.contains("no help for 'mv.nosuch'"), unknown.stderr)
        XCTAssertFalse(unknown.stderr.contains("traceback"), "a message, not a Lua traceback: \(unknown.stderr)")
        XCTAssertEqual(try mindvis(["help", "a", "b"]).status, 2)
    }

    /// MINDVIS_SIMD forces the kernels' instruction-set path; one that cannot be honoured stops every command with
    /// exit status 1 and a message, before anything runs.
    func testSIMDSettingIsReportedAndABadOneExitsWith1() throws {
        let forced = try mindvis(["--version"], environment: ["MINDVIS_SIMD": "scalar"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertTrue(forced.stdout.contains("\nSIMD: scalar (available: scalar"), forced.stdout)
        XCTAssertTrue(forced.stdout.contains("; core "), forced.stdout)
        for arguments in [["-e", "print('ran')"], ["--version"], ["batch", "missing.lua"]] {
            let run = try mindvis(arguments, environment: ["MINDVIS_SIMD": "avx1024"])
            XCTAssertEqual(run.status, 1, "\(arguments)")
            XCTAssertEqual(run.reason, .exit, "\(arguments)")
            XCTAssertEqual(run.stdout, "", "\(arguments)")
            XCTAssertTrue(run.stderr.hasPrefix("mindvis: MINDVIS_SIMD=avx1024: unknown SIMD path; expected one of scalar, avx2, avx512"),
                          run.stderr)
        }
    }

    /// A MINDVIS_THREADS the engine cannot use stops every command the same way; without mpirun, mv.dist is a world
    /// of one whose collectives leave their input as it is.
    func testThreadSettingIsCheckedAndOneProcessIsAWorldOfOne() throws {
        let bad = try mindvis(["-e", "print('ran')"], environment: ["MINDVIS_THREADS": "3"])
        XCTAssertEqual(bad.status, 1)
        XCTAssertEqual(bad.stdout, "")
        XCTAssertTrue(bad.stderr.hasPrefix("mindvis: MINDVIS_THREADS=3: expected 1 or 2 worker threads"), bad.stderr)
        let alone = try mindvis(["-e", "local t = mv.tensor{1, 2}; mv.dist.barrier(); print(mv.dist.rank(), mv.dist.world_size(), mv.dist.all_reduce(t, 'mean'):sum():item(), mv.dist.broadcast(t, 0):sum():item())"],
                                environment: ["MINDVIS_THREADS": "1"])
        XCTAssertEqual(alone.status, 0, alone.stderr)
        XCTAssertEqual(alone.stdout, "0\t1\t3.0\t3.0\n")
    }

    func testUsageErrorsExitWith2() throws {
        for (arguments, message) in [(["-x"], "mindvis: unrecognized option '-x'"), (["-e"], "mindvis: '-e' needs an argument"),
                                     (["batch"], "mindvis batch: no scripts given"),
                                     (["batch", "--frobnicate", "a.lua"], "mindvis batch: unrecognized option '--frobnicate'"),
                                     (["batch", "--log-dir"], "mindvis batch: '--log-dir' needs a directory")] {
            let run = try mindvis(arguments)
            XCTAssertEqual(run.status, 2, "\(arguments)")
            XCTAssertTrue(run.stderr.hasPrefix(message), run.stderr)
            XCTAssertTrue(run.stderr.contains("usage: mindvis"), run.stderr)
        }
    }

    func testScriptSuccessAndArguments() throws {
        let script = try writeFile("args.lua", """
            local parts = {}
            for i = -2, #arg do parts[#parts + 1] = i .. "=" .. tostring(arg[i]) end
            print(table.concat(parts, " "))
            print(select("#", ...), ...)
            """)
        let run = try mindvis(["-e", "x = 1", script, "one", "-e", "--three"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "-2=-e -1=x = 1 0=\(script) 1=one 2=-e 3=--three\n3\tone\t-e\t--three\n")
    }

    /// As lua(1): what a script returns is dropped (Lua 5.4.4's locals.lua and tracegc.lua end in `return f`), and an
    /// error value that is not a string keeps its identity for the script but is reported readably.
    func testScriptResultsAreDroppedAndErrorObjectsReported() throws {
        let returning = try writeFile("returns.lua", "print('ran')\nreturn function() end, {}")
        let run = try mindvis([returning])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "ran\n")
        let table = try mindvis(["-e", "error(setmetatable({}, {__tostring = function() return 'custom object' end}))"])
        XCTAssertEqual(table.status, 1)
        XCTAssertTrue(table.stderr.hasPrefix("mindvis: custom object\nstack traceback:"), table.stderr)
        let plain = try mindvis(["-e", "error({})"])
        XCTAssertTrue(plain.stderr.hasPrefix("mindvis: (error object is a table value)\nstack traceback:"), plain.stderr)
    }

    /// A grad-mode guard dropped without <close> leaves the mode as it set it (restoring it at an arbitrary collection
    /// would be worse) and says so on standard error; a closed one says nothing.
    func testAnUnclosedGradGuardIsReported() throws {
        let dropped = try mindvis(["-e", "local g = mv.no_grad(); g = nil; collectgarbage(); print(mv.is_grad_enabled())"])
        XCTAssertEqual(dropped.status, 0, dropped.stderr)
        XCTAssertEqual(dropped.stdout, "false\n")
        XCTAssertTrue(dropped.stderr.contains("was dropped without being closed: gradient recording stays off until mv.set_grad_enabled(true)"),
                      dropped.stderr)
        let closed = try mindvis(["-e", "do local _ <close> = mv.no_grad() end; collectgarbage(); print(mv.is_grad_enabled())"])
        XCTAssertEqual(closed.stdout, "true\n")
        XCTAssertEqual(closed.stderr, "")
    }

    /// Stage A says on standard error what it did on the user's behalf: padding data to the model, holding data out.
    func testStageAWarnsAboutPaddingAndTheHeldOutSplit() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("warn-\(UUID().uuidString)").path
        let run = try mindvis(["-e", """
            local mae = mv.models.MAE{preset = "tiny", num_voxels = 64}
            mv.mbm.pretrain{model = mae, data = mv.randn(40, 60), output = "\(dir)", num_epoch = 1, batch_size = 8, progress = false}
            """])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stderr.contains("warning: mv.mbm.pretrain: data has 60 voxels per sample, the model takes 64: wrap-padded"), run.stderr)
        XCTAssertTrue(run.stderr.contains("warning: mv.mbm.pretrain: no eval = given: holding out 2 of 40 samples"), run.stderr)
        XCTAssertTrue(run.stderr.contains("figure \(dir)/figures/reconstruction_epoch0001.png"), run.stderr)
        XCTAssertEqual(run.stdout, "", "warnings stay out of the script's output")
    }

    /// Every example answers -h and --help with its description and options, and starts no work.
    func testEveryExampleHasHelp() throws {
        let examples = try FileManager.default.contentsOfDirectory(atPath: packageRoot().appendingPathComponent("examples").path)
            .filter { $0.hasSuffix(".lua") }.sorted()
        XCTAssertGreaterThan(examples.count, 4)
        for example in examples {
            let path = packageRoot().appendingPathComponent("examples/" + example).path
            for flag in ["-h", "--help"] {
                let run = try mindvis([path, flag], timeout: 20)
                XCTAssertEqual(run.status, 0, "\(example) \(flag): \(run.stderr)")
                XCTAssertTrue(run.stdout.hasPrefix("usage: mindvis \(path) [--option value ...]\n\n"), "\(example): \(run.stdout)")
                XCTAssertTrue(run.stdout.contains("options:") || run.stdout.contains("(no options)"), "\(example): \(run.stdout)")
                XCTAssertFalse(run.stdout.contains("] [default") , "\(example)")
            }
        }
        let unknown = try mindvis(["-e", "mv.parse_args({[0] = 's.lua', '-x'}, {lr = {0.1, 'rate'}})"])
        XCTAssertTrue(unknown.stderr.contains("unknown option -x (options are spelled --name; -h or --help lists them)"), unknown.stderr)
        let described = try mindvis(["-e", "mv.parse_args({[0] = 's.lua', '--help'}, {lr = {0.1, 'the rate'}, name = 'a'}, 'Does a thing.')"])
        XCTAssertEqual(described.stdout, "usage: mindvis s.lua [--option value ...]\n\nDoes a thing.\n\noptions:\n  --lr X       the rate [default 0.1]\n  --name TEXT  [default \"a\"]\n")
        // A forgotten `--` and an empty path where the default names one are errors; numbers in the list are words.
        let forgotten = try mindvis(["-e", "mv.parse_args({'epochs=2'}, {epochs = 30})"])
        XCTAssertTrue(forgotten.stderr.contains("'epochs=2' is not an option; did you mean --epochs=2?"), forgotten.stderr)
        let empty = try mindvis(["-e", "mv.parse_args({'--output='}, {output = 'runs/x'})"])
        XCTAssertTrue(empty.stderr.contains("option --output needs a non-empty value (default \"runs/x\")"), empty.stderr)
        let missing = try mindvis(["-e", "mv.parse_args({'--name', '--lr', '0.1'}, {name = 'a', lr = 0.1})"])
        XCTAssertTrue(missing.stderr.contains("option --name needs a value, but the next word is the option --lr"), missing.stderr)
        let numbers = try mindvis(["-e", "io.write(mv.parse_args({'--n', 5}, {n = 1}).n)"])
        XCTAssertEqual(numbers.stdout, "5", numbers.stderr)
        // A bare boolean switch leaves the next word positional (it took it as the switch's value, and refused a file
        // name); true/false/yes/no after it are its value; after -- every word is positional.
        let switches = try mindvis(["-e", "local o = mv.parse_args({'--quick', 'in.txt', '--fast', 'no', '--check', '0', '--', '--x'}, "
                                        + "{quick = false, fast = true, check = false}) "
                                        + "io.write(tostring(o.quick), ' ', tostring(o.fast), ' ', tostring(o.check), ' ', table.concat(o, ','))"])
        XCTAssertEqual(switches.stdout, "true false true in.txt,0,--x", switches.stderr)
    }

    func testScriptErrorExitsWith1WithMessageAndTraceback() throws {
        let script = try writeFile("bad.lua", """
            print("before")
            local function explode() error("boom") end
            explode()
            """)
        let run = try mindvis([script])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stdout, "before\n")
        XCTAssertTrue(run.stderr.hasPrefix("mindvis: \(script):2: boom\nstack traceback:\n"), run.stderr)
        XCTAssertTrue(run.stderr.contains("in local 'explode'") || run.stderr.contains("in function 'explode'"), run.stderr)
        let missing = try mindvis(["missing.lua"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.hasPrefix("mindvis: cannot open missing.lua"), missing.stderr)
        let syntax = try mindvis(["-e", "x ="])
        XCTAssertEqual(syntax.status, 1)
        XCTAssertEqual(syntax.stderr, "mindvis: (command line):1: unexpected symbol near <eof>\n")
    }

    func testOutOfMemoryAbortsWithAMessageInsteadOfUnwinding() throws {
        // With 1.5 GB of address space a 2 GB string cannot be allocated: the allocator must print and abort.
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit -v 1500000 && exec \"$0\" -e 'local s = string.rep(\"x\", 2^31 - 2)'",
                             try mindvisBinary().path]
        process.environment = ["SWIFT_BACKTRACE": "enable=no"]
        let stdoutPipe = Pipe(), stderrPipe = Pipe()
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        try process.run()
        let output = readAll(stdoutPipe, stderrPipe)
        XCTAssertTrue(waitForExit(process, timeout: 60))
        XCTAssertEqual(process.terminationReason, .uncaughtSignal, output.stderr)
        XCTAssertEqual(process.terminationStatus, SIGABRT)
        XCTAssertTrue(output.stderr.hasPrefix("mindvis: out of memory: the Lua interpreter could not allocate 2.0 GiB (2147483646 bytes)"), output.stderr)
    }

    func testRepeatedEChunksRunInOrderAndStopAtTheFirstError() throws {
        let run = try mindvis(["-e", "a = 1", "-e", "print(a + 1)", "-eprint(a + 2)", "-e", "error('stop', 0)", "-e", "print('never')"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stdout, "2\n3\n")
        XCTAssertTrue(run.stderr.hasPrefix("mindvis: stop\n"), run.stderr)
    }

    func testScriptFromStandardInput() throws {
        let run = try mindvis(["-", "a", "b"], input: "#!/usr/bin/env mindvis\nprint(arg[0], ...)\n")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "-\ta\tb\n")
    }

    /// As lua(1): piped input without -i is one script — a local spans lines, and an error stops it with status 1.
    func testPipedInputRunsAsAScript() throws {
        let run = try mindvis([], input: "local x = 5\nprint(x)\nerror('boom')\nprint('after')\n")
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.stdout, "5\n")
        XCTAssertTrue(run.stderr.contains("stdin:3: boom"), run.stderr)
    }

    func testScriptsRequireModulesNextToThem() throws {
        try FileManager.default.createDirectory(at: workDirectory.appendingPathComponent("exp"), withIntermediateDirectories: true)
        try writeFile("exp/helper.lua", "return {answer = 42}")
        let script = try writeFile("exp/main.lua", "print(require('helper').answer, require('mindvis') == mv)")
        let process = try mindvis([script])
        XCTAssertEqual(process.stdout, "42\ttrue\n", process.stderr)
    }

    func testREPLThroughAPipe() throws {
        let input = """
            1+1
            function twice(x)
              return 2 * x
            end
            twice(21)
            error("oops")
            'still ' .. 'running'
            {1, 2, k = {x = true}}
            local y = 3;
            nil, 5
            :time
            ::done::

            """
        let run = try mindvis(["-i"], input: input)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout.components(separatedBy: "\n").filter { !$0.hasPrefix("(") }, [
            "2", "42", "\"still running\"", "{1, 2, k = {x = true}}", "nil\t5", "timing on", "",
        ])
        XCTAssertTrue(run.stderr.hasPrefix("stdin:1: oops\nstack traceback:"), run.stderr)
    }

    func testREPLKeepsRunningAfterTensorErrors() throws {
        let input = """
            a = mv.ones(2, 3)
            a:matmul(a)
            a + mv.ones(4)
            a:sum(3)
            a:sum(2)

            """
        let run = try mindvis(["-i"], input: input)
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "[3., 3.]\n[Tensor of shape 2]\n")
        XCTAssertTrue(run.stderr.contains("stdin:1: Tensor:matmul: [2, 3] x [2, 3]: inner sizes 3 and 2 differ"), run.stderr)
        XCTAssertTrue(run.stderr.contains("stdin:1: Tensor.__add: shapes [2, 3] and [4] cannot be broadcast"), run.stderr)
        XCTAssertTrue(run.stderr.contains("stdin:1: Tensor:sum: argument #1 'dim': expected a dimension in 1...2 or -2...-1, got 3"), run.stderr)
    }

    func testCtrlCInterruptsALoopOfTensorOperations() throws {
        let run = try interruptAfter("ready", ["-e", "print('ready') io.stdout:flush() local x = mv.randn(64, 64) while true do x = (x:matmul(x) * 0.01):tanh() end"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.hasPrefix("mindvis: (command line):1: interrupted!"), run.stderr)
    }

    func testInteractiveFlagRunsScriptThenREPL() throws {
        let script = try writeFile("setup.lua", "x = 5\nprint('setup done')")
        let run = try mindvis(["-i", script], input: "x * 2\n")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertEqual(run.stdout, "setup done\n10\n")
        // After a failing script, -i still opens the REPL (to inspect the state).
        let failing = try writeFile("fail.lua", "y = 7\nerror('late')")
        let afterError = try mindvis(["-i", failing], input: "y\n")
        XCTAssertEqual(afterError.stdout, "7\n")
        XCTAssertTrue(afterError.stderr.contains("fail.lua:2: late"), afterError.stderr)
    }

    func testBatchSummaryExitStatusAndLogs() throws {
        let ok = try writeFile("ok.lua", "print('fine')")
        let bad = try writeFile("bad.lua", "print('partial output')\nlocal t = nil\nprint(t.x)")
        let exits = try writeFile("exits.lua", "os.exit(3)")
        let scratch = workDirectory.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let run = try mindvis(["batch", ok, bad, exits, "--log-dir", "logs"], environment: ["TMPDIR": scratch.path])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scratch.path), [],
                       "the failed script's error file is removed")
        let lines = run.stdout.components(separatedBy: "\n")
        XCTAssertTrue(lines.contains { $0.hasPrefix(ok) && $0.contains(" ok ") }, run.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix(bad) && $0.contains("FAILED") && $0.hasSuffix("bad.lua:3: attempt to index a nil value (local 't')") }, run.stdout)
        XCTAssertTrue(lines.contains { $0.hasPrefix(exits) && $0.hasSuffix("exit status 3") }, run.stdout)
        XCTAssertTrue(run.stdout.contains("3 scripts, 2 not ok"), run.stdout)
        let logs = workDirectory.appendingPathComponent("logs")
        XCTAssertEqual(try String(contentsOf: logs.appendingPathComponent("ok.log"), encoding: .utf8), "fine\n")
        let badLog = try String(contentsOf: logs.appendingPathComponent("bad.log"), encoding: .utf8)
        XCTAssertTrue(badLog.hasPrefix("partial output\nmindvis: \(bad):3: attempt to index a nil value (local 't')\nstack traceback:"), badLog)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: logs.path).sorted(), ["bad.log", "exits.log", "ok.log"])

        let allGood = try mindvis(["batch", ok, ok])
        XCTAssertEqual(allGood.status, 0)
        XCTAssertTrue(allGood.stdout.contains("fine\n"), "without --log-dir the output passes through")
        XCTAssertTrue(allGood.stdout.contains("2 scripts, 0 not ok"))
    }

    func testBatchRunsEachScriptInAFreshInterpreter() throws {
        let first = try writeFile("first.lua", "leaked = 'yes'; string.rep = nil")
        let second = try writeFile("second.lua", "assert(leaked == nil and string.rep ~= nil, 'state leaked')")
        let run = try mindvis(["batch", first, second, "--log-dir=out"])
        XCTAssertEqual(run.status, 0, run.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("out/second.log").path))
    }

    /// Ctrl-C during `mv.mbm.pretrain` saves a checkpoint from which `resume = true` continues, then stops the script
    /// with an error that says where the checkpoint is (issue 12, item 11).
    func testCtrlCDuringPretrainingSavesACheckpointThatResumes() throws {
        let script = try writeFile("pretrain.lua", """
            local sim = mv.data.simulate{preset = "small", seed = 1, pool_size = 200}
            local mae = mv.models.MAE{preset = "tiny", num_voxels = sim.pool.voxels}
            local r = mv.mbm.pretrain{model = mae, data = sim.pool, output = "run", num_epoch = tonumber(arg[1]), warmup_epochs = 1,
              batch_size = 8, progress = false, resume = arg[2] == "resume",
              on_epoch = function(r)
                if r.epoch == 1 then print("ready") io.stdout:flush() end
                while arg[3] == "spin" do end  -- Ctrl-C lands in the callback
              end}
            print("finished at epoch " .. r.reports[#r.reports].epoch)
            """)
        let run = try interruptAfter("ready", [script, "1000"])
        XCTAssertEqual(run.status, 1, run.stderr)
        XCTAssertTrue(run.stderr.contains("mv.mbm.pretrain: interrupted in epoch "), run.stderr)
        XCTAssertTrue(run.stderr.contains("run/checkpoints/checkpoint.safetensors; resume = true"), run.stderr)
        XCTAssertFalse(run.stdout.contains("finished"), run.stdout)
        // The saved state resumes; a run folder that holds a run is refused without resume.
        let refused = try mindvis([script, "1000"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("resume = true") && refused.stderr.contains("overwrite = true"), refused.stderr)
        // Wherever Ctrl-C landed (between iterations, or in on_epoch after an epoch), one more epoch finishes the run.
        let stoppedIn = try XCTUnwrap(run.stderr.components(separatedBy: "interrupted in epoch ").dropFirst().first
            .flatMap { Int($0.prefix(while: \.isNumber)) }, run.stderr)
        let resumed = try mindvis([script, String(stoppedIn), "resume"])
        XCTAssertEqual(resumed.status, 0, resumed.stderr)
        XCTAssertTrue(resumed.stdout.hasSuffix("finished at epoch \(stoppedIn)\n"), resumed.stdout)
        // Ctrl-C inside on_epoch: the finished epoch is saved all the same.
        try FileManager.default.removeItem(at: workDirectory.appendingPathComponent("run"))
        let inCallback = try interruptAfter("ready", [script, "1000", "", "spin"])
        XCTAssertEqual(inCallback.status, 1)
        XCTAssertTrue(inCallback.stderr.contains("mv.mbm.pretrain: interrupted in epoch 2 before iteration 1: saved "), inCallback.stderr)
        let afterCallback = try mindvis([script, "2", "resume"])
        XCTAssertEqual(afterCallback.status, 0, afterCallback.stderr)
        XCTAssertTrue(afterCallback.stdout.hasSuffix("finished at epoch 2\n"), afterCallback.stdout)
    }

    /// Input that ends inside a statement gets lua(1)'s syntax error instead of silence.
    func testREPLReportsAnUnfinishedChunkAtTheEndOfInput() throws {
        let run = try mindvis(["-i"], input: "print('a')\nfor i = 1, 3 do\nprint(i)\n")
        XCTAssertEqual(run.stdout, "a\n", run.stderr)
        XCTAssertTrue(run.stderr.contains("'end' expected"), run.stderr)
    }

    func testREPLHelpCommandPointsToHelp() throws {
        let run = try mindvis(["-i"], input: ":help\n")
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains(":help   this list"), run.stdout)
        XCTAssertTrue(run.stdout.contains("help(x) prints the help of a function, object, module or namespace: help(mv.randn)"), run.stdout)
    }

    func testCtrlCInterruptsAScript() throws {
        let script = try writeFile("spin.lua", "print('ready') io.stdout:flush()\nwhile true do end")
        let run = try interruptAfter("ready", [script])
        XCTAssertEqual(run.reason, .exit)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.hasPrefix("mindvis: ") && run.stderr.contains("interrupted!"), run.stderr)
    }

    func testSecondCtrlCKillsWhenTheFirstCannotBeHandled() throws {
        // io.read blocks outside Lua code, so the first Ctrl-C stays pending; the second takes the default action.
        let run = try interruptAfter("ready", ["-e", "print('ready') io.stdout:flush() io.read()"], signals: 2, pause: 0.5)
        XCTAssertEqual(run.reason, .uncaughtSignal, run.stderr)
        XCTAssertEqual(run.status, SIGINT)
    }

    func testOneInterruptDeliveredTwiceStopsLikeOne() throws {
        // timeout(1) and kill -INT -- -PID signal the process and then its group: two SIGINTs at once are one Ctrl-C,
        // which stops the script cleanly (it used to kill the process, losing a training run's checkpoint).
        let script = try writeFile("spin2.lua", "print('ready') io.stdout:flush()\nwhile true do end")
        let run = try interruptAfter("ready", [script], signals: 2)
        XCTAssertEqual(run.reason, .exit, run.stderr)
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stderr.contains("interrupted!"), run.stderr)
    }

    /// A folder as the script: "." and "~" made Foundation's path code trap before the script was opened.
    func testAFolderAsTheScriptIsAnError() throws {
        for path in [".", "./", workDirectory.path + "/"] {
            let run = try mindvis([path])
            XCTAssertEqual(run.reason, .exit, "\(path): \(run.stderr)")
            XCTAssertEqual(run.status, 1, path)
            XCTAssertTrue(run.stderr.contains("Is a directory"), "\(path): \(run.stderr)")
        }
    }

    func testCtrlCStopsABatchAndSkipsTheRest() throws {
        let spin = try writeFile("spin.lua", "print('ready') io.stdout:flush()\nwhile true do end")
        let later = try writeFile("later.lua", "print('should not run')")
        let run = try interruptAfter("ready", ["batch", spin, later])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.stdout.contains("INTERRUPTED"), run.stdout)
        XCTAssertTrue(run.stdout.contains("skipped"), run.stdout)
        XCTAssertFalse(run.stdout.contains("should not run"), run.stdout)
    }

    func testREPLOnATerminal() throws {
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: FileManager.default.isExecutableFile)
                ?? ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map({ "\($0)/python3" })
                    .first(where: FileManager.default.isExecutableFile) else {
            throw XCTSkip("python3 (for its pty module) is not available")
        }
        let driver = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Data/pty_repl.py")
        let history = workDirectory.appendingPathComponent("history").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [driver.path, try mindvisBinary().path, history]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let transcript = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if !waitForExit(process, timeout: 60) { process.terminate() }
        XCTAssertEqual(process.terminationStatus, 0, transcript)
        let saved = try String(contentsOfFile: history, encoding: .utf8)
        XCTAssertTrue(saved.contains("f(21)"), "history is saved: \(saved)")
        XCTAssertFalse(saved.contains("x\\040=\\04012"), "a line discarded with Ctrl-C is not in the history")
    }
}
