import MindTensor

extension FMRIDataset {
    /// The image each row shows, as [N, 3, size, size] in [0, 1]: the ground truth that generated images and
    /// baselines are scored against (resized like the first stage's input when the stimuli have another size).
    public func groundTruth(size: Int) throws -> Tensor {
        guard let images, let imageIndex else { throw TensorError("\(name): has no images to score against") }
        return try ((images.subset(imageIndex).modelInput(size: size) + 1) * 0.5).clamp(min: 0, max: 1)
    }
}
