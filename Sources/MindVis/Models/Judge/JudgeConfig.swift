import MindTensor

/// Architecture of the CNN judge (`JudgeCNN`): a stem convolution at full resolution, then stages that each
/// halve the size with a stride-2 convolution and add `depth` 3×3 convolutions, every convolution followed by
/// GroupNorm and SiLU; one linear layer on the flattened final feature map gives the scores. Presets: `small`
/// (64×64 stimuli, the default) and `tiny` (tests).
public struct JudgeConfig: Equatable, Sendable {
    public var classes: Int
    /// Side of the images it is trained on; other sizes are resized (bilinear) to it before classifying.
    public var imageSize: Int
    public var stemWidth: Int
    /// Channels of each stage.
    public var widths: [Int]
    /// 3×3 convolutions after each stage's stride-2 convolution.
    public var depth: Int
    /// Groups of every GroupNorm: widths must be multiples of it.
    public var groups: Int
    /// Classes that are combinations of factors (the simulated categories: shape × colour × texture ×
    /// background) can be scored factor by factor: `factorLevels[f]` levels of factor f, and per class the
    /// level of each factor. Then the head scores every level and a class's logit is the sum of its levels'
    /// scores, so every image teaches every factor. Empty: one plain linear head over the classes.
    public var factorLevels: [Int] = []
    public var classFactors: [[Int]] = []

    public static let presetNames = ["tiny", "small"]

    static func preset(_ name: String) throws -> JudgeConfig {
        switch name {
        case "tiny": return JudgeConfig(classes: 10, imageSize: 32, stemWidth: 8, widths: [16, 32], depth: 0, groups: 4)
        case "small": return JudgeConfig(classes: 200, imageSize: 64, stemWidth: 16, widths: [32, 64, 128], depth: 1, groups: 8)
        default:
            let hint = EditDistance.closest(to: name, among: presetNames).map { " (did you mean '\($0)'?)" } ?? ""
            throw TensorError("judge: unknown preset '\(name)'\(hint); presets are \(presetNames.joined(separator: ", "))")
        }
    }

    init(classes: Int, imageSize: Int, stemWidth: Int, widths: [Int], depth: Int, groups: Int) {
        (self.classes, self.imageSize, self.stemWidth, self.widths, self.depth, self.groups) = (classes, imageSize, stemWidth, widths, depth, groups)
    }

    /// Reads `preset` (default "small") and overrides any of its keys; unknown keys are errors naming the
    /// closest valid key.
    public init(_ values: [String: ConfigValue]) throws {
        var r = ConfigReader(values, context: "judge")
        self = try JudgeConfig.preset(try r.string("preset", "small"))
        classes = try r.int("classes", classes, range: 2...1_000_000)
        imageSize = try r.int("image_size", imageSize, range: 8...1024)
        stemWidth = try r.int("stem_width", stemWidth, range: 1...4096)
        widths = try r.intList("widths", widths) ?? widths
        depth = try r.int("depth", depth, range: 0...16)
        groups = try r.int("groups", groups, range: 1...4096)
        factorLevels = try r.intList("factor_levels", factorLevels) ?? factorLevels
        // Stored flat (classes × factors, row-major): configs hold lists of numbers.
        let flat = try r.intList("class_factors", classFactors.flatMap { $0 }) ?? []
        let width = Swift.max(factorLevels.count, 1)
        guard flat.count % width == 0 else {
            throw TensorError("judge: class_factors holds \(flat.count) levels, not a multiple of the \(factorLevels.count) factors")
        }
        classFactors = stride(from: 0, to: flat.count, by: width).map { Array(flat[$0..<($0 + width)]) }
        try r.finish()
        try validate()
    }

    func validate() throws {
        guard !widths.isEmpty, widths.allSatisfy({ (1...4096).contains($0) }) else {
            throw TensorError("judge: widths must be a non-empty list of channel counts in 1...4096, got \(widths)")
        }
        for width in [stemWidth] + widths where width % groups != 0 {
            throw TensorError("judge: channel width \(width) is not a multiple of the \(groups) GroupNorm groups")
        }
        if !classFactors.isEmpty || !factorLevels.isEmpty {
            guard classFactors.count == classes, !factorLevels.isEmpty, factorLevels.allSatisfy({ $0 >= 1 }) else {
                throw TensorError("judge: factor_levels (\(factorLevels)) must be positive counts and class_factors must give \(classes) classes, got \(classFactors.count)")
            }
            for (c, levels) in classFactors.enumerated() where levels.count != factorLevels.count || zip(levels, factorLevels).contains(where: { !(0..<$1).contains($0) }) {
                throw TensorError("judge: class \(c) has factor levels \(levels), expected one of 0..<n for each of the \(factorLevels.count) factors with \(factorLevels) levels")
            }
        }
    }

    /// Side of the last feature map: each stride-2 convolution (kernel 3, padding 1) gives ⌈side / 2⌉.
    public var finalSide: Int { widths.reduce(imageSize) { side, _ in (side + 1) / 2 } }

    public var values: [(String, ConfigValue)] {
        [("classes", .int(classes)), ("image_size", .int(imageSize)), ("stem_width", .int(stemWidth)),
         ("widths", .list(widths.map { .int($0) })), ("depth", .int(depth)), ("groups", .int(groups)),
         ("factor_levels", .list(factorLevels.map { .int($0) })), ("class_factors", .list(classFactors.flatMap { $0 }.map { .int($0) }))]
    }
}
