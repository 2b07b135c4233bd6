import MindTensor

/// Data-parallel training over the ranks of `ProcessGroup` (PyTorch DDP's scheme on CPUs): every rank holds the
/// whole model, takes its share of each global batch, and one bucketed all-reduce per step turns the ranks'
/// gradients into the gradient of the whole batch, so every rank takes the same optimizer step.
/// The all-reduce follows the backward pass rather than overlapping it: on a machine's cores it is a memory copy
/// (the A1 step's 21 MB bucket takes about 5 ms at the bandwidth `scripts/bench-dist` measures, of a 750 ms step).
public enum DataParallel {
    /// This rank's part of a global batch of `count` items: contiguous, the sizes of the ranks' parts differing by
    /// at most one (a rank may get none of a batch smaller than the world).
    public static func share(of count: Int, rank: Int = ProcessGroup.rank, worldSize: Int = ProcessGroup.worldSize) -> Range<Int> {
        let base = count / worldSize, extra = count % worldSize
        let start = rank * base + Swift.min(rank, extra)
        return start..<(start + base + (rank < extra ? 1 : 0))
    }

    /// Makes every rank's `tensors` equal to rank 0's (one broadcast of all of them).
    public static func synchronize(_ tensors: [Tensor]) throws {
        guard ProcessGroup.isDistributed else { return }
        var bucket = [Float](repeating: 0, count: tensors.reduce(0) { $0 + $1.numel })
        if ProcessGroup.isWriter { pack(try tensors.map { ($0.numel, try $0.contiguous()) }, into: &bucket) }
        try bucket.withUnsafeMutableBytes { try ProcessGroup.broadcast($0, root: 0) }
        var offset = 0
        try withNoGrad {
            for t in tensors {
                try t.copyFrom(Tensor(Array(bucket[offset..<(offset + t.numel)]), shape: t.shape))
                offset += t.numel
            }
        }
    }

    /// The gradient of the global batch on every rank: each rank's gradients of `parameters` times `weight` (its
    /// share of the batch), summed over the ranks in one all-reduce together with `scalars` (the step's
    /// statistics, already weighted). A parameter that got no gradient on any rank keeps none, as in a
    /// one-process step. Returns the summed scalars.
    public static func reduceGradients(_ parameters: [Tensor], weight: Double, scalars: [Double]) throws -> [Double] {
        guard ProcessGroup.isDistributed else { return scalars }
        let gradients = try parameters.map { try $0.grad?.contiguous() }
        let gradientCount = parameters.reduce(0) { $0 + $1.numel }
        var bucket = [Float](repeating: 0, count: gradientCount + parameters.count + scalars.count)
        pack(zip(parameters, gradients).map { ($0.numel, $1) }, into: &bucket, scale: Float(weight))
        for (i, g) in gradients.enumerated() where g != nil { bucket[gradientCount + i] = 1 }
        for (i, s) in scalars.enumerated() { bucket[gradientCount + parameters.count + i] = Float(s) }
        try bucket.withUnsafeMutableBufferPointer { try ProcessGroup.allReduce($0, .sum) }
        var offset = 0
        for (i, p) in parameters.enumerated() {
            p.grad = bucket[gradientCount + i] > 0 ? try Tensor(Array(bucket[offset..<(offset + p.numel)]), shape: p.shape) : nil
            offset += p.numel
        }
        return (0..<scalars.count).map { Double(bucket[gradientCount + parameters.count + $0]) }
    }

    /// The rows of a global batch of `total` rows of shape `rowShape` on every rank, from each rank's `local` rows
    /// (its `share`; nil when it has none): one all-reduce of the batch with zeros outside each rank's share.
    public static func gatherRows(_ local: Tensor?, share: Range<Int>, total: Int, rowShape: [Int]) throws -> Tensor {
        guard ProcessGroup.isDistributed else {
            guard let local else { throw TensorError("gather: no rows") }
            return local
        }
        let rowSize = rowShape.reduce(1, *)
        var bucket = [Float](repeating: 0, count: total * rowSize)
        if let local {
            let rows = try local.contiguous()
            guard rows.shape == [share.count] + rowShape else {
                throw TensorError("gather: rows \(Shape.describe(rows.shape)) do not match the share \(share.count) x \(Shape.describe(rowShape))")
            }
            bucket.withUnsafeMutableBufferPointer { out in
                for i in 0..<rows.numel { out[share.lowerBound * rowSize + i] = rows.data[i] }
            }
        }
        try bucket.withUnsafeMutableBufferPointer { try ProcessGroup.allReduce($0, .sum) }
        return try Tensor(bucket, shape: [total] + rowShape)
    }

    /// Lays contiguous tensors end to end in `bucket`, times `scale`; a missing one leaves its `count` zeros.
    private static func pack(_ slots: [(count: Int, tensor: Tensor?)], into bucket: inout [Float], scale: Float = 1) {
        var offset = 0
        bucket.withUnsafeMutableBufferPointer { out in
            for (count, t) in slots {
                if let t { for i in 0..<count { out[offset + i] = t.data[i] * scale } }
                offset += count
            }
        }
    }
}
