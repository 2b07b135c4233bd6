#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A growable byte container a file can be read straight into: `[UInt8]` here, Foundation's `Data` in MindIO.
public protocol FileByteBuffer {
    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: FileByteBuffer where Element == UInt8 {}

/// Whole-file byte I/O with errno-based messages, and atomic replacement of files.
public enum FileBytes {
    /// Reads a regular file completely. `operation` prefixes error messages ("png", "jpeg", ...).
    public static func read(path: String, operation: String, maxBytes: Int = 1 << 31) throws -> [UInt8] {
        try read(path: path, operation: operation, maxBytes: maxBytes) { size in [UInt8](repeating: 0, count: size) }
    }

    /// `read` into any byte container: `make(size)` allocates it, the file's bytes are read straight into it.
    /// Refuses what is not a regular file (a FIFO or device would block or never end) and a file that
    /// shrinks while being read.
    public static func read<Bytes: FileByteBuffer>(path: String, operation: String, maxBytes: Int,
                                                    make: (Int) -> Bytes) throws -> Bytes {
        let (fd, size) = try openRegularFile(path: path, operation: operation)
        defer { close(fd) }
        guard size <= maxBytes else {
            throw ImageError("\(operation): \(path): file of \(size) bytes exceeds the limit of \(maxBytes) bytes")
        }
        var bytes = make(size)
        let done = try bytes.withUnsafeMutableBytes { try readFully(fd, into: $0, path: path, operation: operation) }
        guard done == size else {
            throw ImageError("\(operation): \(path): file shrank while reading (\(done) of \(size) bytes)")
        }
        return bytes
    }

    /// The first `count` bytes of a regular file (fewer if it is shorter): enough to recognise a format.
    public static func head(path: String, operation: String, count: Int) throws -> [UInt8] {
        let (fd, size) = try openRegularFile(path: path, operation: operation)
        defer { close(fd) }
        var bytes = [UInt8](repeating: 0, count: min(count, size))
        let done = try bytes.withUnsafeMutableBytes { try readFully(fd, into: $0, path: path, operation: operation) }
        return Array(bytes.prefix(done))
    }

    /// Opens `path` for reading and returns the descriptor and size, or throws for a missing file, a directory,
    /// a FIFO or a device.
    private static func openRegularFile(path: String, operation: String) throws -> (Int32, Int) {
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer before fstat can refuse it.
        // Regular files ignore the flag, so reads still block as usual.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw ImageError("\(operation): \(path): cannot open: \(errnoText())") }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let message = errnoText()
            close(fd)
            throw ImageError("\(operation): \(path): cannot stat: \(message)")
        }
        let kind = info.st_mode & S_IFMT
        guard kind == S_IFREG else {
            close(fd)
            throw ImageError("\(operation): \(path): \(kind == S_IFDIR ? "is a directory, expected a file" : "not a regular file")")
        }
        return (fd, Int(info.st_size))
    }

    /// Reads until `buffer` is full or the file ends; returns the bytes read.
    private static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String, operation: String) throws -> Int {
        var done = 0
        while done < buffer.count {
            let n = Glibc.read(fd, buffer.baseAddress! + done, buffer.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw ImageError("\(operation): \(path): read failed: \(errnoText())")
            }
            if n == 0 { break }
            done += n
        }
        return done
    }

    /// Writes `bytes` to a temporary file in the destination's directory, flushes it, then renames it
    /// over `path`, so readers see either the old file or the complete new one, never a partial one.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, operation: String) throws {
        let slash = path.lastIndex(of: "/")
        let directory = slash.map { String(path[..<$0]) } ?? "."
        let base = slash.map { String(path[path.index(after: $0)...]) } ?? path
        guard !base.isEmpty else { throw ImageError("\(operation): \(path): path names a directory, expected a file") }
        var template = Array("\(directory.isEmpty ? "/" : directory)/.\(base).tmp.XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else {
            throw ImageError("\(operation): \(path): cannot create a temporary file in \(directory): \(errnoText())")
        }
        let tempPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        var ok = false
        defer {
            if !ok { unlink(tempPath) }
        }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { buffer in
                write(fd, buffer.baseAddress! + done, bytes.count - done)
            }
            if n < 0 {
                if errno == EINTR { continue }
                let text = errnoText()
                close(fd)
                throw ImageError("\(operation): \(path): write failed: \(text)")
            }
            done += n
        }
        // mkstemp creates mode 0600; images and checkpoints are meant to be readable like other files.
        fchmod(fd, 0o644)
        guard fsync(fd) == 0 else {
            let text = errnoText()
            close(fd)
            throw ImageError("\(operation): \(path): fsync failed: \(text)")
        }
        guard close(fd) == 0 else { throw ImageError("\(operation): \(path): close failed: \(errnoText())") }
        guard rename(tempPath, path) == 0 else {
            throw ImageError("\(operation): \(path): cannot rename the temporary file into place: \(errnoText())")
        }
        ok = true
    }

    static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
