import Foundation
import XCTest
@testable import MindIO

/// Locates the shared fixtures (walking up from this file to a directory containing shared/fixtures,
/// which works both in the sandbox and in the main repository) and this target's crafted test data.
enum TestFiles {
    static let fixtures: URL = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("shared/fixtures")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        fatalError("shared/fixtures not found above \(#filePath)")
    }()

    static let data = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Data")

    static func fixture(_ relativePath: String) -> URL {
        fixtures.appendingPathComponent(relativePath)
    }

    static func crafted(_ name: String) -> URL {
        data.appendingPathComponent(name)
    }

    /// A fresh empty directory for files a test writes.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("MindIOTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}

/// Asserts that `body` throws a MindIOError whose message contains every fragment.
func assertThrowsMessage<T>(_ body: @autoclosure () throws -> T, contains fragments: String...,
                            file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected an error containing \(fragments)", file: file, line: line)
    } catch let error as MindIOError {
        for fragment in fragments {
            XCTAssertTrue(error.message.contains(fragment), "message \"\(error.message)\" lacks \"\(fragment)\"",
                          file: file, line: line)
        }
    } catch {
        XCTFail("expected MindIOError, got \(error)", file: file, line: line)
    }
}

/// Runs python3 with numpy if available; returns nil when numpy cannot be imported.
func runPythonWithNumpy(_ script: String) throws -> String? {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["python3", "-c", script]
    let output = Pipe()
    process.standardOutput = output
    process.standardError = Pipe()
    do {
        try process.run()
    } catch {
        return nil
    }
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let text = String(decoding: data, as: UTF8.self)
    if process.terminationStatus == 3 { return nil }  // scripts exit 3 when numpy is missing
    guard process.terminationStatus == 0 else {
        throw MindIOError("python3 failed (status \(process.terminationStatus)): \(text)")
    }
    return text
}
