import Foundation
import MindImage

extension Data: FileByteBuffer {}

/// Whole-file reads for every MindIO format. Deliberately a copy, not a memory map: when another process
/// truncates or rewrites a mapped file (a training run saving a checkpoint while a REPL inspects it), touching
/// the vanished pages raises SIGBUS and kills the process. A copied file can only come out short or stale,
/// which the format parsers report as a clear error. The price is the file's size in memory, which a
/// checkpoint's tensors cost anyway once they are loaded.
enum FileContents {
    /// The bytes of `url` (a regular file no larger than physical memory); failures name `context` (the
    /// format) and the path.
    static func read(_ url: URL, context: String) throws -> Data {
        do {
            return try FileBytes.read(path: url.path, operation: context, maxBytes: Int(clamping: ProcessInfo.processInfo.physicalMemory)) {
                Data(count: $0)
            }
        } catch let error as ImageError {
            throw MindIOError(error.message)
        }
    }
}
