import CKernels
import Foundation

/// Attention for inference, without the probability matrix: for each block of queries the keys are visited
/// a block at a time, keeping each row's running maximum and sum of exponentials and rescaling the partial
/// output when the maximum grows (the online softmax of FlashAttention). Memory is a few blocks per worker
/// instead of B·H·Tq·Tk floats — 64 MB per image for the paper VQ's 4,096-token middle attention. Both
/// products are one GEMM per (query block, key block); the row work uses the vectorised kernels.
extension Tensor {
    /// Rows of queries per work item and keys per block: a 128×512 score block (256 KB) stays in L2 while it
    /// is exponentiated, summed and multiplied by the values.
    static let onlineQueryBlock = 128
    static let onlineKeyBlock = 512

    /// softmax(Q Kᵀ · scale) V for every (batch, head), written to `out`; the layouts are those of
    /// `attentionForward`. Block sizes may be lowered (tests exercise the block edges with small ones).
    static func onlineAttentionForward(q: HeadLayout, k: HeadLayout, v: HeadLayout, out: HeadLayout, batch: Int, heads: Int,
                                       tq: Int, tk: Int, d: Int, dv: Int, scale: Float,
                                       queryBlock: Int = onlineQueryBlock, keyBlock: Int = onlineKeyBlock) throws {
        // No queries, no output (as the path with gradients, which returns [B, 0, features]).
        guard tq > 0 && batch > 0 else { return }
        let bq = Swift.min(queryBlock, tq), bk = Swift.min(keyBlock, tk)
        let queryBlocks = (tq + bq - 1) / bq
        let packed = scoreScratch(d: d, cols: bk)
        // Per worker: scaled queries, scores, output accumulator, packing space of `scores`, row statistics.
        let stride = bq * d + bq * bk + bq * dv + packed + 3 * bq
        let scratch = try Tensor.empty([Parallel.workers, stride])
        try Parallel.forEachPair(batch: batch * heads, heads: queryBlocks, flopsPerPair: 4 * bq * tk * Swift.max(d, dv)) { pair, block, worker in
            let (b, h) = (pair / heads, pair % heads)
            let r0 = block * bq, rows = Swift.min(bq, tq - r0)
            let qs = scratch.data + worker * stride, s = qs + bq * d, acc = s + bq * bk, pack = acc + bq * dv
            let blockMax = pack + packed, blockSum = blockMax + bq, argScratch = blockSum + bq
            // Scaling the queries once is cheaper than scaling every score block.
            for i in 0..<rows {
                mv_binary_scalar_rhs(BinaryOp.mul.rawValue, q.at(b, h) + (r0 + i) * q.row, scale, qs + i * d, Int64(d))
            }
            mv_fill(acc, 0, Int64(rows * dv))
            var runningMax = [Float](repeating: -.infinity, count: rows)
            var runningSum = [Double](repeating: 0, count: rows)
            for c0 in Swift.stride(from: 0, to: tk, by: bk) {
                let cols = Swift.min(bk, tk - c0)
                try scores(qs, d, k.at(b, h) + c0 * k.row, k.row, into: s, rows: rows, cols: cols, d: d, scratch: pack)
                mv_reduce_max(s, Int64(rows), Int64(cols), 1, blockMax, argScratch, 0)
                for i in 0..<rows {
                    let newMax = Swift.max(runningMax[i], blockMax[i])
                    if runningMax[i] != -.infinity && newMax != runningMax[i] {
                        let shrink = Foundation.exp(runningMax[i] - newMax)
                        mv_scale_inplace(acc + i * dv, shrink, Int64(dv))
                        runningSum[i] *= Double(shrink)
                    }
                    runningMax[i] = newMax
                    mv_binary_scalar_rhs(BinaryOp.sub.rawValue, s + i * cols, newMax, s + i * cols, Int64(cols))
                }
                mv_unary(UnaryOp.exp.rawValue, s, s, Int64(rows * cols))
                mv_reduce_sum(s, Int64(rows), Int64(cols), 1, blockSum)
                for i in 0..<rows { runningSum[i] += Double(blockSum[i]) }
                try BLAS.gemm(BLAS.plain(s, cols: cols), BLAS.Operand(pointer: v.at(b, h) + c0 * v.row, transposed: false, ld: v.row),
                              m: rows, n: dv, k: cols, beta: 1, c: acc, ldc: dv)
            }
            for i in 0..<rows {
                mv_binary_scalar_rhs(BinaryOp.mul.rawValue, acc + i * dv, Float(1 / runningSum[i]), out.at(b, h) + (r0 + i) * out.row, Int64(dv))
            }
        }
    }
}
