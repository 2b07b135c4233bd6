import CKernels

extension Tensor {
    /// Softmax along `dim`, max-subtracted and fused; `scale` multiplies the input first
    /// (attention's 1/sqrt(d)).
    public func softmax(_ dim: Int, scale: Float = 1) throws -> Tensor {
        guard scale > 0 && scale.isFinite else { throw TensorError("softmax: scale must be positive and finite, got \(scale)") }
        return try alongLastDim(dim, op: "softmax") { x in
            let out = try Tensor.empty(x.shape, op: "softmax")
            let cols = x.shape.last ?? 1, rows = x.numel / Swift.max(cols, 1)
            Parallel.chunks(rows, weight: cols) { r, _ in
                mv_softmax_rows(x.data + r.lowerBound * cols, out.data + r.lowerBound * cols, Int64(r.count), Int64(cols), scale)
            }
            let sy = out.saved()
            return out.recorded("softmax", inputs: [x]) { g in
                let y = try sy.get("softmax"), gc = try g.contiguousIfNeeded()
                let gx = try Tensor.empty(y.shape)
                Parallel.chunks(rows, weight: cols) { r, _ in
                    let o = r.lowerBound * cols
                    mv_softmax_backward_rows(y.data + o, gc.data + o, gx.data + o, Int64(r.count), Int64(cols), scale)
                }
                return [gx]
            }
        }
    }

    public func logSoftmax(_ dim: Int) throws -> Tensor {
        try alongLastDim(dim, op: "log_softmax") { x in
            let out = try Tensor.empty(x.shape, op: "log_softmax")
            let cols = x.shape.last ?? 1, rows = x.numel / Swift.max(cols, 1)
            Parallel.chunks(rows, weight: cols) { r, _ in
                mv_log_softmax_rows(x.data + r.lowerBound * cols, out.data + r.lowerBound * cols, Int64(r.count), Int64(cols))
            }
            let sy = out.saved()
            return out.recorded("log_softmax", inputs: [x]) { g in
                let y = try sy.get("log_softmax"), gc = try g.contiguousIfNeeded()
                let gx = try Tensor.empty(y.shape)
                Parallel.chunks(rows, weight: cols) { r, _ in
                    let o = r.lowerBound * cols
                    mv_log_softmax_backward_rows(y.data + o, gc.data + o, gx.data + o, Int64(r.count), Int64(cols))
                }
                return [gx]
            }
        }
    }

    /// Applies a row kernel along `dim` by moving that dimension last (a copy only when needed).
    private func alongLastDim(_ dim: Int, op: String, _ body: (Tensor) throws -> Tensor) throws -> Tensor {
        if rank == 0 { return try reshape([1]).alongLastDim(0, op: op, body).reshape([]) }
        let d = try Shape.normalize(dim: dim, rank: rank, op: op)
        guard shape[d] > 0 else { throw TensorError("\(op): the dimension it runs along in \(Shape.describe(shape)) is empty") }
        if d == rank - 1 { return try body(contiguous()) }
        return try body(transpose(d, -1).contiguous()).transpose(d, -1)
    }
}
