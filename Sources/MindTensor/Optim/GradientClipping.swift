import CKernels

/// Scales all gradients so that their global L2 norm is at most `maxNorm`
/// (torch.nn.utils.clip_grad_norm_: coefficient maxNorm / (norm + 1e-6), capped at 1).
/// Returns the norm before clipping; a non-finite norm is an error (the step would corrupt weights).
@discardableResult
public func clipGradNorm(_ params: [Tensor], maxNorm: Float) throws -> Float {
    guard maxNorm >= 0, maxNorm.isFinite else { throw TensorError("clip_grad_norm: max_norm must be a finite number >= 0, got \(maxNorm)") }
    // Gradients are scaled in place, so a strided one (set by hand from a view) is first made contiguous.
    for p in params { if let g = p.grad, !g.isContiguous { p.grad = try g.contiguous() } }
    let grads = params.compactMap(\.grad)
    var total = 0.0
    for c in grads {
        // Large gradients are summed in one share per worker; the shares are added in worker order, so the
        // norm is reproducible run to run (and accumulated in double, so the split barely shows at all).
        var shares = [Double](repeating: 0, count: Parallel.workers)
        shares.withUnsafeMutableBufferPointer { out in
            Parallel.chunks(c.numel) { r, worker in out[worker] = mv_sum_squares(c.data + r.lowerBound, Int64(r.count)) }
        }
        total += shares.reduce(0, +)
    }
    let norm = Float(total.squareRoot())
    guard norm.isFinite else { throw TensorError("clip_grad_norm: the total gradient norm is \(norm.isNaN ? "nan" : "inf")") }
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 {
        for g in grads {
            Parallel.chunks(g.numel) { r, _ in mv_scale_inplace(g.data + r.lowerBound, coefficient, Int64(r.count)) }
            g.bumpVersion()
        }
    }
    return norm
}
