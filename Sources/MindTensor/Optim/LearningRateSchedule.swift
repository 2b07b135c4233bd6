import Foundation

/// The MAE schedule (REFERENCE.md §2.1), evaluated every iteration at a fractional epoch:
/// linear warm-up to `baseLR` over `warmupEpochs`, then a half-cycle cosine down to `minLR` at `totalEpochs`.
public struct CosineWarmupSchedule: Equatable {
    public var baseLR: Double, minLR: Double, warmupEpochs: Double, totalEpochs: Double

    public init(baseLR: Double, minLR: Double = 0, warmupEpochs: Double, totalEpochs: Double) throws {
        guard baseLR >= 0, minLR >= 0, warmupEpochs >= 0, totalEpochs > 0 else {
            throw TensorError("cosine schedule: rates and epochs must be non-negative and total epochs positive")
        }
        (self.baseLR, self.minLR, self.warmupEpochs, self.totalEpochs) = (baseLR, minLR, warmupEpochs, totalEpochs)
    }

    public func rate(atEpoch epoch: Double) -> Double {
        if epoch < warmupEpochs { return baseLR * epoch / warmupEpochs }
        let span = Swift.max(totalEpochs - warmupEpochs, 1e-12)
        return minLR + (baseLR - minLR) * 0.5 * (1 + cos(Double.pi * (epoch - warmupEpochs) / span))
    }

    /// Sets every group's rate for iteration `iteration` of `iterationsPerEpoch` in `epoch`; returns it.
    @discardableResult
    public func apply(to optimizer: Optimizer, epoch: Int, iteration: Int, iterationsPerEpoch: Int) -> Double {
        let lr = rate(atEpoch: Double(epoch) + Double(iteration) / Double(Swift.max(iterationsPerEpoch, 1)))
        optimizer.setLearningRate(Float(lr))
        return lr
    }
}
