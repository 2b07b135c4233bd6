/// Shape and layout ops. Views share storage with their input (reshape of contiguous data,
/// transpose, permute, narrow, select, expand, squeeze/unsqueeze); the gradient of a view is the
/// inverse rearrangement of the incoming gradient.
extension Tensor {
    /// A view with new geometry on the same storage, outside autograd.
    func view(shape: [Int], strides: [Int], offset: Int) -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset)
    }

    /// This tensor read with broadcast (stride-0) dimensions, outside autograd. `target` must be a
    /// valid broadcast of `shape`.
    func broadcastView(to target: [Int]) -> Tensor {
        if target == shape { return self }
        return view(shape: target, strides: Shape.broadcastStrides(shape: shape, strides: strides, to: target), offset: offset)
    }

    /// Same data, new shape; a view when the data is contiguous, otherwise a copy. One entry may be -1.
    public func reshape(_ newShape: [Int]) throws -> Tensor {
        let target = try Shape.infer(newShape, numel: numel, from: shape, op: "reshape")
        if target == shape { return self }
        let base = try contiguousIfNeeded()
        let out = base.view(shape: target, strides: Shape.contiguousStrides(target), offset: base.offset)
        let original = shape
        return out.recorded("reshape", inputs: [self]) { g in [try g.reshape(original)] }
    }

    public func reshape(_ newShape: Int...) throws -> Tensor { try reshape(newShape) }

    /// Flattens dimensions `start...end` into one.
    public func flatten(from start: Int = 0, to end: Int = -1) throws -> Tensor {
        if rank == 0 { return try reshape([1]) }
        let s = try Shape.normalize(dim: start, rank: rank, op: "flatten")
        let e = try Shape.normalize(dim: end, rank: rank, op: "flatten")
        guard s <= e else { throw TensorError("flatten: start dimension \(start) comes after end dimension \(end)") }
        let merged = shape[s...e].reduce(1, *)
        return try reshape(Array(shape[..<s]) + [merged] + Array(shape[(e + 1)...]))
    }

    public func transpose(_ d0: Int, _ d1: Int) throws -> Tensor {
        let a = try Shape.normalize(dim: d0, rank: rank, op: "transpose")
        let b = try Shape.normalize(dim: d1, rank: rank, op: "transpose")
        var order = Array(0..<rank)
        order.swapAt(a, b)
        return try permute(order)
    }

    /// The transpose of a 2-D tensor.
    public func t() throws -> Tensor {
        guard rank == 2 else { throw TensorError("t: expects a 2-D tensor, got shape \(Shape.describe(shape))") }
        return try transpose(0, 1)
    }

    public func permute(_ order: [Int]) throws -> Tensor {
        guard order.count == rank else {
            throw TensorError("permute: \(order.count) dimensions given for a tensor with \(rank) dimensions")
        }
        let dims = try order.map { try Shape.normalize(dim: $0, rank: rank, op: "permute") }
        guard Set(dims).count == rank else { throw TensorError("permute: repeated dimension in \(order)") }
        if dims == Array(0..<rank) { return self }
        let out = view(shape: dims.map { shape[$0] }, strides: dims.map { strides[$0] }, offset: offset)
        var inverse = [Int](repeating: 0, count: rank)
        for (i, d) in dims.enumerated() { inverse[d] = i }
        return out.recorded("permute", inputs: [self]) { g in [try g.permute(inverse)] }
    }

    /// `length` elements of dimension `dim` starting at `start` (0-based), as a view.
    public func narrow(_ dim: Int, start: Int, length: Int) throws -> Tensor {
        let d = try Shape.normalize(dim: dim, rank: rank, op: "narrow")
        let s = start < 0 ? start + shape[d] : start
        guard s >= 0, length >= 0, s <= shape[d], length <= shape[d] - s else {
            throw TensorError("narrow: start \(start) and length \(length) do not fit dimension \(dim) of size \(shape[d])")
        }
        var newShape = shape
        newShape[d] = length
        let out = view(shape: newShape, strides: strides, offset: offset + s * strides[d])
        let original = shape
        return out.recorded("narrow", inputs: [self]) { g in
            let full = try Tensor.zeros(original)
            try full.narrow(d, start: s, length: length).copyFrom(g)
            return [full]
        }
    }

    /// Removes dimension `dim` by taking entry `index` of it (a view).
    public func select(_ dim: Int, _ index: Int) throws -> Tensor {
        let d = try Shape.normalize(dim: dim, rank: rank, op: "select")
        let i = index < 0 ? index + shape[d] : index
        guard i >= 0 && i < shape[d] else {
            throw TensorError("select: index \(index) is out of range for dimension \(dim) of size \(shape[d])")
        }
        var newShape = shape, newStrides = strides
        newShape.remove(at: d)
        newStrides.remove(at: d)
        let out = view(shape: newShape, strides: newStrides, offset: offset + i * strides[d])
        let original = shape
        return out.recorded("select", inputs: [self]) { g in
            let full = try Tensor.zeros(original)
            try full.select(d, i).copyFrom(g)
            return [full]
        }
    }

    /// Broadcasts size-1 dimensions (and new leading ones) to `target` without copying; -1 keeps a size.
    public func expand(_ target: [Int]) throws -> Tensor {
        guard target.count >= rank else {
            throw TensorError("expand: target \(Shape.describe(target)) has fewer dimensions than \(Shape.describe(shape))")
        }
        let lead = target.count - rank
        var resolved = target
        for i in 0..<target.count {
            if i >= lead && target[i] == -1 { resolved[i] = shape[i - lead]; continue }
            if i >= lead && shape[i - lead] != 1 && shape[i - lead] != target[i] {
                throw TensorError("expand: cannot expand \(Shape.describe(shape)) to \(Shape.describe(target)) (size \(shape[i - lead]) cannot become \(target[i]))")
            }
        }
        _ = try Shape.elementCount(resolved, op: "expand")
        if resolved == shape { return self }
        let out = broadcastView(to: resolved)
        let original = shape
        return out.recorded("expand", inputs: [self]) { g in [try g.sumTo(original)] }
    }

    public func unsqueeze(_ dim: Int) throws -> Tensor {
        let d = try Shape.normalize(dim: dim, rank: rank + 1, op: "unsqueeze")
        var newShape = shape
        newShape.insert(1, at: d)
        return try reshapeView(newShape, op: "unsqueeze")
    }

    /// Removes `dim` if it has size 1, or every size-1 dimension when `dim` is nil.
    public func squeeze(_ dim: Int? = nil) throws -> Tensor {
        var newShape = shape
        if let dim {
            let d = try Shape.normalize(dim: dim, rank: rank, op: "squeeze")
            if shape[d] == 1 { newShape.remove(at: d) }
        } else {
            newShape.removeAll { $0 == 1 }
        }
        return try reshapeView(newShape, op: "squeeze")
    }

    /// Adding or removing size-1 dimensions never needs a copy, even for non-contiguous views.
    private func reshapeView(_ newShape: [Int], op: String) throws -> Tensor {
        if newShape == shape { return self }
        var newStrides: [Int] = []
        var j = 0
        for s in newShape {
            while j < rank && shape[j] == 1 && s != 1 { j += 1 }
            if j < rank && shape[j] == s {
                newStrides.append(strides[j]); j += 1
            } else {
                newStrides.append(0) // an inserted size-1 dimension; its stride is never used
            }
        }
        let out = view(shape: newShape, strides: newStrides, offset: offset)
        let original = shape
        return out.recorded(op, inputs: [self]) { g in [try g.reshape(original)] }
    }

    /// A contiguous tensor with the same values (`self` when already contiguous).
    public func contiguous() throws -> Tensor {
        if isContiguous { return self }
        let out = try contiguousCopy()
        return out.recorded("contiguous", inputs: [self]) { g in [g] }
    }

    /// Tiles the tensor `repeats[i]` times along each dimension (PyTorch's `repeat`).
    public func repeated(_ repeats: [Int]) throws -> Tensor {
        guard repeats.count >= rank else {
            throw TensorError("repeat: \(repeats.count) repeat counts given for a tensor with \(rank) dimensions")
        }
        if let bad = repeats.first(where: { $0 < 0 }) { throw TensorError("repeat: negative repeat count \(bad)") }
        let padded = [Int](repeating: 1, count: repeats.count - rank) + shape
        var interleaved: [Int] = [], tiled: [Int] = [], result: [Int] = []
        for (r, s) in zip(repeats, padded) {
            interleaved += [1, s]
            tiled += [r, s]
            result.append(r * s)
        }
        _ = try Shape.elementCount(result, op: "repeat")
        return try reshape(interleaved).expand(tiled).contiguous().reshape(result)
    }
}
