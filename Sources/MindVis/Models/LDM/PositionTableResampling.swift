import MindTensor

/// The MAE position table [1, 1 + L, D] of a checkpoint adapted to an encoder with `patches` tokens, as the
/// reference's `interpolate_pos_embed` does when stage B builds the encoder at the dataset's voxel count
/// (REFERENCE.md §4.3, §10.4): the cls row is kept and the L patch rows are resampled along the sequence with
/// `F.interpolate(mode="nearest")` — output row i takes input row min(⌊i · (L / L')⌋, L − 1), the scale computed
/// in float32 as PyTorch does, so the same rows are picked.
func nearestResampledPositionTable(_ table: Tensor, patches: Int) throws -> Tensor {
    guard table.rank == 3, table.shape[0] == 1, table.shape[1] >= 2, patches > 0 else {
        throw TensorError("pos_embed: expects a table [1, 1 + patches, dim] and a positive patch count, got \(Shape.describe(table.shape)) and \(patches)")
    }
    let old = table.shape[1] - 1
    if old == patches { return table }
    let scale = Float(old) / Float(patches)
    let rows = [0] + (0..<patches).map { i in 1 + Swift.min(Int((Float(i) * scale).rounded(.down)), old - 1) }
    return try table.indexSelect(1, index: Tensor(rows.map(Float.init)))
}
