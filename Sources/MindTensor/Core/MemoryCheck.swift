import Foundation

/// Large requests are checked against what the system can still give before they are made. On Linux, malloc and
/// mmap succeed for almost any size below the machine's memory (the kernel overcommits), and the process is
/// killed later, when the pages are touched, if the memory is not there: a script that asks for too much must get an
/// error it can read instead. Swift arrays sized from user input (images as bytes, resized images) and tensor
/// buffers (`CachingAllocator`) ask here first.
public enum MemoryCheck {
    /// Requests below this are left unchecked: they fail only when the machine is already out of memory.
    public static let threshold = 1 << 28

    /// Throws "out of memory" when `bytes` cannot be allocated now: more than the system has available, or refused
    /// under the process's own limits.
    public static func ensureAvailable(bytes: Int, for what: String) throws {
        guard bytes >= threshold else { return }
        if let available = availableBytes(), bytes > available {
            throw TensorError("out of memory: cannot allocate \(ByteCount.describe(bytes)) for \(what): the system has \(ByteCount.describe(available)) available")
        }
        guard let probe = malloc(bytes) else {
            throw TensorError("out of memory: cannot allocate \(ByteCount.describe(bytes)) for \(what)")
        }
        free(probe)
    }

    /// What the system can still give this process, in bytes: Linux's MemAvailable (free memory and the page cache it
    /// can drop), lowered to what is left under a cgroup v2 memory limit when the process runs under one; nil where
    /// neither can be read.
    public static func availableBytes() -> Int? {
        var available: Int?
        if let info = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8),
           let line = info.split(separator: "\n").first(where: { $0.hasPrefix("MemAvailable:") }),
           let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) }) {
            available = kilobytes * 1024
        }
        if let limit = cgroupValue("memory.max"), let used = cgroupValue("memory.current") {
            available = Swift.min(available ?? .max, Swift.max(0, limit - used))
        }
        return available
    }

    /// A number in the process's cgroup v2 folder ("max" and missing files give nil).
    private static func cgroupValue(_ name: String) -> Int? {
        guard let text = try? String(contentsOfFile: "/sys/fs/cgroup/" + name, encoding: .utf8) else { return nil }
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
