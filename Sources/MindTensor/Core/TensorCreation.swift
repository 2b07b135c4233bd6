import CKernels

extension Tensor {
    /// A tensor with the given values in row-major order.
    public convenience init(_ values: [Float], shape: [Int]) throws {
        let n = try Shape.elementCount(shape, op: "tensor")
        guard n == values.count else {
            throw TensorError("tensor: shape \(Shape.describe(shape)) needs \(n) values, got \(values.count)")
        }
        let storage = try Storage(count: n)
        values.withUnsafeBufferPointer { buf in
            if let base = buf.baseAddress { storage.base.update(from: base, count: n) }
        }
        self.init(storage: storage, shape: shape, strides: Shape.contiguousStrides(shape), offset: 0)
    }

    /// A 1-D tensor.
    public convenience init(_ values: [Float]) throws {
        try self.init(values, shape: [values.count])
    }

    /// A 0-dimensional tensor holding one number.
    public convenience init(scalar: Float) {
        // One element: allocation of 64 bytes, the only failure would be a broken allocator.
        let storage = try! Storage(count: 1)
        storage.base[0] = scalar
        self.init(storage: storage, shape: [], strides: [], offset: 0)
    }

    public static func full(_ shape: [Int], _ value: Float) throws -> Tensor {
        let t = try empty(shape, op: "full")
        mv_fill(t.data, value, Int64(t.numel))
        return t
    }

    public static func zeros(_ shape: [Int]) throws -> Tensor { try full(shape, 0) }
    public static func ones(_ shape: [Int]) throws -> Tensor { try full(shape, 1) }

    public static func zeros(like t: Tensor) throws -> Tensor { try full(t.shape, 0) }

    /// `start, start+step, ...` up to but excluding `end` (PyTorch's arange).
    public static func arange(_ start: Double, _ end: Double, step: Double = 1) throws -> Tensor {
        guard step != 0, step.isFinite, start.isFinite, end.isFinite else {
            throw TensorError("arange: start, end and step must be finite and step non-zero (got \(start), \(end), \(step))")
        }
        let count = Swift.max(0, ((end - start) / step).rounded(.up))
        guard count <= Double(Shape.maxElements) else {
            throw TensorError("arange: \(count) elements is too many")
        }
        let n = Int(count)
        let t = try empty([n], op: "arange")
        for i in 0..<n { t.data[i] = Float(start + Double(i) * step) }
        return t
    }

    public static func arange(_ end: Double) throws -> Tensor { try arange(0, end) }

    /// Uniform samples in [low, high).
    public static func rand(_ shape: [Int], low: Float = 0, high: Float = 1, generator: Generator = .default) throws -> Tensor {
        let t = try empty(shape, op: "rand")
        generator.fillUniform(t.data, count: t.numel, low: low, high: high)
        return t
    }

    /// Normal samples with the given mean and standard deviation.
    public static func randn(_ shape: [Int], mean: Float = 0, std: Float = 1, generator: Generator = .default) throws -> Tensor {
        let t = try empty(shape, op: "randn")
        generator.fillNormal(t.data, count: t.numel, mean: mean, std: std)
        return t
    }

    /// A copy with its own contiguous storage (and the autograd history of a copy).
    public func clone() throws -> Tensor {
        let out = try contiguousCopy()
        return out.recorded("clone", inputs: [self]) { g in [g] }
    }
}
