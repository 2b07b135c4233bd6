/// Matrix products with PyTorch's `matmul` semantics: 1-D operands are promoted, leading batch
/// dimensions broadcast, and transposed views are read by BLAS in place.
extension Tensor {
    public func matmul(_ other: Tensor) throws -> Tensor {
        let op = "matmul"
        guard rank >= 1, other.rank >= 1 else {
            throw TensorError("\(op): \(Shape.describe(shape)) x \(Shape.describe(other.shape)): 0-d tensors have no matrix product (use mul)")
        }
        if rank == 1 && other.rank == 1 {
            return try unsqueeze(0).matmul(other.unsqueeze(1)).reshape([])
        }
        if rank == 1 { return try unsqueeze(0).matmul(other).squeeze(-2) }
        if other.rank == 1 { return try matmul(other.unsqueeze(1)).squeeze(-1) }
        let m = shape[rank - 2], k = shape[rank - 1], k2 = other.shape[other.rank - 2], n = other.shape[other.rank - 1]
        guard k == k2 else {
            throw TensorError("\(op): \(Shape.describe(shape)) x \(Shape.describe(other.shape)): inner sizes \(k) and \(k2) differ")
        }
        if other.rank == 2 { return try matmulSharedRight(other, m: m, k: k, n: n) }
        return try matmulBatched(other, m: m, k: k, n: n)
    }

    /// [..., m, k] x [k, n]: all leading dimensions fold into one GEMM.
    private func matmulSharedRight(_ w: Tensor, m: Int, k: Int, n: Int) throws -> Tensor {
        let lead = Array(shape.dropLast(2))
        let rows = lead.reduce(m, *)
        let a2: Tensor
        if rank == 2 {
            a2 = self
        } else {
            let c = try contiguousIfNeeded()
            a2 = c.view(shape: [rows, k], strides: [k, 1], offset: c.offset)
        }
        let a = try a2.matrixOperand()
        let b = try w.matrixOperand()
        let out = try Tensor.empty(lead + [m, n], op: "matmul")
        try BLAS.gemm(a.operand, b.operand, m: rows, n: n, k: k, c: out.data, ldc: n)
        let sa = a.tensor.saved(), sw = w.saved()
        let needA = needsGrad, needW = w.needsGrad, aShape = shape
        return out.recorded("matmul", inputs: [self, w]) { g in
            let g2 = try g.contiguousIfNeeded().reshape([rows, n])
            let x = try sa.get("matmul"), wv = try sw.get("matmul")
            let ga = needA ? try g2.matmul(wv.t()).reshape(aShape) : nil
            let gw = needW ? try x.t().matmul(g2) : nil
            return [ga, gw]
        }
    }

    /// Broadcast batch dimensions; one GEMM per batch entry.
    private func matmulBatched(_ other: Tensor, m: Int, k: Int, n: Int) throws -> Tensor {
        let batch = try Shape.broadcast(Array(shape.dropLast(2)), Array(other.shape.dropLast(2)), op: "matmul")
        _ = try Shape.elementCount(batch + [m, n], op: "matmul")
        let a = try broadcastView(to: batch + [m, k]).batchMatrixReady()
        let b = try other.broadcastView(to: batch + [k, n]).batchMatrixReady()
        let out = try Tensor.empty(batch + [m, n], op: "matmul")
        let count = batch.reduce(1, *)
        let aOp = try a.matrixOperand(), bOp = try b.matrixOperand()
        let batchStridesA = Array(a.strides.dropLast(2)), batchStridesB = Array(b.strides.dropLast(2))
        var index = [Int](repeating: 0, count: batch.count)
        for i in 0..<count {
            var offA = 0, offB = 0
            for d in 0..<batch.count { offA += index[d] * batchStridesA[d]; offB += index[d] * batchStridesB[d] }
            try BLAS.gemm(aOp.operand.shifted(by: offA), bOp.operand.shifted(by: offB), m: m, n: n, k: k,
                          c: out.data + i * m * n, ldc: n)
            for d in stride(from: batch.count - 1, through: 0, by: -1) {
                index[d] += 1
                if index[d] < batch[d] { break }
                index[d] = 0
            }
        }
        let sa = saved(), sb = other.saved()
        let needA = needsGrad, needB = other.needsGrad
        return out.recorded("matmul", inputs: [self, other]) { g in
            let x = try sa.get("matmul"), y = try sb.get("matmul")
            let ga = needA ? try g.matmul(y.transpose(-1, -2)).sumTo(x.shape) : nil
            let gb = needB ? try x.transpose(-1, -2).matmul(g).sumTo(y.shape) : nil
            return [ga, gb]
        }
    }

    /// A view whose last two dimensions BLAS can read in place, copying only when it cannot.
    private func batchMatrixReady() throws -> Tensor {
        let r = shape[rank - 2], c = shape[rank - 1]
        if BLAS.operand(data, rows: r, cols: c, rowStride: strides[rank - 2], colStride: strides[rank - 1]) != nil { return self }
        return try contiguousCopy()
    }

    /// The BLAS view of a 2-D (or batched, first-matrix) tensor, with the tensor actually used.
    private func matrixOperand() throws -> (operand: BLAS.Operand, tensor: Tensor) {
        let r = shape[rank - 2], c = shape[rank - 1]
        if let op = BLAS.operand(data, rows: r, cols: c, rowStride: strides[rank - 2], colStride: strides[rank - 1]) {
            return (op, self)
        }
        let copy = try contiguousCopy()
        return (BLAS.plain(copy.data, cols: c), copy)
    }
}

extension BLAS.Operand {
    func shifted(by elements: Int) -> BLAS.Operand {
        BLAS.Operand(pointer: pointer + elements, transposed: transposed, ld: ld)
    }
}
