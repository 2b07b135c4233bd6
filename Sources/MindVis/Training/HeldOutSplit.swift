import MindTensor

/// The evaluation set a training run holds out when the user gives none: 5% of the samples (at least 1, at most
/// 64, never all), chosen by the run's seed, so figures and held-out scores exist by default.
public enum HeldOutSplit {
    public static let maxHeldOut = 64

    /// (rows kept for training, rows held out) of `data` along dimension 0, each in their original order.
    public static func split(_ data: Tensor, seed: Int) throws -> (train: Tensor, heldOut: Tensor) {
        let n = data.shape.first ?? 0
        guard n >= 2 else { throw TensorError("eval: \(n) sample cannot be split into training and held-out data; pass eval = false") }
        let count = Swift.min(maxHeldOut, Swift.max(1, n / 20))
        let order = Generator(seed: UInt64(seed) &+ 0x5EED).permutation(n)
        let held = Array(order.prefix(count)).sorted(), kept = Array(order.dropFirst(count)).sorted()
        return (try data.indexSelect(0, index: Tensor(kept.map(Float.init))), try data.indexSelect(0, index: Tensor(held.map(Float.init))))
    }
}
