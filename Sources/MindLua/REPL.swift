import CLua
import Foundation
import LuaShim

/// The interactive read-eval-print loop, after lua.c and trepl:
/// - each line is first compiled as `return <line>` so expressions print their values (a trailing `;` suppresses
///   this); otherwise as a statement;
/// - a chunk whose syntax error ends in `<eof>` is unfinished: more lines are read with the `...> ` prompt;
/// - results are pretty-printed (`LuaPrettyPrinter`), errors print message and traceback, and the loop goes on;
/// - Ctrl-C interrupts the running chunk (Lua hook) or a polling Swift loop and returns to the prompt (a second one
///   while an operation that does not poll runs only says the first is pending: the session survives); at the
///   prompt it discards the current input; Ctrl-D (end of input) leaves.
/// On a terminal, input comes from libedit (history in ~/.mindvis_history or $MINDVIS_HISTORY, Tab completion);
/// otherwise lines are read plainly from standard input without prompts, so the REPL can be driven by a pipe.
public final class REPL {
    private let state: LuaState
    private let reader: LineReader
    private let interactive: Bool
    private let printer = LuaPrettyPrinter()
    private var showsTiming = false

    public init(state: LuaState) {
        self.state = state
        if isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0,
           let editor = LineEditor(historyPath: REPL.historyPath(), completer: { [unowned state] text in
               LuaCompleter.complete(state, textBeforeCursor: text)
           }) {
            reader = editor
            interactive = true
        } else {
            reader = PlainLineReader()
            interactive = false
        }
    }

    static func historyPath() -> String? {
        let environment = ProcessInfo.processInfo.environment
        if let path = environment["MINDVIS_HISTORY"] { return path.isEmpty ? nil : path }
        guard let home = environment["HOME"], !home.isEmpty else { return nil }
        return home + "/.mindvis_history"
    }

    /// Runs until end of input.
    public func run() {
        if interactive {
            write("mindvis \(MindVisRuntime.version) (\(String(cString: mv_lua_release()))). "
                  + "Ctrl-D exits, Ctrl-C interrupts, :help lists REPL commands.\n")
        }
        var pending: [String] = []
        while true {
            LuaInterrupt.flagOnInterrupt(state)
            LuaInterrupt.clear()
            switch reader.readLine(prompt: pending.isEmpty ? "mv> " : "...> ") {
            case .endOfFile:
                if interactive { write("\n") }
                // An unfinished chunk at the end of the input is lua(1)'s syntax error ('end' expected near <eof>),
                // not silence: piped input that stops mid-statement is a mistake to report.
                if !pending.isEmpty, case .syntaxError(let message) = compile(pending, atEnd: true) {
                    report(LuaError(message: message))
                }
                return
            case .interrupted:
                pending.removeAll()
            case .line(let line):
                reader.addHistory(line)
                if pending.isEmpty, let command = REPLCommand(line) {
                    perform(command)
                    continue
                }
                pending.append(line)
                switch compile(pending) {
                case .incomplete:
                    continue
                case .syntaxError(let message):
                    pending.removeAll()
                    report(LuaError(message: message))
                case .loaded(let quiet):
                    pending.removeAll()
                    executeLoadedChunk(printing: !quiet)
                }
            }
        }
    }

    private enum Compilation {
        /// `quiet`: the line ended in ';', so its values are not printed.
        case loaded(quiet: Bool)
        case incomplete
        case syntaxError(String)
    }

    /// Compiles the pending lines; on success the chunk is pushed. `atEnd`: no more lines will come, so an
    /// unfinished chunk is a syntax error.
    private func compile(_ lines: [String], atEnd: Bool = false) -> Compilation {
        let source = lines.joined(separator: "\n")
        let line = source.trimmingCharacters(in: .whitespaces)
        let quiet = lines.count == 1 && line.hasSuffix(";")
        if lines.count == 1, !quiet, LuaChunk.load(state.L, source: "return " + source, name: "=stdin") == nil {
            return .loaded(quiet: false)
        }
        guard let error = LuaChunk.load(state.L, source: source, name: "=stdin") else { return .loaded(quiet: quiet) }
        // `t;` is no statement: an expression before the ';' is evaluated without printing it.
        if quiet, LuaChunk.load(state.L, source: "return " + line.dropLast(), name: "=stdin") == nil {
            return .loaded(quiet: true)
        }
        return LuaChunk.isIncomplete(syntaxError: error) && !atEnd ? .incomplete : .syntaxError(error)
    }

    private func executeLoadedChunk(printing: Bool) {
        let L = state.L
        let base = lua_gettop(L) - 1
        defer { lua_settop(L, base) }
        state.drainPendingUnreferences()
        LuaInterrupt.stopLuaKeepingSessionOnInterrupt(state)
        let start = DispatchTime.now()
        do {
            let count = try LuaChunk.protectedCall(L, argumentCount: 0)
            let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            LuaInterrupt.flagOnInterrupt(state)
            if printing, count > 0 {
                write((1...count).map { printer.render(L, base + $0) }.joined(separator: "\t") + "\n")
            }
            if showsTiming { write(String(format: "(%.3f s)\n", elapsed)) }
        } catch {
            LuaInterrupt.flagOnInterrupt(state)
            report(error)
        }
    }

    private func perform(_ command: REPLCommand) {
        switch command {
        case .time:
            showsTiming.toggle()
            write("timing \(showsTiming ? "on" : "off")\n")
        case .help:
            write("""
                REPL commands:
                  :time   toggle printing the time each command takes
                  :help   this list
                Expressions print their values (end a line with ';' to suppress). Tab completes names.
                help(x) prints the help of a function, object, module or namespace: help(mv.randn), help(t),
                help(mv.nn); help() gives an overview. The whole API is in docs/API.md.

                """)
        case .unknown(let name):
            report(LuaBindingError("unknown REPL command ':\(name)' (try :help)"))
        }
    }

    private func write(_ text: String) {
        fputs(text, stdout)
        fflush(stdout)
    }

    private func report(_ error: Error) {
        fflush(stdout)
        fputs(String(describing: error) + "\n", stderr)
    }
}

/// A REPL command: a line of the form `:name` (never valid Lua, and distinct from a `::label::`).
enum REPLCommand: Equatable {
    case time, help
    case unknown(String)

    init?(_ line: String) {
        let text = line.trimmingCharacters(in: .whitespaces)
        guard text.hasPrefix(":"), !text.hasPrefix("::") else { return nil }
        switch text.dropFirst() {
        case "time": self = .time
        case "help": self = .help
        default: self = .unknown(String(text.dropFirst()))
        }
    }
}
