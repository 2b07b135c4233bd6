import Foundation
import MindTensor

/// The fixed 1-D sin-cos position table of the MAE (REFERENCE.md §1.2): for position m and
/// ω_i = 10000^(-i/(D/2)), row m = [sin(m ω_0..), cos(m ω_0..)], with a zero row prepended for the
/// cls slot: shape [1, length + 1, dim].
public func sinCosPositionTable(dim: Int, length: Int) throws -> Tensor {
    guard dim > 0, dim % 2 == 0 else { throw TensorError("sin-cos positions: embedding width must be even, got \(dim)") }
    let half = dim / 2
    // A tensor, not a Swift array: an absurd size (num_voxels = 2^30) is then the allocator's clear out-of-memory
    // error instead of a trap.
    let table = try Tensor.zeros([1, length + 1, dim])
    let values = table.data
    for m in 0..<length {
        for i in 0..<half {
            let omega = 1 / pow(10000.0, Double(i) / Double(half))
            let angle = Double(m) * omega
            values[(m + 1) * dim + i] = Float(sin(angle))
            values[(m + 1) * dim + half + i] = Float(cos(angle))
        }
    }
    return table
}
