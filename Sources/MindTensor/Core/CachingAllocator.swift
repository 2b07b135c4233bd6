import Foundation

/// A size-bucketed cache of 64-byte aligned float buffers. glibc serves large blocks with mmap, so
/// without a cache every activation freed and re-allocated in a training loop costs an munmap plus
/// fresh zero-filled page faults (DESIGN.md §4, "No allocation in hot loops"). Freed buffers are kept per size class and
/// handed out again; the cache is bounded and dropped when an allocation fails.
public final class CachingAllocator: @unchecked Sendable {
    public static let shared = CachingAllocator()

    /// Live and peak bytes of tensor storage, and bytes parked in the cache.
    public struct Statistics: Equatable {
        public var liveBytes: Int
        public var peakBytes: Int
        public var cachedBytes: Int
    }

    private let lock = NSLock()
    private var free: [Int: [UnsafeMutablePointer<Float>]] = [:]
    private var stats = Statistics(liveBytes: 0, peakBytes: 0, cachedBytes: 0)
    /// Upper bound on cached (idle) bytes; beyond it freed buffers go straight back to the system.
    public var cacheLimitBytes = 4 << 30

    /// Size classes: exact below 4 KiB-ish, otherwise rounded up to a quarter of a power of two so
    /// that slightly different shapes share buffers while wasting at most 25%.
    static func sizeClass(_ count: Int) -> Int {
        let n = Swift.max(count, 16)
        if n <= 1024 { return (n + 15) & ~15 }
        let top = Int.bitWidth - 1 - n.leadingZeroBitCount // floor(log2 n)
        let quarter = 1 << (top - 2)
        return (n + quarter - 1) / quarter * quarter
    }

    public func allocate(count: Int) throws -> (UnsafeMutablePointer<Float>, Int) {
        let capacity = Self.sizeClass(count)
        let bytes = capacity * MemoryLayout<Float>.stride
        lock.lock()
        // Popping through the optional chain mutates the bucket in place; copying it out first would copy the
        // whole free list on every allocation.
        if let p = free[capacity]?.popLast() {
            stats.cachedBytes -= bytes
            noteLive(bytes)
            lock.unlock()
            return (p, capacity)
        }
        lock.unlock()
        let what = "a tensor of \(count) elements"
        if bytes >= MemoryCheck.threshold {
            // A large buffer is checked against what the system has (giving the cache back first if that is short)
            // and its pages are touched at once, so that the next large request sees them as used (MemoryCheck).
            if (try? MemoryCheck.ensureAvailable(bytes: bytes, for: what)) == nil { emptyCache() }
            try MemoryCheck.ensureAvailable(bytes: bytes, for: what + " (\(ByteCount.describe(statistics.liveBytes)) of tensors are live)")
        }
        if let p = Self.systemAllocate(bytes: bytes) {
            lock.lock(); noteLive(bytes); lock.unlock()
            return (p, capacity)
        }
        // Out of memory: give the cache back to the system and try once more.
        emptyCache()
        if let p = Self.systemAllocate(bytes: bytes) {
            lock.lock(); noteLive(bytes); lock.unlock()
            return (p, capacity)
        }
        throw TensorError("out of memory: cannot allocate \(ByteCount.describe(bytes)) for \(what) (\(ByteCount.describe(statistics.liveBytes)) of tensors are live)")
    }

    public func release(_ pointer: UnsafeMutablePointer<Float>, capacity: Int) {
        let bytes = capacity * MemoryLayout<Float>.stride
        lock.lock()
        stats.liveBytes -= bytes
        if stats.cachedBytes + bytes <= cacheLimitBytes {
            free[capacity, default: []].append(pointer)
            stats.cachedBytes += bytes
            lock.unlock()
        } else {
            lock.unlock()
            Foundation.free(pointer)
        }
    }

    public func emptyCache() {
        lock.lock()
        let buffers = free.values.flatMap { $0 }
        free.removeAll()
        stats.cachedBytes = 0
        lock.unlock()
        for p in buffers { Foundation.free(p) }
    }

    public var statistics: Statistics {
        lock.lock(); defer { lock.unlock() }
        return stats
    }

    public func resetPeak() {
        lock.lock(); stats.peakBytes = stats.liveBytes; lock.unlock()
    }

    private func noteLive(_ bytes: Int) {
        stats.liveBytes += bytes
        if stats.liveBytes > stats.peakBytes { stats.peakBytes = stats.liveBytes }
    }

    private static func systemAllocate(bytes: Int) -> UnsafeMutablePointer<Float>? {
        var raw: UnsafeMutableRawPointer?
        guard posix_memalign(&raw, 64, bytes) == 0, let raw else { return nil }
        if bytes >= MemoryCheck.threshold {
            // One byte written per page makes the kernel back the buffer now (the tensor's first write would anyway).
            let bytePointer = raw.assumingMemoryBound(to: UInt8.self)
            for offset in stride(from: 0, to: bytes, by: 4096) { bytePointer[offset] = 0 }
        }
        return raw.bindMemory(to: Float.self, capacity: bytes / MemoryLayout<Float>.stride)
    }
}

/// The buffer behind one or more tensors (views share it). `version` counts in-place writes so
/// autograd can tell when a tensor saved for backward was modified afterwards.
public final class Storage {
    public let base: UnsafeMutablePointer<Float>
    public let capacity: Int
    public internal(set) var version = 0

    init(count: Int) throws {
        (base, capacity) = try CachingAllocator.shared.allocate(count: count)
    }

    deinit {
        CachingAllocator.shared.release(base, capacity: capacity)
    }
}
