import Foundation

/// Swift arrays trap when the system cannot give them their memory. Code that sizes a large array from user input
/// (images as bytes, resized images) asks here first, so that an impossible request is an error the user can read
/// instead of the end of the process.
public enum MemoryCheck {
    /// Requests below this are left to the array: they fail only when the machine is already out of memory.
    static let threshold = 1 << 28

    /// Throws "out of memory" when `bytes` cannot be allocated now (under the memory limits of the process).
    public static func ensureAvailable(bytes: Int, for what: String) throws {
        guard bytes >= threshold else { return }
        guard let probe = malloc(bytes) else {
            throw TensorError("out of memory: cannot allocate \(ByteCount.describe(bytes)) for \(what)")
        }
        free(probe)
    }
}
