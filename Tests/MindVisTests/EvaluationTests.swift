import Foundation
import MindTensor
import XCTest
@testable import MindVis

/// A judge that knows its classes by one prototype image each: softmax of −(mean squared distance)/temperature.
final class PrototypeJudge: ImageJudge {
    let prototypes: [Float]
    let classes: Int, size: Int
    let temperature: Float

    init(_ prototypes: Tensor, temperature: Float = 0.01) throws {
        self.prototypes = try prototypes.contiguous().toArray()
        (classes, size, self.temperature) = (prototypes.shape[0], prototypes.numel / prototypes.shape[0], temperature)
    }

    func probabilities(_ images: Tensor) throws -> Tensor {
        let x = try images.contiguous().toArray(), n = images.shape[0]
        var logits = [Float]()
        for i in 0..<n {
            for c in 0..<classes {
                var d: Float = 0
                for p in 0..<size { d += (x[i * size + p] - prototypes[c * size + p]) * (x[i * size + p] - prototypes[c * size + p]) }
                logits.append(-d / Float(size) / temperature)
            }
        }
        return try Tensor(logits, shape: [n, classes]).softmax(1)
    }
}

/// A judge that knows nothing: probabilities drawn at random, whatever the image.
final class GuessingJudge: ImageJudge {
    let classes: Int
    let generator: Generator

    init(classes: Int, seed: UInt64) { (self.classes, generator) = (classes, Generator(seed: seed)) }

    func probabilities(_ images: Tensor) throws -> Tensor {
        try Tensor.rand([images.shape[0], classes], generator: generator).softmax(1)
    }
}

enum EvaluationTestData {
    /// `count` smooth random colour images [count, 3, size, size] in [0, 1].
    static func images(count: Int, size: Int, seed: UInt64) throws -> Tensor {
        try ((VQTestData.images(count: count, size: size, seed: seed) + 1) * 0.5).clamp(min: 0, max: 1)
    }

    /// `images` with Gaussian noise of standard deviation `std`, clamped to [0, 1].
    static func noisy(_ images: Tensor, std: Float, seed: UInt64) throws -> Tensor {
        try (images + Tensor.randn(images.shape, std: std, generator: Generator(seed: seed))).clamp(min: 0, max: 1)
    }

    /// [N, K, ...]: column k is `columns[k]`.
    static func stackColumns(_ columns: [Tensor]) throws -> Tensor { try Tensor.stack(columns, dim: 1) }
}

final class EvaluationTests: XCTestCase {
    func testIdenticalImagesScoreOne() throws {
        let prototypes = try EvaluationTestData.images(count: 12, size: 16, seed: 1)
        let truth = try prototypes.narrow(0, start: 0, length: 8)
        let samples = try EvaluationTestData.stackColumns([truth, truth])
        let evaluation = ImageEvaluation(classification: NWayClassification(ways: 5, trials: 20, seed: 3))
        let scores = try evaluation.evaluate(groundTruth: truth, samples: samples, judge: PrototypeJudge(prototypes))
        XCTAssertEqual(scores.columns, 2)
        XCTAssertEqual(scores.classification?.labels, Array(0..<8), "the judge names each ground truth by its own prototype")
        for entry in scores.entries { XCTAssertEqual(entry.value, 1, accuracy: 1e-12, entry.key) }
        XCTAssertEqual(scores.values.map(\.0), ["top1_5way", "top1_5way_max", "pairwise_mse", "pairwise_pcc", "pairwise_ssim"])
        XCTAssertEqual(scores.chance.map(\.1), [.double(0.2), .double(0.2), .double(0.5), .double(0.5), .double(0.5)])
    }

    /// A random pairing of samples with ground truths scores 0.5 in expectation for any metric: per column the
    /// score is a linear permutation statistic S = (1/N) Σ_i c(σ(i), i) with c(a, b) the fraction of the other
    /// ground truths that ground truth b beats for sample a. Every row of c averages exactly 1/2, and by
    /// Hoeffding's combinatorial central limit theorem Var S = (1/(N²(N−1))) Σ d(a, b)² with d the doubly centred
    /// c; Σ d² ≤ Σ (c − 1/2)² = N² (N+1) / (12 (N−1)) (c takes the values 0, 1/(N−1), …, 1 once per row), so
    /// Var S ≤ (N+1) / (12 (N−1)²) per column, divided by K for K independent columns. 4.5 standard deviations
    /// leave a false failure rate below 1e-5.
    func testShuffledPairsScoreChance() throws {
        let n = 30, k = 4
        let truth = try EvaluationTestData.images(count: n, size: 16, seed: 5)
        let generator = Generator(seed: 6)
        var columns: [Tensor] = []
        for c in 0..<k {
            let order = generator.permutation(n)
            let shuffled = try truth.indexSelect(0, index: Tensor(order.map(Float.init)))
            columns.append(try EvaluationTestData.noisy(shuffled, std: 0.05, seed: UInt64(10 + c)))
        }
        let result = try PairwiseIdentification().evaluate(groundTruth: truth, samples: EvaluationTestData.stackColumns(columns))
        let bound = 4.5 * (Double(n + 1) / (12 * Double((n - 1) * (n - 1))) / Double(k)).squareRoot()
        for metric in PairwiseMetric.allCases {
            XCTAssertEqual(result.mean(metric)!, 0.5, accuracy: bound, "\(metric) of shuffled pairs")
        }
        // The same samples in their true order identify their ground truths.
        let matched = try PairwiseIdentification().evaluate(groundTruth: truth, samples: EvaluationTestData.noisy(truth, std: 0.05, seed: 9))
        for metric in PairwiseMetric.allCases { XCTAssertGreaterThan(matched.mean(metric)!, 0.95, "\(metric) of matched pairs") }
    }

    /// Across the N cyclic shifts of the pairing every sample meets every ground truth exactly once, so the
    /// mean over those N columns is exactly 1/2 whenever no two scores tie (row sums of ranks are N(N−1)/2).
    func testCyclicShiftsAverageExactlyHalf() throws {
        let n = 10
        let truth = try EvaluationTestData.images(count: n, size: 16, seed: 7)
        let samples = try EvaluationTestData.images(count: n, size: 16, seed: 8)
        let shifts = try (0..<n).map { s in try samples.indexSelect(0, index: Tensor((0..<n).map { Float(($0 + s) % n) })) }
        let result = try PairwiseIdentification().evaluate(groundTruth: truth, samples: EvaluationTestData.stackColumns(shifts))
        for metric in PairwiseMetric.allCases { XCTAssertEqual(result.mean(metric)!, 0.5, accuracy: 1e-12, "\(metric)") }
    }

    /// Reference numbers from `pair_wise_score(pred, gt, mse_metric, smaller_the_better)` of `eval_metrics.py` run
    /// with numpy on these uint8 arrays (HWC 2×2×3; pixel p of an image with value v holds v, (v+7) % 256,
    /// 3v % 256): per item [1, 1, 2/3, 1] and the MSE matrix below with uint8 arithmetic; [1, 1, 1, 0] in float.
    func testUInt8QuirkReproducesTheReferenceNumbers() throws {
        func images(_ values: [[Int]]) throws -> Tensor {
            var out: [Float] = []
            for v in values {
                for channel in 0..<3 {
                    for p in 0..<4 { out.append(Float([v[p], (v[p] + 7) % 256, (3 * v[p]) % 256][channel]) / 255) }
                }
            }
            return try Tensor(out, shape: [values.count, 3, 2, 2])
        }
        let truth = try images([[10, 20, 30, 40], [250, 240, 230, 5], [128, 100, 60, 200], [0, 255, 0, 255]])
        let predicted = try images([[250, 20, 35, 40], [5, 250, 230, 10], [120, 110, 50, 190], [255, 0, 255, 0]])
        let quirk = try PairwiseIdentification(metrics: [.mse], mseUInt8Wraparound: true).evaluate(groundTruth: truth, samples: predicted)
        XCTAssertEqual(quirk.itemScores[.mse]![0], [1, 1, 2.0 / 3, 1])
        XCTAssertEqual(quirk.mean(.mse)!, 0.9166666666666666, accuracy: 1e-15)
        let fixed = try PairwiseIdentification(metrics: [.mse]).evaluate(groundTruth: truth, samples: predicted)
        XCTAssertEqual(fixed.itemScores[.mse]![0], [1, 1, 1, 0])
        XCTAssertNil(fixed.mean(.ssim), "only the chosen metrics are computed")

        // The reference makes images bytes by truncation ((255·x).astype(uint8)). Truth at 65.25 and 126.75 grey levels,
        // samples at 34.25 and 126.75: truncated, sample 1 scores (34 - 65)² % 256 = 193 against its own truth and
        // (34 - 126)² % 256 = 16 against the other, and loses, as in numpy (the helper's probe: mean 0.5); rounded (127)
        // it would win (201), mean 1.
        func grey(_ levels: [Float]) throws -> Tensor {
            try Tensor(levels.map { $0 / 255 }.flatMap { [Float](repeating: $0, count: 3) }, shape: [levels.count, 3, 1, 1])
        }
        let truncated = try PairwiseIdentification(metrics: [.mse], mseUInt8Wraparound: true)
            .evaluate(groundTruth: grey([65.25, 126.75]), samples: grey([34.25, 126.75]))
        XCTAssertEqual(truncated.itemScores[.mse]![0], [0, 1])
        XCTAssertEqual(try ByteImages(grey([34.25, 126.75]), truncating: true).bytes, [34, 34, 34, 126, 126, 126])
        XCTAssertEqual(try ByteImages(images([[10, 20, 30, 40]]), truncating: true).bytes, try ByteImages(images([[10, 20, 30, 40]])).bytes,
                       "bytes made floats stay the same bytes")

        let matrix = try PairwiseMetric.mse.scores(samples: ByteImages(predicted), groundTruth: ByteImages(truth), uint8Wraparound: true)
        let reference: [Double] = [22.916666666666668, 89.83333333333333, 51.25, 114.41666666666667, 118.25, 76.16666666666667, 103.25,
                                   115.08333333333333, 127.0, 66.91666666666667, 99.0, 109.5, 115.83333333333333, 85.41666666666667,
                                   71.83333333333333, 3.6666666666666665]
        for (a, b) in zip(matrix, reference) { XCTAssertEqual(a, b, accuracy: 1e-12) }
        let float = try PairwiseMetric.mse.scores(samples: ByteImages(predicted), groundTruth: ByteImages(truth), uint8Wraparound: false)
        XCTAssertEqual(float[0], 8449.583333333334, accuracy: 1e-9)
        XCTAssertEqual(float[15], 43011.666666666664, accuracy: 1e-9)
    }

    func testDistractorsAreDistinctOtherClassesDrawnUniformlyAndReproducibly() throws {
        let classes = 12, label = 5, count = 7
        var pool = (0..<(classes - 1)).map { $0 < label ? $0 : $0 + 1 }
        var rng = Xoshiro256StarStar(seed: 1, stream: 2)
        var seen = [Int](repeating: 0, count: classes)
        let draws = 6000
        var first: [Int] = []
        for d in 0..<draws {
            let picked = Array(NWayClassification.drawDistractors(&pool, count: count, rng: &rng))
            if d == 0 { first = picked }
            XCTAssertEqual(picked.count, count)
            XCTAssertEqual(Set(picked).count, count, "distinct")
            XCTAssertFalse(picked.contains(label), "never the item's class")
            for c in picked { seen[c] += 1 }
        }
        var again = (0..<(classes - 1)).map { $0 < label ? $0 : $0 + 1 }
        var same = Xoshiro256StarStar(seed: 1, stream: 2)
        XCTAssertEqual(Array(NWayClassification.drawDistractors(&again, count: count, rng: &same)), first, "seeded")
        // Each other class is drawn with probability 7/11 per trial: binomial, 4.5 standard deviations.
        let p = Double(count) / Double(classes - 1), expected = Double(draws) * p, sd = (Double(draws) * p * (1 - p)).squareRoot()
        for c in 0..<classes where c != label { XCTAssertEqual(Double(seen[c]), expected, accuracy: 4.5 * sd, "class \(c)") }
        XCTAssertEqual(seen[label], 0)
    }

    /// p[y] is the second largest of 10 classes: a 5-way trial succeeds unless the one larger class is among the
    /// 4 distractors drawn from 9, so the accuracy is 1 − 4/9 = 5/9; per-item accuracies are multiples of
    /// 1/trials.
    func testTrialsAndTheirSuccessRate() throws {
        let trials = 3000
        var p = [Float](repeating: 0.01, count: 10)
        p[3] = 0.5
        p[7] = 0.3
        let probabilities = try ClassProbabilities(Tensor(p + p, shape: [2, 10]))
        let result = try NWayClassification(ways: 5, trials: trials, seed: 4).evaluate(probabilities: [probabilities], labels: [7, 3])
        XCTAssertEqual(result.trials, trials)
        XCTAssertEqual(result.itemAccuracies[0][1], 1, "the largest class always wins")
        let a = result.itemAccuracies[0][0], expected = 5.0 / 9
        XCTAssertEqual(a, expected, accuracy: 4.5 * (expected * (1 - expected) / Double(trials)).squareRoot())
        XCTAssertEqual((a * Double(trials)).rounded(), a * Double(trials), accuracy: 1e-9, "a whole number of successful trials")
        let repeated = try NWayClassification(ways: 5, trials: trials, seed: 4).evaluate(probabilities: [probabilities], labels: [7, 3])
        XCTAssertEqual(repeated.itemAccuracies, result.itemAccuracies, "same seed, same draws")
        let reseeded = try NWayClassification(ways: 5, trials: trials, seed: 5).evaluate(probabilities: [probabilities], labels: [7, 3])
        XCTAssertNotEqual(reseeded.itemAccuracies[0][0], a, "another seed, other draws")

        // Ties with p[y] count as the expected value of a random tie-break: all-equal probabilities score 1/n.
        let flat = try ClassProbabilities(Tensor.full([1, 10], 0.1))
        XCTAssertEqual(try NWayClassification(ways: 5, trials: 7).evaluate(probabilities: [flat], labels: [0]).mean, 0.2, accuracy: 1e-12)
    }

    /// A judge that ignores the image: per item the accuracy lies in [0, 1] with mean 1/n, so its variance is at
    /// most 1/n; the mean over N·K independent items is within 4.5·sqrt(1/(n N K)) of 1/n.
    func testAJudgeWithoutInformationScoresChance() throws {
        let n = 40, k = 3, ways = 10
        let truth = try EvaluationTestData.images(count: n, size: 8, seed: 11)
        let samples = try EvaluationTestData.stackColumns((0..<k).map { try EvaluationTestData.noisy(truth, std: 0.02, seed: UInt64(20 + $0)) })
        let result = try NWayClassification(ways: ways, trials: 50, seed: 2).evaluate(judge: GuessingJudge(classes: 30, seed: 3), groundTruth: truth, samples: samples)
        XCTAssertEqual(result.columns.count, k)
        XCTAssertEqual(result.mean, 1 / Double(ways), accuracy: 4.5 * (1 / Double(ways * n * k)).squareRoot())
        XCTAssertEqual(result.max, result.columns.max()!)
    }

    func testTrueLabelsAndErrors() throws {
        let prototypes = try EvaluationTestData.images(count: 6, size: 8, seed: 12)
        let judge = try PrototypeJudge(prototypes)
        let truth = try prototypes.narrow(0, start: 0, length: 3)
        var top1 = NWayClassification(ways: 6, trials: 10, labelSource: .trueLabel)
        // Scored against wrong classes, with every class in each trial, the perfect samples never win.
        XCTAssertEqual(try top1.evaluate(judge: judge, groundTruth: truth, samples: truth, trueLabels: [3, 4, 5]).mean, 0)
        XCTAssertThrowsError(try top1.evaluate(judge: judge, groundTruth: truth, samples: truth)) { error in
            XCTAssertTrue("\(error)".contains("true labels"), "\(error)")
        }
        XCTAssertThrowsError(try top1.evaluate(judge: judge, groundTruth: truth, samples: truth, trueLabels: [0, 1, 9]))
        top1.ways = 7
        XCTAssertThrowsError(try top1.evaluate(judge: judge, groundTruth: truth, samples: truth, trueLabels: [0, 1, 2])) { error in
            XCTAssertTrue("\(error)".contains("2...6"), "\(error)")
        }
        XCTAssertThrowsError(try PairwiseIdentification().evaluate(groundTruth: truth * 2 - 1, samples: truth)) { error in
            XCTAssertTrue("\(error)".contains("[0, 1]"), "\(error)")
        }
        XCTAssertThrowsError(try PairwiseIdentification().evaluate(groundTruth: truth, samples: prototypes)) { error in
            XCTAssertTrue("\(error)".contains("samples must be"), "\(error)")
        }
        XCTAssertThrowsError(try PairwiseIdentification(metrics: [.ssim]).evaluate(groundTruth: truth.narrow(2, start: 0, length: 4).narrow(3, start: 0, length: 4),
                                                                                  samples: truth.narrow(2, start: 0, length: 4).narrow(3, start: 0, length: 4))) { error in
            XCTAssertTrue("\(error)".contains("7x7"), "\(error)")
        }
        // A NaN is named (the range of the other values would look valid), and so is a judge whose class count changes.
        var values = try truth.toArray()
        values[5] = .nan
        let broken = try Tensor(values, shape: truth.shape)
        XCTAssertThrowsError(try PairwiseIdentification().evaluate(groundTruth: broken, samples: truth)) { error in
            XCTAssertTrue("\(error)".contains("ground truth values must be finite and in [0, 1], found nan"), "\(error)")
        }
        final class ShiftingJudge: ImageJudge {
            var calls = 0
            func probabilities(_ images: Tensor) throws -> Tensor {
                calls += 1
                return try Tensor.full([images.shape[0], calls == 1 ? 6 : 8], 0.1)
            }
        }
        XCTAssertThrowsError(try NWayClassification(ways: 3, trials: 2).evaluate(judge: ShiftingJudge(), groundTruth: truth, samples: truth)) { error in
            XCTAssertTrue("\(error)".contains("the judge gives 6 classes for the ground truth but 8 for the samples"), "\(error)")
        }
    }
}
