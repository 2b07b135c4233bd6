import Foundation
import MindLua
import MindTensor
import MindVis

/// Exit statuses: 0 success, 1 script error (or a MINDVIS_SIMD setting that cannot be honoured), 2 usage error.
func runLua(_ argv: [String]) -> Int32 {
    let options: CommandLineOptions
    do {
        options = try CommandLineOptions(argv)
    } catch {
        let message = (error as? CommandLineOptions.UsageError)?.message ?? String(describing: error)
        return reportUsageError(message, command: "mindvis", usage: Usage.text)
    }
    switch options.action {
    case .help:
        print(Usage.text)
        return 0
    case .version:
        print(MindVisRuntime.versionText)
        print(Kernels.summary)
        return 0
    case .run:
        break
    }

    let state: LuaState
    do {
        state = try MindVisRuntime.makeState()
    } catch {
        fputs("mindvis: cannot start the interpreter: \(error)\n", stderr)
        return 1
    }
    let runner = ScriptRunner(state: state)
    do {
        try runner.setArgumentTable(argv, scriptIndex: options.scriptIndex)
    } catch {
        runner.report(error)
        return 1
    }
    for chunk in options.chunks where !runner.runChunk(chunk) {
        return 1
    }
    if let scriptIndex = options.scriptIndex {
        let script = argv[scriptIndex]
        let succeeded = runner.runScript(path: script == "-" ? nil : script,
                                         arguments: Array(argv[(scriptIndex + 1)...]))
        // Like `python -i`, an error still leads into the REPL, where the state can be inspected.
        if !succeeded && !options.interactive { return 1 }
    } else if options.chunks.isEmpty && !options.interactive && isatty(STDIN_FILENO) == 0 {
        // As lua(1) and python: input that is not a terminal is a script (its locals span lines, an error stops it
        // with status 1), so `mindvis < job.lua` fails as a job should; -i reads it line by line into the REPL.
        return runner.runScript(path: nil, arguments: []) ? 0 : 1
    }
    if options.startsREPL { REPL(state: state).run() }
    return 0
}

// A MINDVIS_SIMD the kernels could not honour stops every command before it starts (the kernels would
// otherwise run on another path than the one asked for).
do {
    try Kernels.verifyEnvironmentSetting()
    _ = try Parallel.workers(environment: ProcessInfo.processInfo.environment)
} catch {
    fputs("mindvis: \(error)\n", stderr)
    exit(1)
}

// Under mpirun this process is one rank of a job (mv.dist); a rank that fails stops them all.
do {
    try ProcessGroup.startIfLaunched()
} catch {
    fputs("mindvis: \(error)\n", stderr)
    exit(1)
}

let argv = CommandLine.arguments
let status: Int32
if argv.count > 1, let subcommand = Subcommand.named(argv[1]) {
    status = subcommand.run(Array(argv.dropFirst(2)))
} else {
    status = runLua(argv)
}
fflush(stdout)
fflush(stderr)
ProcessGroup.finish(status: status)
exit(status)
