import XCTest
@testable import MindTensor

/// The inference path of attention (online softmax over key blocks, no probability matrix) against the
/// training path that stores the probabilities: equal within 2e-5 of the output's scale, on odd sizes,
/// several heads, cross-attention (Tq ≠ Tk, d ≠ dv) and block edges.
final class OnlineAttentionTests: XCTestCase {
    let tolerance: Float = 2e-5

    /// The stored-probabilities path runs when an input requires grad; detach() makes the result comparable.
    func withProbabilities(_ body: (Bool) throws -> Tensor) throws -> (online: [Float], stored: [Float]) {
        (try body(false).toArray(), try body(true).detach().toArray())
    }

    func testCrossAttentionMatchesStoredProbabilities() throws {
        for (b, tq, tk, heads, d, dv) in [(2, 37, 53, 3, 5, 7), (1, 1, 1, 1, 4, 4), (3, 130, 600, 2, 16, 8), (1, 9, 1030, 1, 33, 3)] {
            let q = try randomInput([b, tq, heads * d], seed: 1, lo: -3, hi: 3)
            let k = try randomInput([b, tk, heads * d], seed: 2, lo: -3, hi: 3)
            let v = try randomInput([b, tk, heads * dv], seed: 3)
            let (online, stored) = try withProbabilities { grad in
                try Tensor.attention(query: grad ? q.clone().requiresGrad() : q, key: k, value: v, heads: heads)
            }
            assertClose(online, stored, tolerance: tolerance, "B \(b) Tq \(tq) Tk \(tk) heads \(heads) d \(d) dv \(dv)")
        }
    }

    /// No queries (or no batch) give an empty output on both paths; the inference path used to divide by zero.
    func testEmptyQueriesGiveEmptyOutputs() throws {
        for (b, tq) in [(1, 0), (0, 4)] {
            let q = try Tensor.zeros([b, tq, 4]), k = try randomInput([b, 3, 4], seed: 7), v = try randomInput([b, 3, 4], seed: 8)
            for grad in [false, true] {
                let out = try Tensor.attention(query: grad ? q.clone().requiresGrad() : q, key: k, value: v, heads: 2)
                XCTAssertEqual(out.shape, [b, tq, 4], "B \(b) Tq \(tq) with gradient \(grad)")
            }
        }
    }

    func testSelfAttentionFromFusedProjectionMatches() throws {
        for (b, t, heads, d) in [(2, 129, 2, 12), (1, 700, 1, 64)] {
            let qkv = try randomInput([b, t, 3 * heads * d], seed: 4, lo: -2, hi: 2)
            let (online, stored) = try withProbabilities { grad in
                try Tensor.selfAttention(qkv: grad ? qkv.clone().requiresGrad() : qkv, heads: heads)
            }
            assertClose(online, stored, tolerance: tolerance, "B \(b) T \(t) heads \(heads) d \(d)")
        }
    }

    func testSmallBlocksWithRaggedEdges() throws {
        let (b, tq, tk, heads, d, dv) = (2, 23, 41, 3, 6, 5)
        let q = try randomInput([b, tq, heads * d], seed: 5, lo: -4, hi: 4)
        let k = try randomInput([b, tk, heads * d], seed: 6, lo: -4, hi: 4)
        let v = try randomInput([b, tk, heads * dv], seed: 7)
        let stored = try Tensor.attention(query: q.clone().requiresGrad(), key: k, value: v, heads: heads).detach().toArray()
        for (queryBlock, keyBlock) in [(1, 1), (4, 7), (8, 16), (23, 40)] {
            let out = try Tensor.empty([b, tq, heads * dv])
            try Tensor.onlineAttentionForward(q: q.headLayout(d), k: k.headLayout(d), v: v.headLayout(dv), out: out.headLayout(dv),
                                              batch: b, heads: heads, tq: tq, tk: tk, d: d, dv: dv, scale: 1 / Float(d).squareRoot(),
                                              queryBlock: queryBlock, keyBlock: keyBlock)
            assertClose(try out.toArray(), stored, tolerance: tolerance, "blocks \(queryBlock)x\(keyBlock)")
        }
    }

    func testNoGradientNeededRecordsNothing() throws {
        let q = try randomInput([1, 5, 4], seed: 8).requiresGrad()
        let out = try withNoGrad { try Tensor.attention(query: q, key: q, value: q, heads: 2) }
        XCTAssertFalse(out.requiresGrad)
    }
}
