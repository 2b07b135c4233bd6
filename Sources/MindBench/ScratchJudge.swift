import Foundation
import MindTensor
import MindVis

// TEMPORARY measurement harness (not to be committed).
func scratchJudge() throws {
    let env = ProcessInfo.processInfo.environment
    var c = SimulationConfig()
    c.subjects = 1
    c.voxelScale = 0.05
    c.poolSize = 0
    let dataset = try simulate(c)
    func values(_ key: String) throws -> [String: ConfigValue] {
        guard let text = env[key] else { return [:] }
        return try ConfigJSON.decode(text, context: key)
    }
    if let epochs = env["VQTRAIN"].flatMap(Int.init) {
        let set = try ImageSet(count: dataset.trainImageCount, height: 64, width: 64, channels: 3, pixels: dataset.trainImages)
        let images = try set.modelInput(size: 64)
        let model = try VQModel(VQConfig(["preset": .string("small")]), generator: Generator(seed: 1))
        let trainer = try VQTrainer(model: model, data: images, config: VQTrainingConfig(["num_epoch": .int(epochs), "lr": .double(1e-3), "batch_size": .int(16)]))
        let run = try VQRun(trainer: trainer, output: URL(fileURLWithPath: env["VQOUT"] ?? "/tmp/judgetest/vq"))
        let summary = try run.run(overwrite: true)
        print(summary.reports.map { $0.loss })
        return
    }
    let vq = try env["VQ"].map { try VQCheckpoint.loadModel(URL(fileURLWithPath: $0)) }
    let trainer = try JudgeTrainer(dataset: dataset, model: JudgeConfig(values("JUDGE_MODEL")), config: JudgeTrainingConfig(values("JUDGE")))
    print("parameters", trainer.judge.parameterCount, "images per epoch", trainer.imagesPerEpoch)
    let start = Date()
    let run = JudgeRun(trainer: trainer, output: URL(fileURLWithPath: env["OUT"] ?? "/tmp/judgetest/judge"), vq: vq)
    let summary = try run.run(overwrite: true)
    for r in summary.reports { print(r.values.map { "\($0.0)=\($0.1.json)" }.joined(separator: " ")) }
    print("total seconds", Date().timeIntervalSince(start))
    print(summary.accuracy.values.map { "\($0.0)=\($0.1.json)" }.joined(separator: " "))
}
