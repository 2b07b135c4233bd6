import Foundation
import MindImage
import MindTensor
import XCTest
@testable import MindVis

final class RidgeBaselineTests: XCTestCase {
    /// 240 training trials of one subject with about 900 voxels, 20 test images: the size at which the simulated
    /// voxels identify test images reliably (SimulationDecodingBenchmarkTests).
    static let data: SimulatedData = {
        var c = SimulationConfig()
        (c.trainCategories, c.exemplarsPerCategory, c.testCategories, c.testRepeats) = (40, 6, 20, 6)
        (c.subjects, c.voxelScale, c.poolSize) = (1, 0.2, 0)
        do { return try SimulatedData.make(SimulatedData.Options(simulation: c)) } catch { fatalError("simulated data: \(error)") }
    }()

    /// The regression on the simulated voxels, with the first stage replaced by the plainest latent there is: the
    /// image itself at 8×8 (a trained VQ takes minutes, even the tiny one, in a debug build). The predicted
    /// images are scored like generated ones. Measured: pair-wise MSE 0.72, PCC 0.57, SSIM 0.54 and 5-way
    /// top-1 0.41 with a judge that knows the 20 test images (chance 0.5 and 0.2; the results are deterministic,
    /// the margins are for other BLAS builds).
    func testRidgeBaselineBeatsChanceOnSimulatedData() throws {
        let data = RidgeBaselineTests.data
        let small = { (dataset: FMRIDataset) throws -> Tensor in
            try (dataset.groundTruth(size: 32)).reshape([dataset.count * 3, 1, 32, 32]).contiguous()
        }
        func eightByEight(_ dataset: FMRIDataset) throws -> Tensor {
            let values = try small(dataset).toArray()
            var out: [Float] = []
            for plane in 0..<(dataset.count * 3) {
                out += try ImageResize.area(Array(values[(plane * 1024)..<((plane + 1) * 1024)]), channels: 1, height: 32, width: 32,
                                            layout: .chw, outHeight: 8, outWidth: 8)
            }
            return try Tensor(out, shape: [dataset.count, 3, 8, 8])
        }
        let baseline = try RidgeBaseline.fit(fmri: data.train.fmri, latents: eightByEight(data.train), folds: 4, seed: 1)
        XCTAssertEqual(baseline.latentShape, [3, 8, 8])
        let truth = try eightByEight(data.test)
        let predicted = try baseline.latents(data.test.fmri).clamp(min: 0, max: 1)
        let scores = try ImageEvaluation(classification: NWayClassification(ways: 5, trials: 400, seed: 1))
            .evaluate(groundTruth: truth, samples: predicted, judge: PrototypeJudge(truth, temperature: 0.002))
        let values = Dictionary(uniqueKeysWithValues: scores.entries.map { ($0.key, $0.value) })
        XCTAssertGreaterThan(values["pairwise_mse"]!, 0.65)
        XCTAssertGreaterThan(values["pairwise_pcc"]!, 0.53)
        XCTAssertGreaterThan(values["pairwise_ssim"]!, 0.5)
        XCTAssertGreaterThan(values["top1_5way"]!, 0.3)
    }

    /// The baseline's images are its latents decoded by the first stage (quantised first, as the samples are), on
    /// the [0, 1] scale; training images are encoded once each and the targets follow the rows' image indices.
    func testImagesAreDecodedLatentsAndTargetsFollowTheRows() throws {
        let data = RidgeBaselineTests.data
        let train = try data.train.subset(Array(0..<40))
        let vq = try VQModel(VQTestData.tiny(), generator: Generator(seed: 2))
        let baseline = try RidgeBaseline.fit(train: train, vq: vq, folds: 3)
        XCTAssertEqual(baseline.latentShape, [3, 8, 8])
        let fmri = try data.test.fmri.narrow(0, start: 0, length: 3)
        let images = try baseline.images(fmri, vq: vq, batchSize: 2)
        let expected = try withNoGrad { try ((vq.decode(baseline.latents(fmri)) + 1) * 0.5).clamp(min: 0, max: 1) }
        XCTAssertEqual(images.shape, [3, 3, 16, 16])
        // Within rounding, not bit for bit: a GEMM of another batch size may sum in another order on some CPUs.
        XCTAssertLessThan(try maxDifference(images, expected), 1e-4)

        // The same fit from explicit targets: the encoded image of each row.
        let rows = try withNoGrad { try vq.encode(train.images!.subset(train.imageIndex!).modelInput(size: 16)) }
        let direct = try RidgeBaseline.fit(fmri: train.fmri, latents: rows, folds: 3)
        XCTAssertLessThan(try maxDifference(direct.latents(fmri), baseline.latents(fmri)), 1e-4)

        XCTAssertThrowsError(try RidgeBaseline.fit(fmri: train.fmri, latents: rows.narrow(0, start: 0, length: 5)))
        XCTAssertThrowsError(try baseline.latents(Tensor.zeros([2, 7]))) { error in
            XCTAssertTrue("\(error)".contains("ridge"), "\(error)")
        }
        XCTAssertThrowsError(try RidgeBaseline.fit(train: FMRIDataset(name: "no images", fmri: train.fmri), vq: vq)) { error in
            XCTAssertTrue("\(error)".contains("no images"), "\(error)")
        }
    }
}

/// The largest absolute difference between two tensors of one shape.
private func maxDifference(_ a: Tensor, _ b: Tensor) throws -> Float {
    XCTAssertEqual(a.shape, b.shape)
    return zip(try a.toArray(), try b.toArray()).map { Swift.abs($0 - $1) }.max() ?? 0
}
