import MindImage
import MindTensor

/// The judge of the n-way metric on the simulated data: a small CNN classifier of stimulus categories (the
/// role of the reference's ImageNet ViT-H/14, which knows the test classes; see `JudgeTrainer` for how it
/// learns them). Images [N, 3, H, W] in [0, 1] are centred and scaled by fixed constants, then
/// stem → stride-2 stages → the final feature map flattened → linear scores. The head keeps the map's layout
/// rather than averaging it: the categories differ by the outline of one object, and an average of local
/// features told shapes apart poorly (measured on the built-in data: 19% held-out top-1 with a global average,
/// 55% flattened, 89% flattened with factored classes, in the same two minutes of training).
public final class JudgeCNN: Module, ImageJudge {
    public let config: JudgeConfig
    public let stem: Sequential
    public let stages: ModuleList<Sequential>
    public let head: Linear
    /// With factored classes: [levels, classes], 1 where the class has the level (fixed, from the config).
    let levelsToClasses: Tensor?
    /// Name of each class (the categories' descriptions), stored in checkpoints; may be empty.
    public var classNames: [String]

    /// Images per forward pass when classifying many.
    static let inferenceBatch = 64

    public init(_ config: JudgeConfig, classNames: [String] = [], generator: Generator = .default) throws {
        try config.validate()
        guard classNames.isEmpty || classNames.count == config.classes else {
            throw TensorError("judge: \(classNames.count) class names for \(config.classes) classes")
        }
        self.config = config
        self.classNames = classNames
        func block(_ input: Int, _ output: Int, stride: Int) throws -> [Layer] {
            [try Conv2d(input, output, kernelSize: 3, stride: stride, padding: 1, generator: generator),
             try GroupNorm(config.groups, output), SiLU()]
        }
        stem = Sequential(try block(3, config.stemWidth, stride: 1))
        stages = ModuleList()
        var width = config.stemWidth
        for w in config.widths {
            var layers = try block(width, w, stride: 2)
            for _ in 0..<config.depth { layers += try block(w, w, stride: 1) }
            stages.append(Sequential(layers))
            width = w
        }
        let levels = config.factorLevels.reduce(0, +)
        if levels > 0 {
            var table = [Float](repeating: 0, count: levels * config.classes)
            for (c, classLevels) in config.classFactors.enumerated() {
                var offset = 0
                for (level, count) in zip(classLevels, config.factorLevels) {
                    table[(offset + level) * config.classes + c] = 1
                    offset += count
                }
            }
            levelsToClasses = try Tensor(table, shape: [levels, config.classes])
        } else {
            levelsToClasses = nil
        }
        head = try Linear(config.finalSide * config.finalSide * width, levels > 0 ? levels : config.classes, generator: generator)
        super.init()
        registerModule("stem", stem)
        registerModule("stages", stages)
        registerModule("head", head)
    }

    public override var summary: String {
        "classes=\(config.classes), image_size=\(config.imageSize), widths=\([config.stemWidth] + config.widths), depth=\(config.depth)"
    }

    /// Class logits [N, classes] of images [N, 3, image_size, image_size] in [0, 1].
    public func forward(_ images: Tensor) throws -> Tensor {
        let s = config.imageSize
        guard images.rank == 4, images.shape[1] == 3, images.shape[2] == s, images.shape[3] == s else {
            throw TensorError("judge: expects images [B, 3, \(s), \(s)], got \(Shape.describe(images.shape))")
        }
        var h = try stem((images - 0.5) * 4)
        for stage in stages.items { h = try stage(h) }
        let scores = try head(h.flatten(from: 1))
        return try levelsToClasses.map { try scores.matmul($0) } ?? scores
    }

    public func callAsFunction(_ images: Tensor) throws -> Tensor { try scoped { try forward(images) } }

    /// Softmax probabilities [N, classes] of images [N, 3, H, W] in [0, 1] of any size (resized to the judge's
    /// as the reference's judge resizes to its 518 pixels), without gradients, in batches.
    public func probabilities(_ images: Tensor) throws -> Tensor {
        guard images.rank == 4, images.shape[1] == 3, images.shape[0] > 0 else {
            throw TensorError("judge: expects images [N, 3, H, W], got \(Shape.describe(images.shape))")
        }
        return try withNoGrad {
            let parts = try images.split(JudgeCNN.inferenceBatch, dim: 0).map { batch in
                try forward(batch.resizedImages(to: config.imageSize)).softmax(1)
            }
            return try Tensor.cat(parts, dim: 0)
        }
    }
}
