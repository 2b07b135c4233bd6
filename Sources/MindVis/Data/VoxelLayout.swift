import MindTensor

/// The voxel-vector conventions of REFERENCE.md §1.1, on [N, V] matrices.
public enum VoxelLayout {
    /// Extends V to a multiple of `patch` by appending copies of each row's first voxels (numpy's
    /// "wrap" mode). Like the reference, a V that is already a multiple gains a whole extra patch.
    public static func wrapPadToPatch(_ x: Tensor, patch: Int) throws -> Tensor {
        guard patch > 0 else { throw TensorError("pad to patch: patch size must be positive, got \(patch)") }
        let v = try columns(x, op: "pad to patch")
        return try wrapPad(x, to: v + patch - v % patch)
    }

    /// Circularly extends rows to `length` voxels (how subjects of different sizes meet).
    public static func wrapPad(_ x: Tensor, to length: Int) throws -> Tensor {
        let v = try columns(x, op: "wrap pad")
        guard length >= v else { throw TensorError("wrap pad: target length \(length) is shorter than \(v) voxels") }
        if length == v { return x }
        guard v > 0 else { throw TensorError("wrap pad: cannot extend rows with no voxels") }
        _ = try Shape.elementCount([x.shape[0], length], op: "wrap pad")
        // Whole copies first (one cat), then the remainder: a bounded number of pieces for any length.
        let whole = length / v, rest = length % v
        let tiled = whole > 1 ? try x.repeated([1, whole]) : x
        return rest > 0 ? try Tensor.cat([tiled, x.narrow(1, start: 0, length: rest)], dim: 1) : tiled
    }

    /// A2's reconciliation with a checkpoint's length: shorter data is wrap-padded, longer data keeps
    /// its first `length` voxels.
    public static func fit(_ x: Tensor, to length: Int) throws -> Tensor {
        let v = try columns(x, op: "fit voxels")
        guard length > 0 else { throw TensorError("fit voxels: target length must be positive, got \(length)") }
        return v >= length ? try x.narrow(1, start: 0, length: length).contiguous() : try wrapPad(x, to: length)
    }

    /// Single-scalar z-scoring over the whole matrix (not per voxel): (x - mean) / std with numpy's
    /// population std; returns the statistics used.
    public static func zScore(_ x: Tensor) throws -> (normalized: Tensor, mean: Float, std: Float) {
        let (mean, std) = try scalarMoments(x)
        return (try normalize(x, mean: mean, std: std), mean, std)
    }

    public static func normalize(_ x: Tensor, mean: Float, std: Float) throws -> Tensor {
        guard std > 0, std.isFinite else {
            throw TensorError("normalize: standard deviation must be positive, got \(std)\(std == 0 ? " (every value is the same)" : "")")
        }
        return try (x - mean) / std
    }

    /// Mean and population standard deviation of all entries, accumulated in double.
    public static func scalarMoments(_ x: Tensor) throws -> (mean: Float, std: Float) {
        guard x.numel > 0 else { throw TensorError("normalize: empty matrix") }
        let mean = try x.mean().item()
        let variance = try x.variance(dims: nil, correction: 0).item()
        return (mean, variance.squareRoot())
    }

    private static func columns(_ x: Tensor, op: String) throws -> Int {
        guard x.rank == 2 else { throw TensorError("\(op): expects a [samples, voxels] matrix, got \(Shape.describe(x.shape))") }
        return x.shape[1]
    }
}
