/// Per-channel normalization of the feature bank, measured on natural-like calibration images: every
/// image-feature channel is scaled to unit mean, so feature families contribute comparably to voxel drive.
struct Calibration {
    static let imageCount = 128

    /// imageCount × imageFeatureCount features of the calibration images.
    let features: [Float]
    /// One scale per image-feature column (the same for all cells of a channel).
    let channelScale: [Float]

    init(seed: UInt64) {
        let count = Calibration.imageCount
        let featureCount = FeatureBank.imageFeatureCount
        features = NaturalImages.features(count: count, seed: seed, stream: [SeedTag.calibration])
        var scale = [Float](repeating: 1, count: featureCount)
        for block in [FeatureBank.fine, FeatureBank.medium, FeatureBank.coarse] {
            let cells = block.grid * block.grid
            for c in 0..<block.channels.count {
                let start = block.offset + c * cells
                var sum = 0.0
                for i in 0..<count {
                    for g in 0..<cells { sum += Double(features[i * featureCount + start + g]) }
                }
                let mean = Float(sum / Double(count * cells))
                for g in 0..<cells { scale[start + g] = 1 / max(mean, 1e-4) }
            }
        }
        channelScale = scale
    }
}
