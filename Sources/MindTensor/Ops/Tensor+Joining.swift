import CKernels

/// Joining and splitting along a dimension: cat, stack, chunk, split.
extension Tensor {
    /// Concatenates tensors that agree in every dimension but `dim`.
    public static func cat(_ tensors: [Tensor], dim: Int) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError("cat: expects at least one tensor") }
        guard first.rank > 0 else { throw TensorError("cat: 0-d tensors have no dimension to join along (stack makes a [n] tensor of them)") }
        let d = try Shape.normalize(dim: dim, rank: first.rank, op: "cat")
        var total = 0
        for (k, t) in tensors.enumerated() {
            guard t.rank == first.rank else {
                throw TensorError("cat: tensor #\(k + 1) has shape \(Shape.describe(t.shape)), expected rank \(first.rank) like \(Shape.describe(first.shape))")
            }
            for i in 0..<t.rank where i != d && t.shape[i] != first.shape[i] {
                throw TensorError("cat: tensor #\(k + 1) has shape \(Shape.describe(t.shape)), which differs from \(Shape.describe(first.shape)) outside the concatenated dimension")
            }
            total += t.shape[d]
        }
        var outShape = first.shape
        outShape[d] = total
        let out = try Tensor.empty(outShape, op: "cat")
        var start = 0
        var ranges: [(Int, Int)] = []
        for t in tensors {
            let slot = out.view(shape: t.shape, strides: out.strides, offset: start * out.strides[d])
            if t.numel > 0 {
                let src = try t.contiguousIfNeeded()
                mv_scatter_strided(Int32(slot.rank), slot.shape.map(Int64.init), src.data, slot.data,
                                   slot.strides.map(Int64.init), 0)
            }
            ranges.append((start, t.shape[d]))
            start += t.shape[d]
        }
        let needs = tensors.map(\.needsGrad)
        return out.recorded("cat", inputs: tensors) { g in
            try zip(needs, ranges).map { need, r in need ? try g.narrow(d, start: r.0, length: r.1).contiguous() : nil }
        }
    }

    /// Stacks equally shaped tensors along a new dimension `dim`.
    public static func stack(_ tensors: [Tensor], dim: Int) throws -> Tensor {
        guard let first = tensors.first else { throw TensorError("stack: expects at least one tensor") }
        for (k, t) in tensors.enumerated() where t.shape != first.shape {
            throw TensorError("stack: tensor #\(k + 1) has shape \(Shape.describe(t.shape)), expected \(Shape.describe(first.shape))")
        }
        let d = try Shape.normalize(dim: dim, rank: first.rank + 1, op: "stack")
        return try cat(tensors.map { try $0.unsqueeze(d) }, dim: d)
    }

    /// `count` nearly equal views along `dim` (the last may be smaller), like torch.chunk.
    public func chunk(_ count: Int, dim: Int) throws -> [Tensor] {
        guard count > 0 else { throw TensorError("chunk: number of chunks must be positive, got \(count)") }
        let d = try Shape.normalize(dim: dim, rank: rank, op: "chunk")
        let size = (shape[d] + count - 1) / count
        return try split(Swift.max(size, 1), dim: d)
    }

    /// Views of `size` entries along `dim` (the last may be smaller), like torch.split.
    public func split(_ size: Int, dim: Int) throws -> [Tensor] {
        guard size > 0 else { throw TensorError("split: split size must be positive, got \(size)") }
        let d = try Shape.normalize(dim: dim, rank: rank, op: "split")
        return try stride(from: 0, to: shape[d], by: size).map {
            try narrow(d, start: $0, length: Swift.min(size, shape[d] - $0))
        }
    }
}
