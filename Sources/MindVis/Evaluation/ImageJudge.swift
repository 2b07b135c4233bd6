import MindTensor

/// The classifier behind the n-way top-1 metric (REFERENCE.md §7.1). The reference's judge is torchvision's
/// ImageNet ViT-H/14, downloaded at run time; here any classifier can stand in: the CNN judge trained on the
/// simulated stimuli (`JudgeCNN`), or a module a user loads and wraps.
public protocol ImageJudge {
    /// Class probabilities [N, classes] (rows summing to 1) of images [N, 3, H, W] with values in [0, 1].
    func probabilities(_ images: Tensor) throws -> Tensor
}
