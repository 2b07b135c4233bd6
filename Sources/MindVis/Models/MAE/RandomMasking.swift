import MindTensor

/// The MAE's per-sample random masking (REFERENCE.md §2.3): argsort uniform noise, keep the first
/// K = floor(L * (1 - ratio)) patches. `ids_restore` (the inverse permutation) puts tokens back in order;
/// `mask` is 1 for masked patches.
public struct RandomMasking {
    public let maskRatio: Double
    /// Optional focus: patches in [start/p, end/p) are picked for masking with weight `rate`, others with 1 - rate.
    public let focus: (start: Int, end: Int, rate: Double)?

    public init(maskRatio: Double, focus: (start: Int, end: Int, rate: Double)? = nil) throws {
        guard maskRatio >= 0 && maskRatio < 1 else { throw TensorError("masking: mask_ratio must be in [0, 1), got \(maskRatio)") }
        self.maskRatio = maskRatio
        self.focus = focus
    }

    public func keptCount(patches: Int) -> Int { Int(Double(patches) * (1 - maskRatio)) }

    /// Returns (kept tokens [N, K, D], mask [N, L], ids_restore [N, L]) for tokens x [N, L, D].
    /// `noise` [N, L] is the ranking noise (as `noise(batch:patches:patchSize:generator:)` draws it, focus included)
    /// when given for reproducibility — data-parallel ranks draw it for the whole batch and take their rows;
    /// otherwise it is drawn here.
    public func apply(_ x: Tensor, patchSize: Int, noise: Tensor? = nil, generator: Generator = .default) throws
        -> (kept: Tensor, mask: Tensor, idsRestore: Tensor)
    {
        let (n, l, d) = (x.shape[0], x.shape[1], x.shape[2])
        let keep = keptCount(patches: l)
        let u: Tensor
        if let noise {
            guard noise.shape == [n, l] else {
                throw TensorError("masking: noise must be [\(n), \(l)] (batch x patches), got \(Shape.describe(noise.shape))")
            }
            u = try noise.contiguous().detach()
        } else {
            u = try self.noise(batch: n, patches: l, patchSize: patchSize, generator: generator)
        }
        let idsShuffle = try u.argsort(1)
        let idsRestore = try idsShuffle.argsort(1)
        let idsKeep = try idsShuffle.narrow(1, start: 0, length: keep)
        let kept = try x.gather(1, index: idsKeep.unsqueeze(-1).expand([n, keep, d]))
        let mask = try idsRestore.binary(.ge, Tensor(scalar: Float(keep)))
        return (kept, mask, idsRestore)
    }

    /// The ranking noise of `batch` samples: uniform in [0, 1), with the focus applied when there is one.
    public func noise(batch: Int, patches: Int, patchSize: Int, generator: Generator) throws -> Tensor {
        let u = try Tensor.rand([batch, patches], generator: generator)
        guard let focus else { return u }
        return try focusedNoise(u, batch: batch, patches: patches, patchSize: patchSize, masked: patches - keptCount(patches: patches),
                                focus: focus, generator: generator)
    }

    /// Forces `masked` patches per sample, drawn by weighted sampling without replacement, to the
    /// end of the argsort by setting their noise to 1.1 (the reference's rule).
    private func focusedNoise(_ u: Tensor, batch: Int, patches: Int, patchSize: Int, masked: Int,
                              focus: (start: Int, end: Int, rate: Double), generator: Generator) throws -> Tensor {
        var values = try u.toArray()
        let lo = focus.start / patchSize, hi = Swift.min(focus.end / patchSize, patches)
        for s in 0..<batch {
            var weights = (0..<patches).map { ($0 >= lo && $0 < hi) ? focus.rate : 1 - focus.rate }
            for _ in 0..<masked {
                let total = weights.reduce(0, +)
                guard total > 0 else { break }
                var r = generator.nextUnit() * total, pick = 0
                while pick < patches - 1 && (weights[pick] == 0 || r >= weights[pick]) {
                    r -= weights[pick]
                    pick += 1
                }
                weights[pick] = 0
                values[s * patches + pick] = 1.1
            }
        }
        return try Tensor(values, shape: [batch, patches])
    }
}
