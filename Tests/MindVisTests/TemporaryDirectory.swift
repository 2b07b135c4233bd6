import Foundation
import XCTest

extension XCTestCase {
    /// A fresh directory under the system's temporary folder, removed when the test ends (pass or fail), so
    /// runs of the suite leave nothing behind.
    func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("MindVisTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }
}
