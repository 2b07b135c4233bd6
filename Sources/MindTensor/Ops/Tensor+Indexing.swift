import CKernels

/// Index-driven ops. Index tensors are float tensors holding integers (MindVis stores everything
/// as float32; indices stay exact up to 2^24); they are validated before any kernel runs.
extension Tensor {
    /// The integer values of an index tensor, each checked to lie in `0..<bound`.
    func indexValues(bound: Int, op: String) throws -> [Int64] {
        let values = try toArray()
        var out = [Int64](repeating: 0, count: values.count)
        for (k, v) in values.enumerated() {
            guard v.rounded() == v, v >= 0, v < Float(bound) else {
                throw TensorError("\(op): index \(v) is not an integer in [0, \(bound))")
            }
            out[k] = Int64(v)
        }
        return out
    }

    private func splitDims(_ shape: [Int], at d: Int) -> (outer: Int, inner: Int) {
        (shape[..<d].reduce(1, *), shape[(d + 1)...].reduce(1, *))
    }

    /// `out[..., j, ...] = self[..., index[..., j, ...], ...]` along `dim` (torch.gather); `index`
    /// has the same rank and the same sizes as `self` except along `dim`.
    public func gather(_ dim: Int, index: Tensor) throws -> Tensor {
        let d = try Shape.normalize(dim: dim, rank: rank, op: "gather")
        guard index.rank == rank else {
            throw TensorError("gather: index of shape \(Shape.describe(index.shape)) must have the rank of input \(Shape.describe(shape))")
        }
        for i in 0..<rank where i != d && index.shape[i] != shape[i] {
            throw TensorError("gather: index \(Shape.describe(index.shape)) and input \(Shape.describe(shape)) differ outside the gathered dimension (\(index.shape[i]) vs \(shape[i]))")
        }
        let x = try contiguousIfNeeded()
        let out = try Tensor.empty(index.shape, op: "gather")
        let (outer, inner) = splitDims(shape, at: d)
        let size = shape[d], k = index.shape[d]
        let original = shape
        if let rowIndex = try index.rowIndex(after: d) {
            // The index is expanded over the inner dimensions, so it names whole rows: convert outer·k entries
            // instead of every element, copy rows, and split the batch over the workers.
            let idx = try rowIndex.indexValues(bound: size, op: "gather")
            // Each worker takes whole batch entries, so the backward's accumulations never collide.
            func forEachBatchShare(_ body: (Range<Int>, UnsafePointer<Int64>) -> Void) {
                guard !idx.isEmpty else { return }
                idx.withUnsafeBufferPointer { ip in Parallel.chunks(outer, weight: k * inner) { r, _ in body(r, ip.baseAddress! + r.lowerBound * k) } }
            }
            forEachBatchShare { r, ip in
                mv_gather_rows(x.data + r.lowerBound * size * inner, ip, out.data + r.lowerBound * k * inner,
                               Int64(r.count), Int64(size), Int64(k), Int64(inner))
            }
            return out.recorded("gather", inputs: [self]) { g in
                let gc = try g.contiguousIfNeeded()
                let gx = try Tensor.zeros(original)
                forEachBatchShare { r, ip in
                    mv_gather_rows_backward(gc.data + r.lowerBound * k * inner, ip, gx.data + r.lowerBound * size * inner,
                                            Int64(r.count), Int64(size), Int64(k), Int64(inner))
                }
                return [gx]
            }
        }
        let idx = try index.indexValues(bound: size, op: "gather")
        mv_gather(x.data, idx, out.data, Int64(outer), Int64(size), Int64(k), Int64(inner))
        return out.recorded("gather", inputs: [self]) { g in
            let gc = try g.contiguousIfNeeded()
            let gx = try Tensor.zeros(original)
            mv_gather_backward(gc.data, idx, gx.data, Int64(outer), Int64(size), Int64(k), Int64(inner))
            return [gx]
        }
    }

    /// When an index is a broadcast (stride 0) over every dimension after `dim` — and there is at least one —
    /// the view of its first entries along those dimensions: one index per row.
    private func rowIndex(after dim: Int) throws -> Tensor? {
        guard dim < rank - 1, (dim + 1..<rank).allSatisfy({ strides[$0] == 0 }) else { return nil }
        var view = self
        for i in dim + 1..<rank { view = try view.narrow(i, start: 0, length: 1) }
        return view
    }

    /// In place, outside autograd: `self[..., index[..., j, ...], ...] += source[..., j, ...]` along `dim`.
    public func scatterAdd(_ dim: Int, index: Tensor, source: Tensor) throws {
        try checkInPlace("scatter_add_")
        let d = try Shape.normalize(dim: dim, rank: rank, op: "scatter_add")
        guard isContiguous, index.shape == source.shape, index.rank == rank else {
            throw TensorError("scatter_add: needs a contiguous target and index/source of equal shape and rank (got \(Shape.describe(index.shape)) and \(Shape.describe(source.shape)))")
        }
        for i in 0..<rank where i != d && index.shape[i] != shape[i] {
            throw TensorError("scatter_add: index \(Shape.describe(index.shape)) and target \(Shape.describe(shape)) differ outside the scattered dimension (\(index.shape[i]) vs \(shape[i]))")
        }
        let idx = try index.indexValues(bound: shape[d], op: "scatter_add")
        let src = try source.contiguousIfNeeded()
        let (outer, inner) = splitDims(shape, at: d)
        mv_gather_backward(src.data, idx, data, Int64(outer), Int64(shape[d]), Int64(index.shape[d]), Int64(inner))
        bumpVersion()
    }

    /// Entries `index` (a 1-D tensor of integers) of dimension `dim` (torch.index_select).
    public func indexSelect(_ dim: Int, index: Tensor) throws -> Tensor {
        let d = try Shape.normalize(dim: dim, rank: rank, op: "index_select")
        guard index.rank <= 1 else {
            throw TensorError("index_select: index must be 1-D, got shape \(Shape.describe(index.shape))")
        }
        let idx = try index.indexValues(bound: shape[d], op: "index_select")
        var outShape = shape
        outShape[d] = idx.count
        let x = try contiguousIfNeeded()
        let out = try Tensor.empty(outShape, op: "index_select")
        let (outer, inner) = splitDims(shape, at: d)
        let size = shape[d]
        mv_index_select(x.data, idx, out.data, Int64(outer), Int64(size), Int64(idx.count), Int64(inner))
        let original = shape
        return out.recorded("index_select", inputs: [self]) { g in
            let gc = try g.contiguousIfNeeded()
            let gx = try Tensor.zeros(original)
            mv_index_select_backward(gc.data, idx, gx.data, Int64(outer), Int64(size), Int64(idx.count), Int64(inner))
            return [gx]
        }
    }

    /// Indices that sort `dim` (stable; ties keep their order). Not differentiable.
    public func argsort(_ dim: Int = -1, descending: Bool = false) throws -> Tensor {
        let d = try Shape.normalize(dim: dim, rank: Swift.max(rank, 1), op: "argsort")
        let x = try contiguousIfNeeded()
        let out = try Tensor.empty(shape, op: "argsort")
        let (outer, inner) = splitDims(rank == 0 ? [1] : shape, at: d)
        let size = rank == 0 ? 1 : shape[d]
        try Tensor.requireExactPositions(size, op: "argsort")
        // (value, position) pairs and their merge buffer: 32 bytes per element of the dimension.
        try MemoryCheck.ensureAvailable(bytes: 32 * size, for: "argsort's sort buffer")
        guard mv_argsort(x.data, out.data, Int64(outer), Int64(size), Int64(inner), descending ? 1 : 0) == 0 else {
            throw TensorError("out of memory: cannot allocate \(ByteCount.describe(32 * size)) for argsort's sort buffer")
        }
        return out
    }

    /// Positions are stored as float32, which holds every whole number only up to 2^24: a longer dimension would
    /// give wrong positions, so it is refused.
    static func requireExactPositions(_ size: Int, op: String) throws {
        guard size > 1 << 24 else { return }
        throw TensorError("\(op): positions along a dimension of \(size) elements: tensors hold float32, which counts exactly only up to 2^24 (16,777,216); split the dimension")
    }
}
