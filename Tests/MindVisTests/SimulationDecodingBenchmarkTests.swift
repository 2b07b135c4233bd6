import XCTest
@testable import MindVis
import MindTensor

/// The evidence that the simulated voxels carry image information: ridge decoders trained on single
/// training trials identify held-out test images (of unseen categories) above chance.
final class SimulationDecodingBenchmarkTests: XCTestCase {
    func testIdentificationAboveChance() throws {
        var c = SimulationConfig()
        c.trainCategories = 40
        c.exemplarsPerCategory = 6
        c.testCategories = 20
        c.testRepeats = 6
        c.subjects = 1
        c.voxelScale = 0.2
        c.poolSize = 0
        let dataset = try simulate(c)
        XCTAssertEqual(dataset.pool.subjectNames.count, 0)
        let features = try DecodingBenchmark.run(dataset, subject: 0, target: .coarseFeatures)
        // Measured (release build) with seeds 2022 and 7–11: averaged 0.68–0.84 (0.747 for 2022), single-trial
        // 0.70–0.82, noise-free 1.000 with top-1 1.00, split-half reliability 0.31–0.44 (chance 0.5 pairwise).
        // The default dataset gives 0.76–0.81 (8×8 pixels) and 0.89–0.94 (coarse features) for its 3 subjects.
        XCTAssertGreaterThan(features.averaged.pairwise, 0.65)
        XCTAssertGreaterThan(features.singleTrialPairwise, 0.65)
        XCTAssertGreaterThan(features.noiseFree.pairwise, 0.97)
        XCTAssertGreaterThan(features.noiseFree.top1, 0.7)
        XCTAssertGreaterThan(features.noiseFree.pairwise, features.averaged.pairwise)
        XCTAssertGreaterThan(features.medianSplitHalfReliability, 0.25)
        assertThrowsMessage(["subject index 1"]) { _ = try DecodingBenchmark.run(dataset, subject: 1, target: .pixels8x8) }
    }

    func testTargets() throws {
        let d = SimulationTestData.tiny
        let pixels = try DecodingTarget.pixels8x8.compute(images: d.testImages, count: 6, size: 64)
        XCTAssertEqual(pixels.count, 6 * 192)
        // Mean of an 8×8 block of the first image's red channel.
        var sum: Float = 0
        for y in 0..<8 { for x in 0..<8 { sum += Float(d.testImages[(y * 64 + x) * 3]) / 255 } }
        XCTAssertEqual(pixels[0], sum / 64, accuracy: 1e-5)
        XCTAssertEqual(try DecodingTarget.coarseFeatures.compute(images: d.testImages, count: 6, size: 64).count, 6 * 288)
        assertThrowsMessage(["expected 1 images of 64×64×3"]) { _ = try DecodingTarget.pixels8x8.compute(images: [1, 2, 3], count: 1, size: 64) }
    }
}
