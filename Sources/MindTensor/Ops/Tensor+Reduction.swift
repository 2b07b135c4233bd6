import CKernels

/// Reductions: sum, mean, var, max/min and argmax/argmin, over all elements or chosen dimensions.
extension Tensor {
    /// Geometry of reducing dimension `d` of a contiguous tensor: [outer, size, inner].
    private func split(at d: Int) -> (outer: Int, size: Int, inner: Int) {
        (shape[..<d].reduce(1, *), shape[d], shape[(d + 1)...].reduce(1, *))
    }

    private func normalizedDims(_ dims: [Int], op: String) throws -> [Int] {
        let ds = try dims.map { try Shape.normalize(dim: $0, rank: rank, op: op) }
        guard Set(ds).count == ds.count else { throw TensorError("\(op): repeated dimension in \(dims)") }
        return ds.sorted()
    }

    private static func reducedShape(_ shape: [Int], dims: [Int], keepDim: Bool) -> [Int] {
        var out: [Int] = []
        for (i, s) in shape.enumerated() {
            if dims.contains(i) { if keepDim { out.append(1) } } else { out.append(s) }
        }
        return out
    }

    /// Sum of all elements (a 0-d tensor).
    public func sum() throws -> Tensor {
        let x = try contiguousIfNeeded()
        let out = Tensor(scalar: Float(mv_sum_all(x.data, Int64(numel))))
        let original = shape
        return out.recorded("sum", inputs: [self]) { g in [try g.expand(original)] }
    }

    /// Sum over `dims` (keeping them as size 1 when `keepDim`).
    public func sum(dims: [Int], keepDim: Bool = false) throws -> Tensor {
        let ds = try normalizedDims(dims, op: "sum")
        if ds.isEmpty { return self }
        var current = try contiguousIfNeeded()
        // Highest dimension first so the remaining dimension indices stay valid.
        for d in ds.reversed() {
            let (outer, size, inner) = current.split(at: d)
            var s = current.shape
            s[d] = 1
            let next = try Tensor.empty(s, op: "sum")
            mv_reduce_sum(current.data, Int64(outer), Int64(size), Int64(inner), next.data)
            current = next
        }
        let out = try current.reshape(Tensor.reducedShape(shape, dims: ds, keepDim: keepDim))
        let keptShape = Tensor.reducedShape(shape, dims: ds, keepDim: true), original = shape
        return out.recorded("sum", inputs: [self]) { g in [try g.reshape(keptShape).expand(original)] }
    }

    public func sum(_ dim: Int, keepDim: Bool = false) throws -> Tensor { try sum(dims: [dim], keepDim: keepDim) }

    public func mean() throws -> Tensor {
        guard numel > 0 else { throw TensorError("mean: tensor of shape \(Shape.describe(shape)) is empty") }
        return try (sum() * (1 / Float(numel))).recordedAs("mean")
    }

    public func mean(dims: [Int], keepDim: Bool = false) throws -> Tensor {
        let ds = try normalizedDims(dims, op: "mean")
        let count = ds.reduce(1) { $0 * shape[$1] }
        guard count > 0 else { throw TensorError("mean: reducing empty dimensions of \(Shape.describe(shape))") }
        return try (sum(dims: ds, keepDim: keepDim) * (1 / Float(count))).recordedAs("mean")
    }

    public func mean(_ dim: Int, keepDim: Bool = false) throws -> Tensor { try mean(dims: [dim], keepDim: keepDim) }

    /// The p-norm (p > 0) of all elements, or along `dims`: (Σ|x|^p)^(1/p), with PyTorch's gradient 0 where it is 0.
    public func norm(p: Float = 2, dims: [Int]? = nil, keepDim: Bool = false) throws -> Tensor {
        guard p > 0, p.isFinite else { throw TensorError("norm: p must be a positive finite number, got \(p)") }
        let powered = p == 1 ? try abs() : (p == 2 ? try self * self : try abs().pow(p))
        let summed = try dims.map { try powered.sum(dims: $0, keepDim: keepDim) } ?? powered.sum()
        return p == 1 ? summed : try summed.normRoot(p)
    }

    /// The standard deviation: the square root of `variance` with the same arguments, with PyTorch's gradient 0
    /// where it is 0.
    public func standardDeviation(dims: [Int]? = nil, correction: Int = 1, keepDim: Bool = false) throws -> Tensor {
        try variance(dims: dims, correction: correction, keepDim: keepDim).normRoot(2)
    }

    /// Variance over `dims` with Bessel's correction by default (`correction: 1`, PyTorch's default).
    public func variance(dims: [Int]? = nil, correction: Int = 1, keepDim: Bool = false) throws -> Tensor {
        let ds = try dims.map { try normalizedDims($0, op: "var") } ?? Array(0..<rank)
        let count = ds.reduce(1) { $0 * shape[$1] }
        guard count - correction > 0 else {
            throw TensorError("var: \(count) element\(count == 1 ? "" : "s") with correction \(correction) leave no degrees of freedom")
        }
        // Differentiable composition: mean-centred squares; the fused kernel serves the no-grad path.
        if !needsGrad {
            let rest = (0..<rank).filter { !ds.contains($0) }
            let moved = try permute(rest + ds).contiguousIfNeeded()
            let outer = rest.reduce(1) { $0 * shape[$1] }
            let out = try Tensor.empty(Tensor.reducedShape(shape, dims: ds, keepDim: keepDim), op: "var")
            mv_reduce_var(moved.data, Int64(outer), Int64(count), 1, Int64(correction), out.data)
            return out
        }
        let centred = try self - mean(dims: ds, keepDim: true)
        return try ((centred * centred).sum(dims: ds, keepDim: keepDim) * (1 / Float(count - correction))).recordedAs("var")
    }

    /// log Σ exp along `dim`, computed stably as torch.logsumexp: the maximum (a constant for the gradient, which is
    /// the softmax) is taken out first, and an infinite one as 0, so a row of −∞ gives −∞ instead of NaN.
    public func logSumExp(_ dim: Int, keepDim: Bool = false) throws -> Tensor {
        let d = try Shape.normalize(dim: dim, rank: Swift.max(rank, 1), op: "logsumexp")
        let peak = try max(d, keepDim: true).values.detach().contiguousCopy()
        for i in 0..<peak.numel where !peak.data[i].isFinite { peak.data[i] = 0 }
        let summed = try (self - peak).exp().sum(d, keepDim: true).log() + peak
        return keepDim || rank == 0 ? summed : try summed.squeeze(d)
    }

    /// Maximum (or minimum) along `dim`, with the index of the first extreme element.
    public func max(_ dim: Int, keepDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        try extreme(dim, keepDim: keepDim, isMin: false, op: "max")
    }

    public func min(_ dim: Int, keepDim: Bool = false) throws -> (values: Tensor, indices: Tensor) {
        try extreme(dim, keepDim: keepDim, isMin: true, op: "min")
    }

    public func argmax(_ dim: Int, keepDim: Bool = false) throws -> Tensor {
        try extreme(dim, keepDim: keepDim, isMin: false, op: "argmax").indices
    }
    public func argmin(_ dim: Int, keepDim: Bool = false) throws -> Tensor {
        try extreme(dim, keepDim: keepDim, isMin: true, op: "argmin").indices
    }

    /// Largest element overall (0-d; NaN if there is one). Its gradient is split evenly among the elements equal to it,
    /// as torch.max() without a dimension (along a dimension the first one takes it, as torch.max(dim)).
    public func max() throws -> Tensor { try wholeExtreme(isMin: false) }
    public func min() throws -> Tensor { try wholeExtreme(isMin: true) }

    private func wholeExtreme(isMin: Bool) throws -> Tensor {
        let op = isMin ? "min" : "max"
        let value = try withNoGrad { try flatten().extreme(0, keepDim: false, isMin: isMin, op: op).values }
        let extreme = try value.item()
        let saved = try contiguousIfNeeded().saved()
        return value.recorded(op, inputs: [self]) { g in
            let x = try saved.get(op)
            let ties = try x.toArray().map { v -> Float in (extreme.isNaN ? v.isNaN : v == extreme) ? 1 : 0 }
            return [try Tensor(ties, shape: x.shape) * (g / ties.reduce(0, +))]
        }
    }

    private func extreme(_ dim: Int, keepDim: Bool, isMin: Bool, op: String) throws -> (values: Tensor, indices: Tensor) {
        let d = try Shape.normalize(dim: dim, rank: Swift.max(rank, 1), op: op)
        let x = rank == 0 ? try reshape([1]) : try contiguousIfNeeded()
        // No dimension number in the message: callers count from 0 (Swift) or 1 (Lua).
        guard x.shape[d] > 0 else { throw TensorError("\(op): the reduced dimension of \(Shape.describe(shape)) is empty") }
        try Tensor.requireExactPositions(x.shape[d], op: op)
        let (outer, size, inner) = x.split(at: d)
        let kept = Tensor.reducedShape(x.shape, dims: [d], keepDim: true)
        let values = try Tensor.empty(kept, op: op), indices = try Tensor.empty(kept, op: op)
        mv_reduce_max(x.data, Int64(outer), Int64(size), Int64(inner), values.data, indices.data, isMin ? 1 : 0)
        let finalShape = rank == 0 ? [] : Tensor.reducedShape(shape, dims: [d], keepDim: keepDim)
        let v = values.view(shape: finalShape, strides: Shape.contiguousStrides(finalShape), offset: 0)
        let i = indices.view(shape: finalShape, strides: Shape.contiguousStrides(finalShape), offset: 0)
        let original = shape, xShape = x.shape
        v.recorded(op, inputs: [self]) { g in
            let full = try Tensor.zeros(xShape)
            try full.scatterAdd(d, index: indices, source: g.reshape(kept))
            return [try full.reshape(original)]
        }
        return (v, i)
    }
}
