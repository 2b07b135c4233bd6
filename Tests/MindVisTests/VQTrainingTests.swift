import Foundation
import MindImage
import MindIO
import MindTensor
import XCTest
@testable import MindVis

final class VQTrainingTests: XCTestCase {
    func trainingConfig(_ values: [String: ConfigValue]) throws -> VQTrainingConfig {
        try VQTrainingConfig(values)
    }

    func testTinyModelOverfitsSixteenImages() throws {
        let images = try VQTestData.images(count: 16, size: 16, seed: 3)
        let model = try VQModel(VQTestData.tiny(), generator: Generator(seed: 4))
        let before = try VQEvaluation(model: model, images: images, batchSize: 16)
        let trainer = try VQTrainer(model: model, data: images, config: trainingConfig([
            "lr": .double(2e-3), "num_epoch": .int(40), "batch_size": .int(8), "betas": .list([.double(0.5), .double(0.9)])]))
        let start = Date()
        let reports = try trainer.run()
        let after = try VQEvaluation(model: model, images: images, batchSize: 16)
        print("overfit: PSNR \(before.psnr) -> \(after.psnr), SSIM \(before.ssim) -> \(after.ssim), loss \(reports.first!.loss) -> \(reports.last!.loss), codes \(reports.last!.codesUsed), \(Date().timeIntervalSince(start)) s")
    }
}
