import CKernels

extension Tensor {
    /// `x W^T + b` over the last dimension (torch.nn.functional.linear): one GEMM with the weight
    /// read transposed in place, the bias added in the same pass over the output.
    public func linear(weight: Tensor, bias: Tensor?) throws -> Tensor {
        let op = "linear"
        guard weight.rank == 2 else {
            throw TensorError("\(op): weight must be 2-D [out, in], got \(Shape.describe(weight.shape))")
        }
        let outF = weight.shape[0], inF = weight.shape[1]
        guard rank >= 1, shape[rank - 1] == inF else {
            throw TensorError("\(op): input \(Shape.describe(shape)) x weight \(Shape.describe(weight.shape)): input features \(rank >= 1 ? shape[rank - 1] : 0) and weight in-features \(inF) differ")
        }
        if let bias, bias.shape != [outF] {
            throw TensorError("\(op): bias \(Shape.describe(bias.shape)) does not match \(outF) output features")
        }
        let rows = numel / Swift.max(inF, 1)
        let x = try contiguousIfNeeded(), w = try weight.contiguousIfNeeded()
        let outShape = Array(shape.dropLast()) + [outF]
        let out = try Tensor.empty(outShape, op: op)
        // With a bias, the output starts as the bias rows and the GEMM accumulates into it (beta = 1):
        // one pass over the output instead of BLAS zeroing it and a second pass adding the bias.
        var beta: Float = 0
        if let bias {
            let b = try bias.contiguousIfNeeded()
            mv_set_rows(out.data, b.data, Int64(rows), Int64(outF))
            beta = 1
        }
        try BLAS.gemm(BLAS.plain(x.data, cols: inF), BLAS.transposed(w.data, cols: inF), m: rows, n: outF, k: inF,
                      beta: beta, c: out.data, ldc: outF)
        let sx = x.saved(), sw = w.saved()
        let needX = needsGrad, needW = weight.needsGrad, needB = bias?.needsGrad ?? false
        let inputs = bias.map { [self, weight, $0] } ?? [self, weight]
        let xShape = shape, hasBias = bias != nil
        return out.recorded(op, inputs: inputs) { g in
            let gc = try g.contiguousIfNeeded()
            let xv = try sx.get(op), wv = try sw.get(op)
            var gx: Tensor?, gw: Tensor?, gb: Tensor?
            if needX {
                let t = try Tensor.empty(xShape)
                try BLAS.gemm(BLAS.plain(gc.data, cols: outF), BLAS.plain(wv.data, cols: inF), m: rows, n: inF, k: outF,
                              c: t.data, ldc: inF)
                gx = t
            }
            if needW {
                let t = try Tensor.empty([outF, inF])
                try BLAS.gemm(BLAS.transposed(gc.data, cols: outF), BLAS.plain(xv.data, cols: inF), m: outF, n: inF, k: rows,
                              c: t.data, ldc: inF)
                gw = t
            }
            if needB {
                let t = try Tensor.zeros([outF])
                mv_row_bias_grad(gc.data, t.data, Int64(rows), Int64(outF))
                gb = t
            }
            return hasBias ? [gx, gw, gb] : [gx, gw]
        }
    }
}
