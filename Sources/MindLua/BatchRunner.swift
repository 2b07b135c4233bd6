import Foundation
import MindIO

/// `mindvis batch a.lua b.lua ... [--log-dir DIR]`: runs each script in a fresh interpreter, continues past
/// failures, prints a summary table, and reports failure if any script failed.
///
/// Each script runs in a child process of the same executable rather than in a fresh `lua_State` of this process:
/// a script cannot leave anything behind for the next one (global Swift state such as seeds, caches and thread
/// settings; leaked memory; `os.exit`; a crash or abort in native code), and Ctrl-C handling stays per script.
/// The cost is one process start per script (milliseconds), negligible next to training or sampling.
public struct BatchRunner {
    public struct ScriptResult: Equatable {
        public enum Status: Equatable {
            case ok
            /// The first line of the error message (or how the process ended).
            case failed(String)
            case interrupted
            case skipped
        }

        public let script: String
        public let status: Status
        public let seconds: Double
    }

    let scripts: [String]
    let logDirectory: String?
    let executable: String

    /// `executable` is the `mindvis` binary to run the scripts with (normally this process's own image).
    public init(scripts: [String], logDirectory: String?, executable: String = BatchRunner.currentExecutable()) {
        self.scripts = scripts
        self.logDirectory = logDirectory
        self.executable = executable
    }

    /// This process's executable (`/proc/self/exe`), or argv[0] if that cannot be read.
    public static func currentExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Runs the batch, prints progress and the summary to standard output; returns the exit status (0 if every
    /// script succeeded, 1 otherwise).
    public func run() -> Int32 {
        if let logDirectory {
            do {
                try Folder.create(logDirectory)
            } catch {
                fputs("mindvis batch: log directory: \(error)\n", stderr)
                return 1
            }
        }
        LuaInterrupt.flagOnInterrupt(nil)
        LuaInterrupt.clear()
        var results: [ScriptResult] = []
        var logNames: Set<String> = []
        var stopped = false
        for (position, script) in scripts.enumerated() {
            stopped = stopped || LuaInterrupt.isRequested
            if stopped {
                results.append(ScriptResult(script: script, status: .skipped, seconds: 0))
                continue
            }
            print("[\(position + 1)/\(scripts.count)] \(script)")
            fflush(stdout)
            let result = runOne(script, logName: uniqueLogName(for: script, taken: &logNames))
            stopped = result.status == .interrupted
            results.append(result)
        }
        print(BatchRunner.summary(results))
        fflush(stdout)
        return results.allSatisfy { $0.status == .ok } ? 0 : 1
    }

    private func runOne(_ script: String, logName: String) -> ScriptResult {
        let errorFile = FileManager.default.temporaryDirectory
            .appendingPathComponent("mindvis-batch-\(getpid())-\(UUID().uuidString).err").path
        defer { unlink(errorFile) }
        var log: (descriptor: Int32, temporary: String, final: String)?
        if let logDirectory {
            let final = (logDirectory as NSString).appendingPathComponent(logName)
            let temporary = (logDirectory as NSString).appendingPathComponent(".\(logName).tmp-\(getpid())")
            let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard descriptor >= 0 else {
                return ScriptResult(script: script, status: .failed("cannot create log \(temporary): \(String(cString: strerror(errno)))"), seconds: 0)
            }
            log = (descriptor, temporary, final)
        }
        let child = ChildProcess(executable: executable, arguments: ["--", script],
                                 environment: [ScriptRunner.errorFileVariable: errorFile],
                                 outputDescriptor: log?.descriptor)
        let start = DispatchTime.now()
        let outcome = Swift.Result<ChildProcess.Outcome, Error>(catching: { try child.run() })
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
        if let log {
            close(log.descriptor)
            // Atomic: the log appears under its final name only once complete.
            if rename(log.temporary, log.final) != 0 { unlink(log.temporary) }
        }
        switch outcome {
        case .failure(let error):
            return ScriptResult(script: script, status: .failed(String(describing: error)), seconds: seconds)
        case .success(let outcome):
            if outcome.interrupted { return ScriptResult(script: script, status: .interrupted, seconds: seconds) }
            switch outcome.termination {
            case .exited(0):
                return ScriptResult(script: script, status: .ok, seconds: seconds)
            case .exited(let code):
                let message = (try? String(contentsOfFile: errorFile, encoding: .utf8))?
                    .split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init)
                return ScriptResult(script: script, status: .failed(message ?? "exit status \(code)"), seconds: seconds)
            case .signaled(let signal):
                return ScriptResult(script: script, status: .failed("killed by signal \(signal)"), seconds: seconds)
            }
        }
    }

    /// `train.lua` -> `train.log`; a second script with the same base name gets `train-2.log`.
    private func uniqueLogName(for script: String, taken: inout Set<String>) -> String {
        var base = (script as NSString).lastPathComponent
        if base.hasSuffix(".lua") { base.removeLast(4) }
        var name = base + ".log"
        var counter = 2
        while taken.contains(name) {
            name = "\(base)-\(counter).log"
            counter += 1
        }
        taken.insert(name)
        return name
    }

    /// The summary table: one row per script with status, wall time and, for failures, the first error line.
    public static func summary(_ results: [ScriptResult]) -> String {
        let scriptWidth = max(6, results.map(\.script.count).max() ?? 0)
        func row(_ script: String, _ status: String, _ time: String, _ detail: String) -> String {
            let line = script.padding(toLength: scriptWidth, withPad: " ", startingAt: 0) + "  "
                + status.padding(toLength: 11, withPad: " ", startingAt: 0) + "  "
                + String(repeating: " ", count: max(0, 9 - time.count)) + time
            return detail.isEmpty ? line : line + "  " + detail
        }
        var lines = [row("script", "status", "time", ""),
                     String(repeating: "-", count: scriptWidth + 2 + 11 + 2 + 9)]
        for result in results {
            let time = result.status == .skipped ? "-" : String(format: "%.2fs", result.seconds)
            switch result.status {
            case .ok: lines.append(row(result.script, "ok", time, ""))
            case .failed(let message): lines.append(row(result.script, "FAILED", time, message))
            case .interrupted: lines.append(row(result.script, "INTERRUPTED", time, ""))
            case .skipped: lines.append(row(result.script, "skipped", time, ""))
            }
        }
        let failed = results.filter { $0.status != .ok }.count
        lines.append("\(results.count) script\(results.count == 1 ? "" : "s"), \(failed) not ok")
        return lines.joined(separator: "\n")
    }
}
