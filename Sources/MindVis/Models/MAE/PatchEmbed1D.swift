import MindTensor

/// The fMRI patch embedding: Conv1d(1 -> D, kernel = stride = patch), stored as the reference's
/// `proj.weight` [D, 1, p] / `proj.bias` [D], computed as what it is — a reshape of [B, 1, V] into
/// [B, L, p] (free) and one GEMM — giving tokens [B, L, D] directly (no transpose copy).
public final class PatchEmbed1D: Module, Layer {
    public let numVoxels: Int, patchSize: Int, embedDim: Int
    public let proj: Conv1d

    public init(numVoxels: Int, patchSize: Int, embedDim: Int, generator: Generator = .default) throws {
        (self.numVoxels, self.patchSize, self.embedDim) = (numVoxels, patchSize, embedDim)
        proj = try Conv1d(1, embedDim, kernelSize: patchSize, stride: patchSize, generator: generator)
        super.init()
        registerModule("proj", proj)
    }

    public var numPatches: Int { numVoxels / patchSize }

    public override var summary: String { "voxels=\(numVoxels), patch=\(patchSize), dim=\(embedDim)" }

    /// x: [B, 1, V] -> [B, L, D].
    public func forward(_ x: Tensor) throws -> Tensor {
        guard x.rank == 3, x.shape[1] == 1, x.shape[2] == numVoxels else {
            throw TensorError("PatchEmbed1D: expects fMRI [B, 1, \(numVoxels)], got \(Shape.describe(x.shape))")
        }
        let patches = try x.reshape([x.shape[0], numPatches, patchSize])
        let w = try proj.weight.reshape([embedDim, patchSize])
        return try patches.linear(weight: w, bias: proj.bias)
    }
}
