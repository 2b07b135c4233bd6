import MindTensor

/// How well a judge recognises held-out images of known classes: top-1 over all its classes, and the n-way
/// top-1 of REFERENCE.md §7.1 with the true labels. Measured on clean images and, given a first stage, on their
/// VQ reconstructions — the ceiling for generated images, which the LDM can only produce through the VQ
/// decoder.
public struct JudgeAccuracy: Sendable {
    public let images: Int
    public let classes: Int
    public let ways: Int
    public let top1: Double
    public let nWay: Double
    /// nil without a VQ model.
    public let vqTop1: Double?
    public let vqNWay: Double?

    /// Measures `judge` on `images` [N, 3, H, W] in [0, 1] whose classes are `labels`; with `vq`, also on the
    /// images encoded and decoded by it. The n-way metric uses `classification` with the true labels.
    public static func measure(judge: ImageJudge, images: Tensor, labels: [Int], vq: VQModel? = nil,
                               classification: NWayClassification = NWayClassification()) throws -> JudgeAccuracy {
        var nWay = classification
        nWay.labelSource = .trueLabel
        var classes = 0
        func score(_ x: Tensor) throws -> (Double, Double) {
            let p = try ClassProbabilities(judge.probabilities(x))
            classes = p.classes
            guard p.rows == labels.count else { throw TensorError("judge accuracy: \(labels.count) labels for \(p.rows) images") }
            let correct = (0..<p.rows).filter { p.argmax($0) == labels[$0] }.count
            return (Double(correct) / Double(p.rows), try nWay.evaluate(probabilities: [p], labels: labels).mean)
        }
        let clean = try score(images)
        let reconstructed = try vq.map { model in
            try score(((model.reconstruct(images.resizedImages(to: model.config.ddconfig.resolution) * 2 - 1) + 1) * 0.5).clamp(min: 0, max: 1))
        }
        return JudgeAccuracy(images: labels.count, classes: classes, ways: classification.ways, top1: clean.0, nWay: clean.1,
                             vqTop1: reconstructed?.0, vqNWay: reconstructed?.1)
    }

    /// `judge_top1`, `judge_top1_50way` and their `_vq` counterparts.
    public var values: [(String, ConfigValue)] {
        let key = "judge_" + ImageScores.top1Key(ways: ways)
        var out: [(String, ConfigValue)] = [("judge_images", .int(images)), ("judge_top1", .double(top1)), (key, .double(nWay))]
        if let vqTop1, let vqNWay { out += [("judge_top1_vq", .double(vqTop1)), (key + "_vq", .double(vqNWay))] }
        return out
    }
}
