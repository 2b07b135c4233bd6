import Foundation
import XCTest
@testable import MindIO

final class FolderTests: XCTestCase {
    /// mkdir -p: parents made, an existing folder accepted, and what is in the way named with the system's reason
    /// (FileManager said "The operation could not be completed" for each of these on Linux).
    func testCreatesParentsAndNamesWhatIsInTheWay() throws {
        let directory = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let nested = directory.path + "/a/b//c"
        try Folder.create(nested)
        try Folder.create(nested)
        var isDirectory: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.path + "/a/b/c", isDirectory: &isDirectory) && isDirectory.boolValue)
        try Data([1]).write(to: directory.appendingPathComponent("file"))
        assertThrowsMessage(try Folder.create(directory.path + "/file/run"), contains: "\(directory.path)/file is a file, not a folder")
        assertThrowsMessage(try Folder.create("/dev/null/run"), contains: "cannot create the folder /dev/null/run: /dev/null is not a folder")
        assertThrowsMessage(try Folder.create("/proc/mindvis-run"), contains: "cannot create the folder /proc/mindvis-run: /proc/mindvis-run: ")
        assertThrowsMessage(try Folder.create(""), contains: "the path is empty")
        // A relative path is made under the working folder.
        let saved = FileManager.default.currentDirectoryPath
        defer { FileManager.default.changeCurrentDirectoryPath(saved) }
        FileManager.default.changeCurrentDirectoryPath(directory.path)
        try Folder.create("rel/x")
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.path + "/rel/x"))
    }
}
