import CKernels

extension Tensor {
    /// Layer norm over the last dimension with optional affine weight and bias, fused; mean and
    /// 1/std are cached for backward.
    public func layerNorm(weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) throws -> Tensor {
        let op = "layer_norm"
        guard rank >= 1, let cols = shape.last, cols > 0 else {
            throw TensorError("\(op): input \(Shape.describe(shape)) has no features to normalise")
        }
        for (name, p) in [("weight", weight), ("bias", bias)] {
            if let p, p.shape != [cols] {
                throw TensorError("\(op): \(name) \(Shape.describe(p.shape)) does not match normalised size \(cols) of input \(Shape.describe(shape))")
            }
        }
        let rows = numel / cols
        let x = try contiguousIfNeeded()
        let w = try weight?.contiguousIfNeeded(), b = try bias?.contiguousIfNeeded()
        let out = try Tensor.empty(shape, op: op)
        let mean = try Tensor.empty([rows]), rstd = try Tensor.empty([rows])
        Parallel.chunks(rows, weight: cols) { r, _ in
            let o = r.lowerBound
            mv_layernorm_forward(x.data + o * cols, w?.data, b?.data, out.data + o * cols, mean.data + o, rstd.data + o,
                                 Int64(r.count), Int64(cols), eps)
        }
        let sx = x.saved(), sw = w?.saved()
        let needX = needsGrad, needW = weight?.needsGrad ?? false, needB = bias?.needsGrad ?? false
        let inputs = [self] + [weight, bias].compactMap { $0 }
        let hasW = weight != nil, hasB = bias != nil
        return out.recorded(op, inputs: inputs) { g in
            let xv = try sx.get(op), wv = try sw?.get(op), gc = try g.contiguousIfNeeded()
            let gx = needX ? try Tensor.empty(xv.shape) : nil
            // Each worker accumulates its rows' weight and bias gradients into its own slice; summed after.
            let partialW = needW ? try Tensor.zeros([Parallel.workers, cols]) : nil
            let partialB = needB ? try Tensor.zeros([Parallel.workers, cols]) : nil
            Parallel.chunks(rows, weight: cols) { r, w in
                let o = r.lowerBound
                mv_layernorm_backward(xv.data + o * cols, gc.data + o * cols, wv?.data, mean.data + o, rstd.data + o,
                                      gx.map { $0.data + o * cols }, partialW.map { $0.data + w * cols }, partialB.map { $0.data + w * cols },
                                      Int64(r.count), Int64(cols))
            }
            let gw = try partialW?.sum(0), gb = try partialB?.sum(0)
            return Tensor.affineGradients(gx, gw, gb, hasWeight: hasW, hasBias: hasB)
        }
    }

    /// Group norm of [N, C, *] input with `groups` groups of channels, optional per-channel affine.
    public func groupNorm(groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) throws -> Tensor {
        try groupNorm(groups: groups, weight: weight, bias: bias, eps: eps, silu: false)
    }

    /// `groupNorm(...).silu()` in one pass each way (the ResnetBlocks' norm → swish): the same values, without
    /// writing or keeping the normalised tensor.
    public func groupNormSiLU(groups: Int, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5) throws -> Tensor {
        try groupNorm(groups: groups, weight: weight, bias: bias, eps: eps, silu: true)
    }

    private func groupNorm(groups: Int, weight: Tensor?, bias: Tensor?, eps: Float, silu: Bool) throws -> Tensor {
        let op = silu ? "group_norm_silu" : "group_norm"
        guard rank >= 2 else { throw TensorError("\(op): expects input [N, C, ...], got \(Shape.describe(shape))") }
        let n = shape[0], c = shape[1], hw = shape[2...].reduce(1, *)
        guard groups > 0, c % groups == 0 else {
            throw TensorError("\(op): \(c) channels cannot be split into \(groups) groups")
        }
        guard hw * (c / groups) > 0 else { throw TensorError("\(op): input \(Shape.describe(shape)) has empty groups") }
        for (name, p) in [("weight", weight), ("bias", bias)] {
            if let p, p.shape != [c] {
                throw TensorError("\(op): \(name) \(Shape.describe(p.shape)) does not match \(c) channels")
            }
        }
        let x = try contiguousIfNeeded()
        let w = try weight?.contiguousIfNeeded(), b = try bias?.contiguousIfNeeded()
        let out = try Tensor.empty(shape, op: op)
        let mean = try Tensor.empty([n * groups]), rstd = try Tensor.empty([n * groups])
        // Workers take disjoint ranges of groups (of every sample): they write disjoint outputs and statistics.
        let perGroup = n * (c / groups) * hw
        Parallel.chunks(groups, weight: perGroup) { r, _ in
            mv_groupnorm_forward(x.data, w?.data, b?.data, out.data, mean.data, rstd.data,
                                 Int64(n), Int64(c), Int64(hw), Int64(groups), Int64(r.lowerBound), Int64(r.upperBound), eps, silu ? 1 : 0)
        }
        let sx = x.saved(), sw = w?.saved(), sb = silu ? b?.saved() : nil
        let needX = needsGrad, needW = weight?.needsGrad ?? false, needB = bias?.needsGrad ?? false
        let inputs = [self] + [weight, bias].compactMap { $0 }
        let hasW = weight != nil, hasB = bias != nil
        return out.recorded(op, inputs: inputs) { g in
            let xv = try sx.get(op), wv = try sw?.get(op), bv = try sb?.get(op), gc = try g.contiguousIfNeeded()
            // With SiLU the kernel passes the SiLU's gradient through gx, so it needs one even for a constant input.
            let gx = needX || silu ? try Tensor.empty(xv.shape) : nil
            let gw = needW ? try Tensor.zeros([c]) : nil
            let gb = needB ? try Tensor.zeros([c]) : nil
            // Each channel belongs to one group, so the weight and bias gradients of a range of groups are its own.
            Parallel.chunks(groups, weight: 2 * perGroup) { r, _ in
                mv_groupnorm_backward(xv.data, gc.data, wv?.data, bv?.data, mean.data, rstd.data, gx?.data, gw?.data, gb?.data,
                                      Int64(n), Int64(c), Int64(hw), Int64(groups), Int64(r.lowerBound), Int64(r.upperBound),
                                      silu ? 1 : 0)
            }
            return Tensor.affineGradients(needX ? gx : nil, gw, gb, hasWeight: hasW, hasBias: hasB)
        }
    }

    /// Gradients in the order of the recorded inputs: input, then weight and bias when present.
    private static func affineGradients(_ gx: Tensor?, _ gw: Tensor?, _ gb: Tensor?, hasWeight: Bool, hasBias: Bool) -> [Tensor?] {
        [gx] + (hasWeight ? [gw] : []) + (hasBias ? [gb] : [])
    }
}
