import MindTensor

/// What researchers ask a trained MAE in the REPL: how well it fills in masked voxels, its latents,
/// and where its attention goes.
extension MaskedAutoencoder {
    public struct Reconstruction {
        /// The full reconstruction [B, 1, V] (predictions at every patch, visible ones included).
        public var reconstruction: Tensor
        /// [B, L], 1 for masked patches.
        public var mask: Tensor
        /// Per-sample Pearson r between reconstruction and input over the voxels of masked patches.
        public var maskedCorrelation: [Float]
        /// The same over the visible patches.
        public var visibleCorrelation: [Float]
        public var loss: Float
    }

    public func reconstruct(_ x: Tensor, maskRatio: Double = 0.75, noise: Tensor? = nil, generator: Generator = .default) throws -> Reconstruction {
        try withNoGrad {
            let (loss, pred, mask) = try self(x, maskRatio: maskRatio, noise: noise, generator: generator)
            let target = try patchify(x)
            let p = config.patchSize, b = x.shape[0], l = config.numPatches
            let predValues = try pred.toArray(), targetValues = try target.toArray(), m = try mask.toArray()
            func correlations(masked: Bool) -> [Float] {
                (0..<b).map { s in
                    var a: [Float] = [], t: [Float] = []
                    for j in 0..<l where (m[s * l + j] > 0.5) == masked {
                        let start = (s * l + j) * p
                        a += predValues[start..<(start + p)]
                        t += targetValues[start..<(start + p)]
                    }
                    return pearson(a[...], t[...])
                }
            }
            return Reconstruction(reconstruction: try unpatchify(pred), mask: mask, maskedCorrelation: correlations(masked: true),
                                  visibleCorrelation: correlations(masked: false), loss: try loss.item())
        }
    }

    /// Encoder latents without masking, patches in their natural order: [B, L+1, D] (cls token first).
    public func encode(_ x: Tensor) throws -> Tensor {
        try withNoGrad {
            let h = try encoderBlocks(prependingCls(positionedTokens(x)), 0..<blocks.count)
            return try norm(h)
        }
    }

    /// Attention probabilities [B, H, L+1, L+1] of encoder block `block` (0-based) on unmasked input.
    public func attentionWeights(_ x: Tensor, block: Int) throws -> Tensor {
        guard block >= 0 && block < blocks.count else {
            throw TensorError("attention: block \(block) does not exist (the encoder has \(blocks.count) blocks)")
        }
        return try withNoGrad {
            let h = try encoderBlocks(prependingCls(positionedTokens(x)), 0..<block)
            let target = blocks[block]
            return try Tensor.attentionWeights(qkv: target.attn.qkv(target.norm1(h)), heads: target.attn.heads)
        }
    }
}
