import MindTensor

/// The default validation data of diffusion training: a seeded fraction of the training *images* (all rows showing
/// one go to the same side, so no held-out image is trained on), at least 2 (pair-wise identification needs two)
/// and never all. The reference validates on the test set instead (`val_on_test`).
struct ImageHeldOutSplit {
    /// Training rows and, per held-out image, the first row showing it.
    let trainRows: [Int]
    let validationRows: [Int]

    init(imageOfRow: [Int], fraction: Double, seed: Int) throws {
        let images = Array(Set(imageOfRow)).sorted()
        guard fraction > 0 else {
            (trainRows, validationRows) = (Array(imageOfRow.indices), [])
            return
        }
        guard images.count >= 3 else {
            throw TensorError("validation: \(images.count) training image(s) cannot be split into training and at least 2 held-out images; set val_fraction = 0 or val_on_test = true")
        }
        let count = Swift.min(images.count - 1, Swift.max(2, Int((fraction * Double(images.count)).rounded())))
        var rng = Xoshiro256StarStar(seed: UInt64(seed), stream: 0x5EED)
        let held = Set(rng.permutation(images.count).prefix(count).map { images[$0] })
        var seen = Set<Int>()
        var train: [Int] = [], validation: [Int] = []
        for (row, image) in imageOfRow.enumerated() {
            if !held.contains(image) { train.append(row) } else if seen.insert(image).inserted { validation.append(row) }
        }
        (trainRows, validationRows) = (train, validation)
    }
}
