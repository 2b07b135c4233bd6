import Foundation
import XCTest
@testable import MindLua

/// Runs `chunk` and returns its first result as a string (tostring semantics for non-strings via `LuaValue`).
func evaluate(_ state: LuaState, _ chunk: String) throws -> LuaValue {
    try state.run(chunk: chunk, name: "=test").first ?? .nil
}

/// The message of the error `chunk` raises when run through `pcall` inside Lua.
func pcallMessage(_ state: LuaState, _ chunk: String, file: StaticString = #filePath, line: UInt = #line) throws -> String {
    let result = try state.run(chunk: "local ok, message = pcall(function() \(chunk) end) return ok, message", name: "=test")
    XCTAssertEqual(result.first, .boolean(false), "expected an error from: \(chunk)", file: file, line: line)
    guard result.count == 2, case .string(let message) = result[1] else {
        XCTFail("no error message from: \(chunk)", file: file, line: line)
        return ""
    }
    return message
}

/// The package root (the directory holding Package.swift), found from this file.
func packageRoot() -> URL {
    var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    while directory.path != "/" {
        if FileManager.default.fileExists(atPath: directory.appendingPathComponent("Package.swift").path) { return directory }
        directory.deleteLastPathComponent()
    }
    return URL(fileURLWithPath: #filePath).deletingLastPathComponent()
}

/// The built `mindvis` executable: $MINDVIS_BIN, else next to the test bundle (the build products directory),
/// else <package>/.build/debug/mindvis.
func mindvisBinary() throws -> URL {
    var candidates: [URL] = []
    if let path = ProcessInfo.processInfo.environment["MINDVIS_BIN"] { candidates.append(URL(fileURLWithPath: path)) }
    let testBundle = Bundle(for: CLITestCase.self).bundleURL
    candidates.append(testBundle.deletingLastPathComponent().appendingPathComponent("mindvis"))
    if let executable = Bundle.main.executableURL {
        candidates.append(executable.deletingLastPathComponent().appendingPathComponent("mindvis"))
    }
    candidates.append(packageRoot().appendingPathComponent(".build/debug/mindvis"))
    guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) else {
        throw XCTSkip("mindvis binary not found (looked at \(candidates.map(\.path)))")
    }
    return found
}

/// Base class of tests that run the `mindvis` binary as a subprocess.
class CLITestCase: XCTestCase {
    struct Run {
        let status: Int32
        let reason: Process.TerminationReason
        let stdout: String
        let stderr: String
    }

    /// A fresh temporary directory for this test (removed afterwards).
    lazy var workDirectory: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("mindvis-cli-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }()

    /// Writes `text` to `name` in the work directory (the subprocesses' current directory); returns `name`.
    /// Relative names keep Lua's chunk names short (long paths are abbreviated with "..." in messages).
    @discardableResult
    func writeFile(_ name: String, _ text: String) throws -> String {
        try text.write(to: workDirectory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        return name
    }

    func makeProcess(_ arguments: [String], environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = try mindvisBinary()
        process.arguments = arguments
        process.currentDirectoryURL = workDirectory
        var variables = ProcessInfo.processInfo.environment
        variables["MINDVIS_HISTORY"] = ""
        for (key, value) in environment { variables[key] = value }
        process.environment = variables
        return process
    }

    /// Runs mindvis to completion with `input` on standard input and `environment` added to the test's own (a
    /// timeout kills it and fails the test).
    func mindvis(_ arguments: [String], input: String = "", environment: [String: String] = [:], timeout: TimeInterval = 60,
                 file: StaticString = #filePath, line: UInt = #line) throws -> Run {
        let process = try makeProcess(arguments, environment: environment)
        let stdinPipe = Pipe(), stdoutPipe = Pipe(), stderrPipe = Pipe()
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        try process.run()
        stdinPipe.fileHandleForWriting.write(Data(input.utf8))
        try stdinPipe.fileHandleForWriting.close()
        let output = readAll(stdoutPipe, stderrPipe)
        if !waitForExit(process, timeout: timeout) {
            process.terminate()
            XCTFail("mindvis \(arguments) timed out", file: file, line: line)
        }
        return Run(status: process.terminationStatus, reason: process.terminationReason,
                   stdout: output.stdout, stderr: output.stderr)
    }

    /// Reads both pipes to end of file concurrently (so neither can fill up and block the child).
    func readAll(_ stdoutPipe: Pipe, _ stderrPipe: Pipe) -> (stdout: String, stderr: String) {
        final class Collected: @unchecked Sendable { var data = Data() }
        let errors = Collected()
        let group = DispatchGroup()
        group.enter()
        DispatchQueue.global().async {
            errors.data = stderrPipe.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outputData = stdoutPipe.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        return (String(decoding: outputData, as: UTF8.self), String(decoding: errors.data, as: UTF8.self))
    }

    func waitForExit(_ process: Process, timeout: TimeInterval) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        while process.isRunning {
            if Date() > deadline { return false }
            usleep(10_000)
        }
        process.waitUntilExit()
        return true
    }

    /// Starts mindvis, waits until its standard output contains `marker`, sends SIGINT, and collects the rest.
    /// `pause` is waited before each signal (e.g. to let the child block in a system call after printing).
    func interruptAfter(_ marker: String, _ arguments: [String], signals: Int = 1, pause: TimeInterval = 0,
                        file: StaticString = #filePath, line: UInt = #line) throws -> Run {
        let process = try makeProcess(arguments)
        let stdinPipe = Pipe(), stdoutPipe = Pipe(), stderrPipe = Pipe()
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        try process.run()
        var seen = Data()
        let deadline = Date(timeIntervalSinceNow: 30)
        while !String(decoding: seen, as: UTF8.self).contains(marker) {
            let chunk = stdoutPipe.fileHandleForReading.availableData
            if chunk.isEmpty || Date() > deadline {
                process.terminate()
                XCTFail("mindvis never printed '\(marker)'", file: file, line: line)
                break
            }
            seen.append(chunk)
        }
        for _ in 0..<signals {
            Thread.sleep(forTimeInterval: pause)
            kill(process.processIdentifier, SIGINT)
        }
        let rest = readAll(stdoutPipe, stderrPipe)
        if !waitForExit(process, timeout: 30) {
            process.terminate()
            XCTFail("mindvis did not stop after SIGINT", file: file, line: line)
        }
        try? stdinPipe.fileHandleForWriting.close()
        return Run(status: process.terminationStatus, reason: process.terminationReason,
                   stdout: String(decoding: seen, as: UTF8.self) + rest.stdout, stderr: rest.stderr)
    }
}
