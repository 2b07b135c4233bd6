import MindTensor

/// The reference's `VectorQuantizer` (taming's VectorQuantizer2 with `legacy=True`, β = 0.25): each latent
/// vector (z permuted to channel-last and flattened in (b, h, w) order) is replaced by its nearest codebook entry
/// by ‖z‖² + ‖e‖² − 2 z·e. The loss is mean((sg[e] − z)²) + β·mean((e − sg[z])²) — the reference's legacy
/// weighting puts β on the codebook term — and the output passes the gradient straight through to z:
/// z + sg[e − z].
public final class VectorQuantizer: Module {
    public let count: Int, dim: Int
    public let beta: Float
    public let embedding: Embedding

    /// Rows of the distance matrix computed at once: its memory stays near 16 MB for any codebook.
    static let distanceElements = 1 << 22

    public init(count: Int, dim: Int, beta: Float = 0.25, generator: Generator) throws {
        (self.count, self.dim, self.beta) = (count, dim, beta)
        embedding = try Embedding(count, dim, generator: generator)
        try Init.uniform(embedding.weight, -1 / Float(count), 1 / Float(count), generator: generator)
        super.init()
        registerModule("embedding", embedding)
    }

    public override var summary: String { "n_embed=\(count), embed_dim=\(dim), beta=\(beta)" }

    /// The quantisation of z [B, dim, H, W]: the straight-through output [B, dim, H, W], the codebook loss (0-d)
    /// and the 0-based indices [B·H·W] of the chosen entries in (b, h, w) order.
    public func callAsFunction(_ z: Tensor) throws -> (quant: Tensor, loss: Tensor, indices: Tensor) {
        try scoped { try forward(z) }
    }

    public func forward(_ z: Tensor) throws -> (quant: Tensor, loss: Tensor, indices: Tensor) {
        guard z.rank == 4, z.shape[1] == dim else {
            throw TensorError("quantize: expects latents [B, \(dim), H, W], got \(Shape.describe(z.shape))")
        }
        let (b, h, w) = (z.shape[0], z.shape[2], z.shape[3])
        let flat = try z.permute([0, 2, 3, 1]).reshape([b * h * w, dim])
        let indices = try nearest(flat)
        let chosen = try embedding(indices)
        let zd = flat.detach(), chosenDetached = chosen.detach()
        let loss = try flat.mseLoss(chosenDetached) + chosen.mseLoss(zd) * beta
        let straightThrough = try flat + withNoGrad { try chosenDetached - zd }
        let quant = try straightThrough.reshape([b, h, w, dim]).permute([0, 3, 1, 2]).contiguous()
        return (quant, loss, indices)
    }

    /// Index of the nearest codebook entry for each row of `flat` [N, dim], without gradient, a block of rows
    /// at a time. Computed as the reference does, (‖z‖² + ‖e‖²) − 2 z·e, so ties and near-ties round the same way.
    public func nearest(_ flat: Tensor) throws -> Tensor {
        try withNoGrad {
            let codebook = embedding.weight
            let squaredNorms = try (codebook * codebook).sum(1)
            let rows = Swift.max(1, VectorQuantizer.distanceElements / count)
            let blocks = try stride(from: 0, to: flat.shape[0], by: rows).map { start -> Tensor in
                let z = try flat.narrow(0, start: start, length: Swift.min(rows, flat.shape[0] - start))
                let distances = try ((z * z).sum(1, keepDim: true) + squaredNorms) - z.matmul(codebook.t()) * 2
                return try distances.argmin(1)
            }
            return try Tensor.cat(blocks, dim: 0)
        }
    }

    /// Codebook vectors of 0-based `indices` laid out as latents [B, dim, H, W] (the reference's
    /// `get_codebook_entry` with shape (B, H, W, dim)).
    public func entries(_ indices: Tensor, batch: Int, height: Int, width: Int) throws -> Tensor {
        guard indices.numel == batch * height * width else {
            throw TensorError("quantize: \(indices.numel) indices do not fill latents of \(batch)x\(height)x\(width)")
        }
        return try embedding(indices.reshape([-1])).reshape([batch, height, width, dim]).permute([0, 3, 1, 2]).contiguous()
    }
}
