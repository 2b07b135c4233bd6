import MindImage
import MindTensor

/// What a decoder predicts from voxels.
public enum DecodingTarget: String, CaseIterable, Sendable {
    /// The image area-downsampled to 8×8 RGB (192 values).
    case pixels8x8
    /// The coarse (4×4-grid) block of the simulator's feature bank computed from the image (288 values):
    /// orientation energy, junctions, anisotropy, hue, contrast.
    case coarseFeatures

    /// Targets for `count` RGB images (count × size × size × 3 bytes): count × dimension, row-major.
    public func compute(images: [UInt8], count: Int, size: Int) throws -> [Float] {
        let (area, overflow1) = size.multipliedReportingOverflow(by: size)
        let (imageBytes, overflow2) = area.multipliedReportingOverflow(by: 3)
        let (pixels, overflow3) = imageBytes.multipliedReportingOverflow(by: count)
        guard size > 0, count > 0, !overflow1, !overflow2, !overflow3, images.count == pixels else {
            let expected = overflow1 || overflow2 || overflow3 ? "more than Int.max" : "\(pixels)"
            throw TensorError("decoding targets: expected \(count) images of \(size)×\(size)×3 bytes (\(expected)), got \(images.count) bytes")
        }
        var out: [Float] = []
        var extractor = FeatureExtractor()
        let work = FeatureBank.workingSize
        var features = [Float](repeating: 0, count: FeatureBank.imageFeatureCount)
        for i in 0..<count {
            let rgb = images[(i * imageBytes)..<((i + 1) * imageBytes)].map { Float($0) / 255 }
            switch self {
            case .pixels8x8:
                out += try ImageResize.area(rgb, channels: 3, height: size, width: size, layout: .hwc, outHeight: 8, outWidth: 8)
            case .coarseFeatures:
                let working = size == work ? rgb
                    : size > work && size % work == 0
                    ? try ImageResize.area(rgb, channels: 3, height: size, width: size, layout: .hwc, outHeight: work, outWidth: work)
                    : try ImageResize.bilinear(rgb, channels: 3, height: size, width: size, layout: .hwc, outHeight: work, outWidth: work)
                features.withUnsafeMutableBufferPointer { f in
                    working.withUnsafeBufferPointer { extractor.compute(rgb: $0, into: f.baseAddress!) }
                }
                let block = FeatureBank.coarse
                out += features[block.offset..<(block.offset + block.count)]
            }
        }
        return out
    }
}

/// How well the information about the images can be read out of one subject's voxels.
public struct DecodingReport: Sendable {
    public let subject: String
    public let target: DecodingTarget
    /// Relative ridge penalty chosen by cross-validation on the training trials.
    public let penalty: Double
    /// Decoder trained on the 1200 single training trials, applied to the repeat-averaged test responses.
    public let averaged: IdentificationResult
    /// The same decoder applied to each single test trial (pairwise accuracy averaged over repeats).
    public let singleTrialPairwise: Double
    /// The same decoder applied to the noise-free test responses: what infinitely many repeats would give.
    public let noiseFreeTest: IdentificationResult
    /// Ceiling: a decoder trained and tested on noise-free responses (what the voxels' tuning allows).
    public let noiseFree: IdentificationResult
    /// Median over voxels of the Spearman–Brown-corrected split-half reliability of the test responses
    /// (odd vs even repeats), and the median of the subject's per-voxel noise ceiling.
    public let medianSplitHalfReliability: Double
    public let medianNoiseCeiling: Double
}

public enum DecodingBenchmark {
    /// Fits ridge decoders from all voxels (VC) of `subject` to `target` features and scores identification
    /// of the test images.
    public static func run(_ dataset: SimulatedDataset, subject index: Int, target: DecodingTarget,
                           penalties: [Double] = RidgeDecoder.defaultPenalties, folds: Int = 5) throws -> DecodingReport {
        guard dataset.subjects.indices.contains(index) else {
            throw TensorError("decoding: subject index \(index) is out of range 0..<\(dataset.subjects.count)")
        }
        let subject = dataset.subjects[index]
        let size = dataset.imageSize
        let v = subject.voxelCount
        let trainTargets = try target.compute(images: dataset.trainImages, count: dataset.trainImageCount, size: size)
        let testTargets = try target.compute(images: dataset.testImages, count: dataset.testImageCount, size: size)
        let d = trainTargets.count / dataset.trainImageCount
        let testCount = dataset.testImageCount

        // Training rows follow the presentation order (arr_3).
        var y = [Float](repeating: 0, count: subject.trainImageIndex.count * d)
        for (row, image) in subject.trainImageIndex.enumerated() {
            y.replaceSubrange((row * d)..<((row + 1) * d), with: trainTargets[(image * d)..<((image + 1) * d)])
        }
        let decoder = try RidgeDecoder.fit(x: subject.trainFMRI, y: y, samples: subject.trainImageIndex.count,
                                           penalties: penalties, folds: folds, seed: dataset.config.seed)
        let averaged = try Identification.evaluate(predicted: decoder.predict(subject.testFMRIAverage, rows: testCount),
                                                   actual: testTargets, items: testCount, features: d)

        let repeats = subject.testSingleLabels.count / testCount
        let singlePredictions = try decoder.predict(subject.testFMRISingle, rows: subject.testSingleLabels.count)
        var singlePairwise = 0.0
        for r in 0..<repeats {
            // Run r shows every test image once; reorder its rows by image.
            var predicted = [Float](repeating: 0, count: testCount * d)
            for t in (r * testCount)..<((r + 1) * testCount) {
                let label = subject.testSingleLabels[t]
                predicted.replaceSubrange((label * d)..<((label + 1) * d), with: singlePredictions[(t * d)..<((t + 1) * d)])
            }
            singlePairwise += try Identification.evaluate(predicted: predicted, actual: testTargets, items: testCount,
                                                          features: d).pairwise
        }

        let noiseFreeTest = try Identification.evaluate(predicted: decoder.predict(subject.testSignal, rows: testCount),
                                                        actual: testTargets, items: testCount, features: d)
        let clean = try RidgeDecoder.fit(x: subject.trainSignal, y: trainTargets, samples: dataset.trainImageCount,
                                         penalties: penalties, folds: folds, seed: dataset.config.seed)
        let noiseFree = try Identification.evaluate(predicted: clean.predict(subject.testSignal, rows: testCount),
                                                    actual: testTargets, items: testCount, features: d)

        return DecodingReport(subject: subject.name, target: target, penalty: decoder.penalty, averaged: averaged,
                              singleTrialPairwise: singlePairwise / Double(repeats), noiseFreeTest: noiseFreeTest,
                              noiseFree: noiseFree,
                              medianSplitHalfReliability: splitHalfReliability(subject, items: testCount, voxels: v),
                              medianNoiseCeiling: median(subject.noiseCeiling.map(Double.init)))
    }

    /// Per voxel: correlation across test images between the mean of even-numbered and odd-numbered
    /// repeats, Spearman–Brown corrected to the full number of repeats; the median over voxels.
    static func splitHalfReliability(_ subject: SimulatedSubject, items: Int, voxels: Int) -> Double {
        var halves = [[Double]](repeating: [Double](repeating: 0, count: items * voxels), count: 2)
        var seen = [Int](repeating: 0, count: items)
        var counts = [[Double]](repeating: [Double](repeating: 0, count: items), count: 2)
        for (t, label) in subject.testSingleLabels.enumerated() {
            let half = seen[label] % 2
            seen[label] += 1
            counts[half][label] += 1
            for v in 0..<voxels { halves[half][label * voxels + v] += Double(subject.testFMRISingle[t * voxels + v]) }
        }
        var reliabilities: [Double] = []
        for v in 0..<voxels {
            let a = (0..<items).map { Float(halves[0][$0 * voxels + v] / max(counts[0][$0], 1)) }
            let b = (0..<items).map { Float(halves[1][$0 * voxels + v] / max(counts[1][$0], 1)) }
            let r = Double(pearson(a[...], b[...]))
            reliabilities.append(r > -1 ? 2 * r / (1 + r) : -1)
        }
        return median(reliabilities)
    }

    static func median(_ values: [Double]) -> Double {
        let finite = values.filter { $0.isFinite }.sorted()
        guard !finite.isEmpty else { return .nan }
        let m = finite.count / 2
        return finite.count % 2 == 1 ? finite[m] : 0.5 * (finite[m - 1] + finite[m])
    }
}
