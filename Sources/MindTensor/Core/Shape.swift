/// Shape arithmetic shared by every op: validation with overflow checks, strides, broadcasting and
/// dimension normalisation. Dimensions are 0-based here (PyTorch's convention); the Lua layer
/// translates its 1-based dimensions before calling in.
public enum Shape {
    /// The largest tensor the engine accepts (2^40 elements, 4 TiB): far beyond this machine, but
    /// small enough that byte counts can never overflow.
    public static let maxElements = 1 << 40
    /// Kernels iterate with fixed-size index arrays of this rank.
    public static let maxRank = 8

    public static func describe(_ shape: [Int]) -> String {
        "[" + shape.map(String.init).joined(separator: ", ") + "]"
    }

    /// Number of elements, rejecting negative sizes, ranks above `maxRank` and overflowing products.
    public static func elementCount(_ shape: [Int], op: String) throws -> Int {
        if shape.count > maxRank {
            throw TensorError("\(op): \(shape.count) dimensions requested, at most \(maxRank) are supported")
        }
        var n = 1
        for s in shape {
            if s < 0 { throw TensorError("\(op): negative size \(s) in shape \(describe(shape))") }
            let (p, overflow) = n.multipliedReportingOverflow(by: s)
            if overflow || p > maxElements {
                throw TensorError("\(op): shape \(describe(shape)) has too many elements (limit \(maxElements))")
            }
            n = p
        }
        return n
    }

    /// Row-major strides of a contiguous tensor.
    public static func contiguousStrides(_ shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var acc = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) {
            strides[d] = acc
            acc *= Swift.max(shape[d], 1)
        }
        return strides
    }

    /// NumPy broadcasting: align trailing dimensions; sizes must match or one of them be 1.
    public static func broadcast(_ a: [Int], _ b: [Int], op: String) throws -> [Int] {
        if a == b { return a }
        let rank = Swift.max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else {
                throw TensorError("\(op): shapes \(describe(a)) and \(describe(b)) cannot be broadcast (sizes \(da) and \(db) at the same position from the end differ and neither is 1)")
            }
        }
        return out
    }

    /// Strides that read a tensor of `shape`/`strides` as if it had the (broadcast) shape `target`.
    static func broadcastStrides(shape: [Int], strides: [Int], to target: [Int]) -> [Int] {
        let lead = target.count - shape.count
        var out = [Int](repeating: 0, count: target.count)
        for i in 0..<shape.count where shape[i] != 1 || target[lead + i] == 1 {
            out[lead + i] = shape[i] == 1 ? 0 : strides[i]
        }
        return out
    }

    /// A dimension index in `0..<rank`; negative values count from the end.
    public static func normalize(dim: Int, rank: Int, op: String) throws -> Int {
        let d = dim < 0 ? dim + rank : dim
        if d < 0 || d >= rank {
            throw TensorError("\(op): dimension \(dim) is out of range for a tensor with \(rank) dimension\(rank == 1 ? "" : "s")")
        }
        return d
    }

    /// Resolves one `-1` entry of a requested shape from the element count (reshape/view).
    public static func infer(_ requested: [Int], numel: Int, from shape: [Int], op: String) throws -> [Int] {
        var out = requested
        let unknown = requested.indices.filter { requested[$0] == -1 }
        if unknown.count > 1 { throw TensorError("\(op): only one dimension can be -1, got \(describe(requested))") }
        if let bad = requested.first(where: { $0 < -1 }) {
            throw TensorError("\(op): invalid size \(bad) in \(describe(requested))")
        }
        let known = try elementCount(requested.filter { $0 != -1 }, op: op)
        if let u = unknown.first {
            if known == 0 || numel % known != 0 {
                throw TensorError("\(op): cannot reshape \(describe(shape)) (\(numel) elements) into \(describe(requested))")
            }
            out[u] = numel / known
        } else if known != numel {
            throw TensorError("\(op): cannot reshape \(describe(shape)) (\(numel) elements) into \(describe(requested)) (\(known) elements)")
        }
        return out
    }
}
