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

    static let all: [Subcommand] = [batch, convert, simulate, help]

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

extension Subcommand {
    static let help = Subcommand(
        name: "help",
        summary: "help on a command (mindvis help batch), on the Lua API (mindvis help mv.randn), or the API reference",
        usage: """
            usage: mindvis help [COMMAND | NAME | --api]

              mindvis help             this program's usage (as mindvis --help)
              mindvis help COMMAND     the usage of a command: batch, convert, simulate
              mindvis help NAME        the help of a Lua API name, as help(NAME) prints it: mv.randn, mv.nn, Tensor:matmul
              mindvis help --api       the whole Lua API as Markdown (docs/API.md is this output)
            """,
        run: runHelp)

    private static func runHelp(_ arguments: [String]) -> Int32 {
        guard arguments.count <= 1 else { return help.usageError("expected at most one topic, got \(arguments.count)") }
        guard let topic = arguments.first else {
            print(Usage.text)
            return 0
        }
        if topic == "-h" || topic == "--help" {
            print(help.usage)
            return 0
        }
        if let command = Subcommand.named(topic) {
            print(command.usage)
            return 0
        }
        do {
            let state = try MindVisRuntime.makeState()
            if topic == "--api" {
                print(try APIReference.markdown(), terminator: "")
            } else {
                // An unknown name is an error (exit status 1), not a help text.
                guard case .string(let text)? = try state.run(chunk: "return mv.help_text(...)", name: "=help", arguments: [.string(topic)]).first else {
                    fputs("mindvis help: no help for '\(topic)'\n", stderr)
                    return 1
                }
                if text.hasPrefix("no help") {
                    fputs("mindvis help: \(text)\n", stderr)
                    return 1
                }
                print(text)
            }
            return 0
        } catch {
            fputs("mindvis help: \(error)\n", stderr)
            return 1
        }
    }
}
