import CKernels

/// Scales all gradients so that their global L2 norm is at most `maxNorm`
/// (torch.nn.utils.clip_grad_norm_: coefficient maxNorm / (norm + 1e-6), capped at 1).
/// Returns the norm before clipping; a non-finite norm is an error (the step would corrupt weights).
@discardableResult
public func clipGradNorm(_ params: [Tensor], maxNorm: Float) throws -> Float {
    guard maxNorm > 0, maxNorm.isFinite else { throw TensorError("clip_grad_norm: max_norm must be positive, got \(maxNorm)") }
    let grads = params.compactMap(\.grad)
    var total = 0.0
    for g in grads { total += mv_sum_squares(try g.contiguousIfNeeded().data, Int64(g.numel)) }
    let norm = Float(total.squareRoot())
    guard norm.isFinite else { throw TensorError("clip_grad_norm: the total gradient norm is \(norm)") }
    let coefficient = maxNorm / (norm + 1e-6)
    if coefficient < 1 {
        for g in grads where g.isContiguous {
            mv_scale_inplace(g.data, coefficient, Int64(g.numel))
            g.bumpVersion()
        }
    }
    return norm
}
