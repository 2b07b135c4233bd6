import MindTensor

/// n-way top-1 "semantic classification", the reference's headline metric (REFERENCE.md §7.1,
/// `n_way_top_k_acc` / `get_n_way_top_k_acc` in `eval_metrics.py`).
///
/// Per item i the judge's class y_i is the argmax of its probabilities for the ground-truth image (the
/// reference), or the item's true label. For a sample, p = the judge's probabilities; one trial draws n − 1
/// distinct classes ≠ y uniformly from the others and succeeds when p[y] is the largest of the n. The item's
/// accuracy is the mean over trials; acc_k, the mean over items of sample column k; reported are the mean
/// over columns (`top-1-class`) and the best column (`top-1-class (max)`). Chance is 1/n.
///
/// Deviations, both documented fixes: distractors come from a seeded generator, one stream per (column,
/// item), so results are reproducible and independent of evaluation order (the reference's numpy draws are
/// unseeded); and a tie between p[y] and distractors counts as the expected value of a random tie-break,
/// 1/(1 + tied distractors), so that a judge with no information scores exactly chance (torchmetrics' top-k
/// would hand ties to y, the first entry).
public struct NWayClassification: Sendable {
    /// Where the class an item must be recognised as comes from.
    public enum LabelSource: String, Sendable, CaseIterable {
        /// The judge's argmax on the ground-truth image (the reference's pseudo-label).
        case judge
        /// The item's true class, given by the caller.
        case trueLabel = "true"
    }

    public var ways: Int
    public var trials: Int
    public var labelSource: LabelSource
    public var seed: UInt64

    /// The reference's values: 50-way, 50 trials (stage-B validation; `gen_eval.py` uses 1000), pseudo-labels.
    public init(ways: Int = 50, trials: Int = 50, labelSource: LabelSource = .judge, seed: UInt64 = 0) {
        (self.ways, self.trials, self.labelSource, self.seed) = (ways, trials, labelSource, seed)
    }

    public struct Result: Sendable {
        public let ways: Int
        public let trials: Int
        /// The class each item is scored against.
        public let labels: [Int]
        /// Per sample column, the accuracy of each item (a multiple of 1/trials unless ties occurred).
        public let itemAccuracies: [[Double]]

        /// acc_k: per sample column, the mean over items.
        public var columns: [Double] { itemAccuracies.map { $0.reduce(0, +) / Double(Swift.max($0.count, 1)) } }
        /// `top-1-class`: the mean over columns.
        public var mean: Double { columns.reduce(0, +) / Double(Swift.max(columns.count, 1)) }
        /// `top-1-class (max)`: the best column.
        public var max: Double { columns.max() ?? 0 }
        public var chance: Double { 1 / Double(ways) }
    }

    /// Scores `samples` ([N, K, 3, H, W] or [N, 3, H, W], values in [0, 1]) against `groundTruth` [N, 3, H, W]
    /// with `judge`. `trueLabels` (class indices of the judge, one per item) are needed with `.trueLabel`.
    public func evaluate(judge: ImageJudge, groundTruth: Tensor, samples: Tensor, trueLabels: [Int]? = nil) throws -> Result {
        let images = try SampleColumns(groundTruth: groundTruth, samples: samples, operation: "top-1 \(ways)-way")
        let labels: [Int]
        var truthClasses: Int?
        switch labelSource {
        case .judge:
            let p = try probabilities(judge, images.groundTruth, what: "ground truth")
            labels = (0..<p.rows).map(p.argmax)
            truthClasses = p.classes
        case .trueLabel:
            guard let trueLabels else { throw TensorError("top-1 \(ways)-way: labels = \"true\" needs the true labels of the items") }
            labels = trueLabels
        }
        let columns = try images.columns.enumerated().map { try probabilities(judge, $0.element, what: "sample column \($0.offset + 1)") }
        if let truthClasses, let column = columns.first, column.classes != truthClasses {
            throw TensorError("top-1 \(ways)-way: the judge gives \(truthClasses) classes for the ground truth but \(column.classes) for the samples; one judge must score both")
        }
        return try evaluate(probabilities: columns, labels: labels)
    }

    /// Scores given class probabilities: per sample column a [N, classes] matrix, and the class of each item.
    public func evaluate(probabilities columns: [ClassProbabilities], labels: [Int]) throws -> Result {
        let operation = "top-1 \(ways)-way"
        guard let first = columns.first else { throw TensorError("\(operation): no sample columns") }
        let (items, classes) = (first.rows, first.classes)
        guard columns.allSatisfy({ $0.rows == items && $0.classes == classes }) else {
            throw TensorError("\(operation): every sample column needs [\(items), \(classes)] probabilities, got \(columns.map { "[\($0.rows), \($0.classes)]" }.joined(separator: ", "))")
        }
        guard classes >= 2 else {
            throw TensorError("\(operation): the judge gives \(classes) class\(classes == 1 ? "" : "es"); n-way scoring needs at least 2")
        }
        guard ways >= 2, ways <= classes else {
            throw TensorError("\(operation): ways must be in 2...\(classes) (the judge's classes), got \(ways)")
        }
        guard trials >= 1 else { throw TensorError("\(operation): trials must be at least 1, got \(trials)") }
        guard labels.count == items else { throw TensorError("\(operation): \(labels.count) labels for \(items) items") }
        if let bad = labels.firstIndex(where: { !(0..<classes).contains($0) }) {
            // The item is numbered from 1 and the label not shown: callers count classes from 0 (Swift) or 1 (Lua).
            throw TensorError("\(operation): the label of item \(bad + 1) (counting items from 1) is not one of the judge's \(classes) classes")
        }
        let accuracies = columns.enumerated().map { k, p in
            (0..<items).map { i in
                var rng = Xoshiro256StarStar(seed: seed, stream: UInt64(k), UInt64(i))
                return NWayClassification.itemAccuracy(p.row(i), label: labels[i], ways: ways, trials: trials, rng: &rng)
            }
        }
        return Result(ways: ways, trials: trials, labels: labels, itemAccuracies: accuracies)
    }

    /// The mean success of `trials` trials for one item with probabilities `p` and class `label`.
    static func itemAccuracy(_ p: ArraySlice<Float>, label: Int, ways: Int, trials: Int, rng: inout Xoshiro256StarStar) -> Double {
        let base = p.startIndex, target = p[base + label]
        var others = Array(0..<(p.count - 1)).map { $0 < label ? $0 : $0 + 1 }
        var successes = 0.0
        for _ in 0..<trials {
            var ties = 0, beaten = false
            for c in drawDistractors(&others, count: ways - 1, rng: &rng) {
                let q = p[base + c]
                if q > target { beaten = true; break }
                if q == target { ties += 1 }
            }
            if !beaten { successes += 1 / Double(1 + ties) }
        }
        return successes / Double(trials)
    }

    /// One trial's distractors: `count` distinct entries of `pool` drawn uniformly (a partial Fisher–Yates
    /// shuffle, which leaves `pool` a permutation of itself, so it can be reused for the next trial).
    static func drawDistractors(_ pool: inout [Int], count: Int, rng: inout Xoshiro256StarStar) -> ArraySlice<Int> {
        for j in 0..<count {
            let pick = j + rng.nextInt(below: pool.count - j)
            pool.swapAt(j, pick)
        }
        return pool[0..<count]
    }

    private func probabilities(_ judge: ImageJudge, _ images: Tensor, what: String) throws -> ClassProbabilities {
        let p = try judge.probabilities(images)
        guard p.rank == 2, p.shape[0] == images.shape[0] else {
            throw TensorError("top-1 \(ways)-way: the judge must return [\(images.shape[0]), classes] probabilities for the \(what), got \(Shape.describe(p.shape))")
        }
        do {
            return try ClassProbabilities(p)
        } catch let error as TensorError {
            throw TensorError("top-1 \(ways)-way: the judge's probabilities for the \(what): \(error.message)")
        }
    }
}
