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
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer before fstat can refuse it.
        // Regular files ignore the flag, so the reads below still block as usual.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw ImageError("\(operation): \(path): cannot open: \(errnoText())") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ImageError("\(operation): \(path): cannot stat: \(errnoText())") }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ImageError("\(operation): \(path): not a regular file")
        }
        let size = Int(info.st_size)
        guard size <= maxBytes else {
            throw ImageError("\(operation): \(path): file of \(size) bytes exceeds the limit of \(maxBytes) bytes")
        }
        var bytes = make(size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { buffer in
                Glibc.read(fd, buffer.baseAddress! + done, size - done)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw ImageError("\(operation): \(path): read failed: \(errnoText())")
            }
            if n == 0 { break }
            done += n
        }
        guard done == size else {
            throw ImageError("\(operation): \(path): file shrank while reading (\(done) of \(size) bytes)")
        }
        return bytes
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
