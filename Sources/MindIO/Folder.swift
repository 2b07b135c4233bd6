import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Folders for outputs (run folders, simulations, logs). Made with mkdir one component at a time (mkdir -p), so a
/// failure names the component and the system's reason (not a folder, permission denied, read-only file system):
/// FileManager's createDirectory reports every one of them on Linux as "The operation could not be completed".
public enum Folder {
    /// Creates `path` and any missing parents; an existing folder is fine.
    public static func create(_ path: String) throws {
        guard !path.isEmpty else { throw MindIOError("cannot create a folder: the path is empty") }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix.hasSuffix("/") ? "" : "/") + component
            if mkdir(prefix, 0o755) == 0 { continue }
            let reason = errno
            var isDirectory: ObjCBool = false
            if reason == EEXIST && FileManager.default.fileExists(atPath: prefix, isDirectory: &isDirectory) {
                if isDirectory.boolValue { continue }
                let what = (try? FileManager.default.attributesOfItem(atPath: prefix)[.type] as? FileAttributeType) == .typeRegular
                    ? "is a file, not a folder" : "is not a folder"
                throw MindIOError("cannot create the folder \(path): \(prefix) \(what)")
            }
            throw MindIOError("cannot create the folder \(path): \(prefix): \(String(cString: strerror(reason)))")
        }
    }
}
