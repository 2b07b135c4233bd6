import CKernels

extension Tensor {
    /// GEGLU over the last dimension: its first half times the exact GELU of its second half ([..., 2d] → [..., d]),
    /// the latent-diffusion feed-forward's gate. One pass each way; the same values as `narrow`, `gelu` and `*`.
    public func geglu() throws -> Tensor {
        let op = "geglu"
        guard rank >= 1, let width = shape.last, width % 2 == 0, width > 0 else {
            throw TensorError("\(op): expects a last dimension of even size, got \(Shape.describe(shape))")
        }
        let d = width / 2, rows = numel / width
        let x = try contiguousIfNeeded()
        let out = try Tensor.empty(Array(shape.dropLast()) + [d], op: op)
        Parallel.chunks(rows, weight: width) { r, _ in
            mv_geglu(x.data + r.lowerBound * width, out.data + r.lowerBound * d, Int64(r.count), Int64(d))
        }
        let sx = x.saved()
        return out.recorded(op, inputs: [self]) { g in
            let xv = try sx.get(op), gc = try g.contiguousIfNeeded()
            let gx = try Tensor.empty(xv.shape)
            Parallel.chunks(rows, weight: width) { r, _ in
                mv_geglu_backward(xv.data + r.lowerBound * width, gc.data + r.lowerBound * d, gx.data + r.lowerBound * width,
                                  Int64(r.count), Int64(d))
            }
            return [gx]
        }
    }
}
