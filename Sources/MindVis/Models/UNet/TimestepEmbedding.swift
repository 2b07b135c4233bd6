import Foundation
import MindTensor

/// The sinusoidal timestep embedding of the diffusion UNet (`timestep_embedding` in the reference's
/// `diffusionmodules/util.py`): for t [B] (values, possibly fractional) -> [B, dim] laid out
/// [cos(t f_0), ..., cos(t f_{h-1}), sin(t f_0), ..., sin(t f_{h-1})] with f_i = exp(-ln(maxPeriod) i / h),
/// h = dim / 2, and a zero column when dim is odd. Note the cos-first order, the opposite of the MAE's
/// position table. Frequencies and arguments are rounded to float32 as the reference computes them.
public func timestepEmbedding(_ t: Tensor, dim: Int, maxPeriod: Double = 10000) throws -> Tensor {
    guard t.rank == 1 else { throw TensorError("timestep_embedding: expects timesteps [B], got \(Shape.describe(t.shape))") }
    guard dim > 0 else { throw TensorError("timestep_embedding: dimension must be positive, got \(dim)") }
    let half = dim / 2
    let logPeriod = Float(-Foundation.log(maxPeriod))
    let frequencies = (0..<half).map { Foundation.exp(logPeriod * Float($0) / Float(half)) }
    let steps = try t.toArray()
    var values = [Float](repeating: 0, count: steps.count * dim)
    for (b, step) in steps.enumerated() {
        for (i, f) in frequencies.enumerated() {
            let argument = Double(step * f)
            values[b * dim + i] = Float(Foundation.cos(argument))
            values[b * dim + half + i] = Float(Foundation.sin(argument))
        }
    }
    return try Tensor(values, shape: [steps.count, dim])
}
