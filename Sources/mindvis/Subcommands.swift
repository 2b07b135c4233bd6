import Foundation
import MindLua

/// A `mindvis <name> ...` subcommand. To add one (e.g. `convert`, `simulate`), define it like `batch` and append
/// it to `all`; `mindvis --help` lists it and `main.swift` dispatches to it.
struct Subcommand {
    let name: String
    /// One line for `mindvis --help`.
    let summary: String
    /// The full usage text for `mindvis <name> --help` and usage errors.
    let usage: String
    /// Runs with the arguments after the name; returns the exit status (0 ok, 1 failure, 2 usage error).
    let run: ([String]) -> Int32

    static let all: [Subcommand] = [batch, convert, simulate]

    static func named(_ name: String) -> Subcommand? { all.first { $0.name == name } }

    /// Prints `mindvis <name>: <message>` and the usage to standard error; returns 2.
    func usageError(_ message: String) -> Int32 {
        reportUsageError(message, command: "mindvis \(name)", usage: usage)
    }
}

/// Prints `<command>: <message>` and `usage` to standard error; returns the usage-error status 2.
func reportUsageError(_ message: String, command: String, usage: String) -> Int32 {
    fputs("\(command): \(message)\n\(usage)\n", stderr)
    return 2
}

extension Subcommand {
    static let batch = Subcommand(
        name: "batch",
        summary: "run scripts, each in a fresh interpreter, and print a summary",
        usage: """
            usage: mindvis batch [--log-dir DIR] script.lua...

            Runs each script in a fresh mindvis process (standard input is /dev/null), continues past failures and
            prints a table of status and wall time; exits with status 1 if any script failed.
              --log-dir DIR   keep each script's standard output and error in DIR/<script name>.log
            """,
        run: runBatch)

    private static func runBatch(_ arguments: [String]) -> Int32 {
        let parsed: SubcommandArguments
        switch batch.parse(arguments, valueOptions: ["--log-dir": "a directory"]) {
        case .success(let p): parsed = p
        case .failure(let exit): return exit.code
        }
        guard !parsed.positional.isEmpty else { return batch.usageError("no scripts given") }
        return BatchRunner(scripts: parsed.positional, logDirectory: parsed.values["--log-dir"]).run()
    }
}
