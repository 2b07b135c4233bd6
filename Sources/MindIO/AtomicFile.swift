import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes files so that readers only ever see the old file or the complete new one: the content goes
/// to a temporary file in the destination's directory (same file system, so `rename` is atomic), is
/// fsync'ed, renamed over the destination, and the directory entry is fsync'ed too.
public enum AtomicFile {
    /// Streams the content through `body` (so large outputs never need one contiguous buffer).
    public static func write(to url: URL, _ body: (FileSink) throws -> Void) throws {
        let destination = url.standardizedFileURL
        let (temporaryPath, descriptor) = try createTemporaryFile(beside: destination)
        var committed = false
        defer {
            if !committed { unlink(temporaryPath) }
        }
        let sink = FileSink(descriptor: descriptor, path: destination.path)
        do {
            try body(sink)
            try sink.synchronize()
        } catch {
            close(descriptor)
            throw error
        }
        guard close(descriptor) == 0 else {
            throw MindIOError("write \(destination.path): close failed: \(String(cString: strerror(errno)))")
        }
        try commit(temporaryPath: temporaryPath, to: destination)
        committed = true
    }

    public static func write(_ bytes: [UInt8], to url: URL) throws {
        try write(to: url) { sink in try sink.write(bytes) }
    }

    /// For producers that insist on creating the file themselves (ZIPFoundation's `Archive(.create)`
    /// refuses an existing file): `body` receives a path that does not exist yet, in the destination's
    /// directory; once it returns, that file is fsync'ed and renamed over `url`.
    static func write(to url: URL, producingFileAt body: (URL) throws -> Void) throws {
        let destination = url.standardizedFileURL
        let (temporaryPath, descriptor) = try createTemporaryFile(beside: destination)
        close(descriptor)
        unlink(temporaryPath)
        var committed = false
        defer {
            if !committed { unlink(temporaryPath) }
        }
        try body(URL(fileURLWithPath: temporaryPath))
        let descriptorForSync = open(temporaryPath, O_RDWR)
        guard descriptorForSync >= 0 else {
            throw MindIOError("write \(destination.path): producer did not create \(temporaryPath)")
        }
        let syncFailed = fsync(descriptorForSync) != 0
        close(descriptorForSync)
        if syncFailed {
            throw MindIOError("write \(destination.path): fsync failed: \(String(cString: strerror(errno)))")
        }
        try commit(temporaryPath: temporaryPath, to: destination)
        committed = true
    }

    /// Copies `source` to `url` atomically: a reader of `url` sees the old file or the whole copy.
    public static func copy(_ source: URL, to url: URL) throws {
        try write(to: url) { temporary in
            do { try FileManager.default.copyItem(at: source, to: temporary) } catch {
                throw MindIOError("copy \(source.path) to \(url.path): \(error.localizedDescription)")
            }
        }
    }

    /// `O_EXCL` with a counter gives a fresh name without randomness (output stays deterministic).
    private static func createTemporaryFile(beside destination: URL) throws -> (String, Int32) {
        // Checked first, or the whole content would be written before rename refused it ("" is the current folder).
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: destination.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw MindIOError("write \(destination.path): is a folder; give the path of a file")
        }
        let directory = destination.deletingLastPathComponent().path
        let base = destination.lastPathComponent
        let processID = getpid()
        for attempt in 0..<1000 {
            let path = directory + "/." + base + ".\(processID).\(attempt).tmp"
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if descriptor >= 0 { return (path, descriptor) }
            if errno != EEXIST {
                throw MindIOError("write \(destination.path): cannot create temporary file \(path): \(String(cString: strerror(errno)))")
            }
        }
        throw MindIOError("write \(destination.path): no free temporary file name in \(directory)")
    }

    private static func commit(temporaryPath: String, to destination: URL) throws {
        guard rename(temporaryPath, destination.path) == 0 else {
            throw MindIOError("write \(destination.path): rename failed: \(String(cString: strerror(errno)))")
        }
        // Persist the directory entry as well; failure here cannot un-rename, so it is not fatal.
        let directoryDescriptor = open(destination.deletingLastPathComponent().path, O_RDONLY | O_DIRECTORY)
        if directoryDescriptor >= 0 {
            fsync(directoryDescriptor)
            close(directoryDescriptor)
        }
    }
}

/// The output side of `AtomicFile.write(to:_:)`: unbuffered POSIX writes of caller-owned memory.
public final class FileSink {
    private let descriptor: Int32
    private let path: String
    public private(set) var bytesWritten = 0

    init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }

    public func write(_ buffer: UnsafeRawBufferPointer) throws {
        guard var pointer = buffer.baseAddress else { return }
        var left = buffer.count
        while left > 0 {
            let written = systemWrite(descriptor, pointer, left)
            if written < 0 {
                if errno == EINTR { continue }
                throw MindIOError("write \(path): \(String(cString: strerror(errno)))")
            }
            left -= written
            pointer += written
            bytesWritten += written
        }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    func synchronize() throws {
        guard fsync(descriptor) == 0 else {
            throw MindIOError("write \(path): fsync failed: \(String(cString: strerror(errno)))")
        }
    }
}

/// `FileSink.write` shadows the C function inside the class, hence this file-level alias.
private func systemWrite(_ descriptor: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(descriptor, pointer, count)
    #else
    return Darwin.write(descriptor, pointer, count)
    #endif
}
