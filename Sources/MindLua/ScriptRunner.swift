import CLua
import Foundation
import LuaShim

/// Runs scripts and `-e` chunks as lua(1) does: the `arg` table, `...` in the main chunk, errors reported as
/// `mindvis: <message>` plus traceback on standard error. Ctrl-C stops the running Lua code ("interrupted!").
public struct ScriptRunner {
    /// Set by `BatchRunner` in a child's environment: the file where the child writes its error message, so the
    /// batch summary can show it without parsing the script's own output.
    static let errorFileVariable = "MINDVIS_BATCH_ERROR_FILE"

    private let state: LuaState
    private let errorFile: String?

    /// Takes over the batch error file from the environment (removing the variable, so scripts that run
    /// `mindvis` themselves do not write into it).
    public init(state: LuaState) {
        self.state = state
        if let path = getenv(ScriptRunner.errorFileVariable) {
            errorFile = String(cString: path)
            unsetenv(ScriptRunner.errorFileVariable)
            // Keep the log readable in order: stdout and stderr go to the same file in a batch.
            setvbuf(stdout, nil, _IOLBF, 0)
        } else {
            errorFile = nil
        }
    }

    /// Creates the global `arg` exactly as lua(1): `argv[scriptIndex]` (the script name, or "-") is `arg[0]`,
    /// the script's arguments are `arg[1...]`, the interpreter and its options get negative indices. Without a
    /// script, `arg[0]` is the program name and all other arguments are positive.
    public func setArgumentTable(_ argv: [String], scriptIndex: Int?) throws {
        let script = scriptIndex ?? 0
        var entries: [LuaTableEntry] = []
        for (position, argument) in argv.enumerated() {
            entries.append(LuaTableEntry(key: .integer(position - script), value: .string(argument)))
        }
        try state.setGlobal("arg", LuaValue.table(entries))
    }

    /// Runs a `-e` chunk. Returns false (after reporting) on error.
    public func runChunk(_ code: String) -> Bool {
        run { try state.runScript(path: nil, chunk: code, name: "=(command line)") }
    }

    /// Runs the script at `path` (standard input if nil) with `arguments` as `...`. Returns false on error.
    public func runScript(path: String?, arguments: [String]) -> Bool {
        if let path { state.addPackageDirectory(of: path) }
        return run { try state.runScript(path: path, arguments: arguments.map(LuaValue.string)) }
    }

    private func run(_ body: () throws -> Void) -> Bool {
        LuaInterrupt.stopLuaOnInterrupt(state)
        defer { LuaInterrupt.flagOnInterrupt(state) }
        do {
            try body()
            return true
        } catch {
            report(error)
            return false
        }
    }

    /// `mindvis: <message>` and the traceback on standard error (after flushing standard output, so a log keeps
    /// the order of events).
    public func report(_ error: Error) {
        fflush(stdout)
        let text: String
        if let error = error as? LuaError {
            text = "mindvis: " + error.message + (error.traceback.isEmpty ? "" : "\n" + error.traceback)
        } else {
            text = "mindvis: " + String(describing: error)
        }
        fputs(text + "\n", stderr)
        fflush(stderr)
        if let errorFile {
            let message = (error as? LuaError)?.message ?? String(describing: error)
            try? Data(message.utf8).write(to: URL(fileURLWithPath: errorFile), options: .atomic)
        }
    }
}

extension LuaState {
    /// Puts `<dir>/?.lua;<dir>/?/init.lua` first in `package.path`, where dir is the directory of `scriptPath`, so
    /// a script can `require` modules next to it wherever it is run from.
    func addPackageDirectory(of scriptPath: String) {
        // By hand: NSString.deletingLastPathComponent traps on "." and "~" in swift-corelibs-foundation.
        var script = Substring(scriptPath)
        while script.count > 1 && script.hasSuffix("/") { script = script.dropLast() }
        let slash = script.lastIndex(of: "/")
        let directory = slash.map { $0 == script.startIndex ? "/" : String(script[..<$0]) } ?? ""
        let prefix = directory.isEmpty || directory.hasSuffix("/") ? directory : directory + "/"
        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        LuaStack.pushGlobals(L)
        guard LuaStack.rawGet(L, table: -1, key: "package") == LUA_TTABLE,
              LuaStack.rawGet(L, table: -1, key: "path") == LUA_TSTRING else { return }
        let path = LuaStack.string(L, -1)
        LuaStack.push(L, "\(prefix)?.lua;\(prefix)?/init.lua;" + path)
        LuaStack.rawSet(L, table: -3, key: "path")
    }
}
