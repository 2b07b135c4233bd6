import Foundation
import XCTest
@testable import MindIO

final class AtomicFileTests: XCTestCase {
    func testFailedWriteLeavesTheOldFileAndNoTemporaries() throws {
        let directory = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("out.bin")
        try AtomicFile.write([1, 2, 3], to: url)
        XCTAssertEqual(try Data(contentsOf: url), Data([1, 2, 3]))
        assertThrowsMessage(try AtomicFile.write(to: url) { sink in
            try sink.write([9, 9, 9, 9])
            throw MindIOError("producer failed halfway")
        }, contains: "producer failed halfway")
        XCTAssertEqual(try Data(contentsOf: url), Data([1, 2, 3]))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["out.bin"])
        try AtomicFile.write(to: url) { sink in
            try sink.write([4, 5])
            try sink.write([6])
            XCTAssertEqual(sink.bytesWritten, 3)
        }
        XCTAssertEqual(try Data(contentsOf: url), Data([4, 5, 6]))
        assertThrowsMessage(try AtomicFile.write([1], to: directory.appendingPathComponent("missing/dir/x.bin")),
                            contains: "cannot create temporary file")
    }
}
