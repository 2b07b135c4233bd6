import CKernels

/// Fused multi-head scaled dot-product attention: per (batch, head) two GEMMs around an in-place
/// scaled softmax, reading queries, keys and values straight out of their projections' layouts
/// (no head-splitting copies) and writing the output already merged back to [B, T, H*dv]. When no
/// input needs a gradient, the online-softmax path (`onlineAttentionForward`) runs instead and the
/// probabilities are never stored.
extension Tensor {
    /// Where element (b, h, t, j) of a per-head matrix lives: base + b*batch + h*head + t*row + j.
    struct HeadLayout {
        let base: UnsafeMutablePointer<Float>
        let batch: Int, head: Int, row: Int

        func at(_ b: Int, _ h: Int) -> UnsafeMutablePointer<Float> { base + b * batch + h * head }
    }

    /// softmax(Q K^T * scale) V for every (batch, head); the probabilities go to `probs`
    /// ([B, H, Tq, Tk]) for backward.
    static func attentionForward(q: HeadLayout, k: HeadLayout, v: HeadLayout, out: HeadLayout, probs: UnsafeMutablePointer<Float>,
                                 batch: Int, heads: Int, tq: Int, tk: Int, d: Int, dv: Int, scale: Float) throws {
        let packed = try Tensor.empty([Parallel.workers, scoreScratch(d: d, cols: tk)])
        try Parallel.forEachPair(batch: batch, heads: heads, flopsPerPair: 4 * tq * tk * Swift.max(d, dv)) { b, h, worker in
            let p = probs + (b * heads + h) * tq * tk
            try scores(q.at(b, h), q.row, k.at(b, h), k.row, into: p, rows: tq, cols: tk, d: d,
                       scratch: packed.data + worker * packed.shape[1])
            mv_softmax_rows(p, p, Int64(tq), Int64(tk), scale)
            try BLAS.gemm(BLAS.plain(p, cols: tk), BLAS.Operand(pointer: v.at(b, h), transposed: false, ld: v.row),
                          m: tq, n: dv, k: tk, c: out.at(b, h), ldc: out.row)
        }
    }

    /// Scratch floats `scores` needs to pack the right operand of an inner size `d`.
    static func scoreScratch(d: Int, cols: Int) -> Int { Int(mv_attention_scores_scratch(Int64(d), Int64(cols))) }

    /// s = A B^T with rows of A and B read at their strides: the short inner dimension of attention
    /// heads goes to the packed-register kernel, long ones to BLAS.
    static func scores(_ a: UnsafeMutablePointer<Float>, _ lda: Int, _ b: UnsafeMutablePointer<Float>, _ ldb: Int,
                       into s: UnsafeMutablePointer<Float>, rows: Int, cols: Int, d: Int, scratch: UnsafeMutablePointer<Float>) throws {
        if d <= 128 {
            mv_attention_scores(a, Int64(lda), b, Int64(ldb), s, Int64(cols), Int64(rows), Int64(cols), Int64(d), scratch)
        } else {
            try BLAS.gemm(BLAS.Operand(pointer: a, transposed: false, ld: lda), BLAS.Operand(pointer: b, transposed: true, ld: ldb),
                          m: rows, n: cols, k: d, c: s, ldc: cols)
        }
    }

    /// Gradients of `attentionForward` given the output gradient `gOut`; writes into the layouts
    /// of gq, gk, gv (each (batch, head) block is written exactly once, so workers never collide).
    static func attentionBackward(q: HeadLayout, k: HeadLayout, v: HeadLayout, gOut: HeadLayout, probs: UnsafeMutablePointer<Float>,
                                  gq: HeadLayout, gk: HeadLayout, gv: HeadLayout,
                                  batch: Int, heads: Int, tq: Int, tk: Int, d: Int, dv: Int, scale: Float) throws {
        let scratch = try Tensor.empty([Parallel.workers, tq, tk])
        let packed = try Tensor.empty([Parallel.workers, scoreScratch(d: dv, cols: tk)])
        try Parallel.forEachPair(batch: batch, heads: heads, flopsPerPair: 8 * tq * tk * Swift.max(d, dv)) { b, h, worker in
            let p = probs + (b * heads + h) * tq * tk
            let ds = scratch.data + worker * tq * tk
            let go = BLAS.Operand(pointer: gOut.at(b, h), transposed: false, ld: gOut.row)
            // dV = P^T dO
            try BLAS.gemm(BLAS.transposed(p, cols: tk), go, m: tk, n: dv, k: tq, c: gv.at(b, h), ldc: gv.row)
            // dP = dO V^T, then dS = softmax'(P) dP * scale, in place
            try scores(gOut.at(b, h), gOut.row, v.at(b, h), v.row, into: ds, rows: tq, cols: tk, d: dv,
                       scratch: packed.data + worker * packed.shape[1])
            mv_softmax_backward_rows(p, ds, ds, Int64(tq), Int64(tk), scale)
            // dQ = dS K, dK = dS^T Q
            try BLAS.gemm(BLAS.plain(ds, cols: tk), BLAS.Operand(pointer: k.at(b, h), transposed: false, ld: k.row),
                          m: tq, n: d, k: tk, c: gq.at(b, h), ldc: gq.row)
            try BLAS.gemm(BLAS.transposed(ds, cols: tk), BLAS.Operand(pointer: q.at(b, h), transposed: false, ld: q.row),
                          m: tk, n: d, k: tq, c: gk.at(b, h), ldc: gk.row)
        }
    }

    /// Multi-head attention on [B, T, H*d] projections: queries [B, Tq, H*d], keys [B, Tk, H*d],
    /// values [B, Tk, H*dv]; head h uses feature columns h*d ..< (h+1)*d. Returns [B, Tq, H*dv].
    /// `scale` defaults to 1/sqrt(d).
    public static func attention(query: Tensor, key: Tensor, value: Tensor, heads: Int, scale: Float? = nil) throws -> Tensor {
        let op = "attention"
        guard query.rank == 3, key.rank == 3, value.rank == 3 else {
            throw TensorError("\(op): expects [B, T, features] query, key and value, got \(Shape.describe(query.shape)), \(Shape.describe(key.shape)), \(Shape.describe(value.shape))")
        }
        let (bsz, tq, dq) = (query.shape[0], query.shape[1], query.shape[2])
        let (tk, dk, dvAll) = (key.shape[1], key.shape[2], value.shape[2])
        guard key.shape[0] == bsz, value.shape[0] == bsz, value.shape[1] == tk, dk == dq else {
            throw TensorError("\(op): query \(Shape.describe(query.shape)), key \(Shape.describe(key.shape)) and value \(Shape.describe(value.shape)) do not fit together")
        }
        guard heads > 0, dq % heads == 0, dvAll % heads == 0 else {
            throw TensorError("\(op): feature sizes \(dq) and \(dvAll) are not divisible by \(heads) heads")
        }
        guard tk > 0 else { throw TensorError("\(op): key sequence is empty") }
        let d = dq / heads, dv = dvAll / heads
        let s = scale ?? 1 / Float(d).squareRoot()
        // Rows may be strided (e.g. slices of a fused qkv projection); features must be contiguous.
        let qx = try query.rowMajorFeatures(), kx = try key.rowMajorFeatures(), vx = try value.rowMajorFeatures()
        let out = try Tensor.empty([bsz, tq, dvAll], op: op)
        if !(query.needsGrad || key.needsGrad || value.needsGrad) {
            try onlineAttentionForward(q: qx.headLayout(d), k: kx.headLayout(d), v: vx.headLayout(dv), out: out.headLayout(dv),
                                       batch: bsz, heads: heads, tq: tq, tk: tk, d: d, dv: dv, scale: s)
            return out
        }
        let probs = try Tensor.empty([bsz, heads, tq, tk], op: op)
        try attentionForward(q: qx.headLayout(d), k: kx.headLayout(d), v: vx.headLayout(dv), out: out.headLayout(dv),
                             probs: probs.data, batch: bsz, heads: heads, tq: tq, tk: tk, d: d, dv: dv, scale: s)
        let sq = qx.saved(), sk = kx.saved(), sv = vx.saved()
        let needs = [query.needsGrad, key.needsGrad, value.needsGrad]
        let shapes = (q: query.shape, k: key.shape, v: value.shape)
        return out.recorded(op, inputs: [query, key, value]) { g in
            let qv = try sq.get(op), kv = try sk.get(op), vv = try sv.get(op)
            let gc = try g.contiguousIfNeeded()
            let gq = try Tensor.empty(shapes.q), gk = try Tensor.empty(shapes.k), gv = try Tensor.empty(shapes.v)
            try attentionBackward(q: qv.headLayout(d), k: kv.headLayout(d), v: vv.headLayout(dv), gOut: gc.headLayout(dv),
                                  probs: probs.data, gq: gq.headLayout(d), gk: gk.headLayout(d), gv: gv.headLayout(dv),
                                  batch: bsz, heads: heads, tq: tq, tk: tk, d: d, dv: dv, scale: s)
            return [needs[0] ? gq : nil, needs[1] ? gk : nil, needs[2] ? gv : nil]
        }
    }

    /// Self-attention straight from a fused qkv projection [B, T, 3*H*d] laid out (q | k | v) as in
    /// timm's Attention; the gradient is written back into that layout without split copies.
    public static func selfAttention(qkv: Tensor, heads: Int, scale: Float? = nil) throws -> Tensor {
        let op = "self_attention"
        guard qkv.rank == 3, qkv.shape[2] % 3 == 0 else {
            throw TensorError("\(op): expects a fused projection [B, T, 3*D], got \(Shape.describe(qkv.shape))")
        }
        let (bsz, t, dim) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3)
        guard heads > 0, dim % heads == 0 else { throw TensorError("\(op): width \(dim) is not divisible by \(heads) heads") }
        guard t > 0 else { throw TensorError("\(op): sequence is empty") }
        let d = dim / heads
        let s = scale ?? 1 / Float(d).squareRoot()
        let x = try qkv.contiguousIfNeeded()
        let out = try Tensor.empty([bsz, t, dim], op: op)
        let parts = x.qkvLayouts(dim: dim, headDim: d)
        if !qkv.needsGrad {
            try onlineAttentionForward(q: parts.q, k: parts.k, v: parts.v, out: out.headLayout(d),
                                       batch: bsz, heads: heads, tq: t, tk: t, d: d, dv: d, scale: s)
            return out
        }
        let probs = try Tensor.empty([bsz, heads, t, t], op: op)
        try attentionForward(q: parts.q, k: parts.k, v: parts.v, out: out.headLayout(d), probs: probs.data,
                             batch: bsz, heads: heads, tq: t, tk: t, d: d, dv: d, scale: s)
        let sx = x.saved()
        return out.recorded(op, inputs: [qkv]) { g in
            let xv = try sx.get(op), gc = try g.contiguousIfNeeded()
            let gx = try Tensor.empty(xv.shape)
            let p = xv.qkvLayouts(dim: dim, headDim: d), gp = gx.qkvLayouts(dim: dim, headDim: d)
            try attentionBackward(q: p.q, k: p.k, v: p.v, gOut: gc.headLayout(d), probs: probs.data,
                                  gq: gp.q, gk: gp.k, gv: gp.v, batch: bsz, heads: heads, tq: t, tk: t, d: d, dv: d, scale: s)
            return [gx]
        }
    }

    /// The attention probabilities softmax(Q K^T * scale) [B, H, T, T] of a fused qkv projection,
    /// without autograd — for inspecting what a trained block attends to.
    public static func attentionWeights(qkv: Tensor, heads: Int, scale: Float? = nil) throws -> Tensor {
        guard qkv.rank == 3, qkv.shape[2] % 3 == 0, heads > 0, (qkv.shape[2] / 3) % heads == 0 else {
            throw TensorError("attention_weights: expects a fused projection [B, T, 3*D] with D divisible by \(heads) heads, got \(Shape.describe(qkv.shape))")
        }
        let (bsz, t, dim) = (qkv.shape[0], qkv.shape[1], qkv.shape[2] / 3)
        let d = dim / heads
        let x = try qkv.contiguousIfNeeded()
        let probs = try Tensor.empty([bsz, heads, t, t], op: "attention_weights")
        let parts = x.qkvLayouts(dim: dim, headDim: d)
        let packed = try Tensor.empty([scoreScratch(d: d, cols: t)])
        for b in 0..<bsz {
            for h in 0..<heads {
                let p = probs.data + (b * heads + h) * t * t
                try scores(parts.q.at(b, h), parts.q.row, parts.k.at(b, h), parts.k.row, into: p, rows: t, cols: t, d: d, scratch: packed.data)
                mv_softmax_rows(p, p, Int64(t), Int64(t), scale ?? 1 / Float(d).squareRoot())
            }
        }
        return probs
    }

    /// The per-head layout of a [B, T, H*d] tensor whose last dimension is contiguous.
    func headLayout(_ headDim: Int) -> HeadLayout {
        HeadLayout(base: data, batch: strides[0], head: headDim, row: strides[1])
    }

    func qkvLayouts(dim: Int, headDim: Int) -> (q: HeadLayout, k: HeadLayout, v: HeadLayout) {
        let row = strides[1], batch = strides[0]
        return (HeadLayout(base: data, batch: batch, head: headDim, row: row),
                HeadLayout(base: data + dim, batch: batch, head: headDim, row: row),
                HeadLayout(base: data + 2 * dim, batch: batch, head: headDim, row: row))
    }

    /// `self` if its feature dimension is contiguous and rows do not overlap, else a contiguous copy.
    func rowMajorFeatures() throws -> Tensor {
        if strides[2] == 1 && strides[1] >= shape[2] && strides[0] >= shape[1] * strides[1] { return self }
        return try contiguousCopy()
    }
}
