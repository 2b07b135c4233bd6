import Foundation
import MindIO
import MindTensor
import MindVis

/// `mv.vq.train{...}`: trains a first stage on images (the simulated stimuli, any folder of PNG/JPEG, GOD's
/// images_256.npz, or a tensor), with metrics, reconstruction grids, PSNR/SSIM on held-out images, atomic checkpoints
/// and exact resume.
enum VQTrainingBindings: LuaBindingSet {
    static let meanings: [String: String] = [
        "lr": "learning rate", "betas": "Adam betas (the reference's first stages use {0.5, 0.9})", "weight_decay": "weight decay",
        "optimizer": "\"adam\" or \"adamw\"", "num_epoch": "epochs", "batch_size": "images per step",
        "l2_weight": "weight of an L2 term added to the L1 reconstruction loss", "codebook_weight": "weight of the quantiser loss",
        "ema_decay": "decay of an exponential moving average of the weights (0: none); checkpoints keep both",
        "restart_dead_codes": "re-seed codebook entries no image used in an epoch from encoder outputs",
        "seed": "seed of shuffling, restarts and the held-out split", "checkpoint_every": "checkpoint, grid and held-out scores every this many epochs",
        "grid_images": "held-out images in each reconstruction grid",
    ]

    static func install(_ state: LuaState) throws {
        try state.bind("mv.vq", "train", doc: try ConfigHelp.text(
            signature: "mv.vq.train{model =, data = [, eval, options]} -> result",
            summary: "Trains a VQ first stage: L1 (+ L2) reconstruction + codebook loss, dead-code restarts, held-out PSNR/SSIM and grids (input | reconstruction).",
            reading: { _ = try VQTrainingConfig($0) }, meanings: meanings,
            leading: [("model", "required", "the VQModel to train"),
                      ("data", "required", "images: a [N, 3, H, W] tensor in [-1, 1], a Dataset with images, a folder of PNG/JPEG, or an .npz with train_images (GOD's images_256.npz)"),
                      ("eval", "auto", "held-out images (same kinds); auto holds out 5% of data (at most 64); false: none")]
                + RunOptions.help(output: "runs/vq"),
            notes: ["Images are resized to the model's resolution. Returns {checkpoint, metrics, output, figures, reports, model, loss, eval_psnr, eval_ssim, eval_l1}."],
            name: "mv.vq.train")) { args in
            let options = try args.options(1)
            let config = try VQTrainingConfig(ConfigTables.values(options, keys: VQTrainingConfig.keyNames, function: args.function))
            guard let model = try options.userdata("model", as: VQModel.self) else { throw args.error("give model = a VQModel") }
            let size = model.config.ddconfig.resolution
            guard let dataImages = try images(try options.value("data"), size: size, key: "data", args: args) else {
                throw args.error("give data = images (a tensor, a Dataset with images, a folder or an .npz)")
            }
            var data = dataImages
            let evaluation: Tensor?
            switch try options.value("eval") {
            case .nil:
                let (train, heldOut) = try HeldOutSplit.split(data, seed: config.seed)
                args.warn("\(args.function): no eval = given: holding out \(heldOut.shape[0]) of \(data.shape[0]) images for PSNR/SSIM and the reconstruction grids (eval = false trains on all)")
                (data, evaluation) = (train, heldOut)
            case .boolean(false): evaluation = nil
            case let value: evaluation = try images(value, size: size, key: "eval", args: args)
            }
            let trainer = try VQTrainer(model: model, data: data, config: config)
            trainer.shouldStop = { (try? args.checkInterrupt()) == nil }
            let run = try RunOptions(options, defaultOutput: "runs/vq", args: args)
            let vqRun = try VQRun(trainer: trainer, output: run.output, evaluation: evaluation)
            vqRun.progress = run.progress
            if let callback = run.epochCallback(args) {
                vqRun.onEpoch = { report, quality in try callback(report.values + (quality?.values ?? [])) }
            }
            let summary = try vqRun.run(resume: run.resume(ownCheckpoint: vqRun.checkpointURL), overwrite: run.overwrite)
            var entries: [LuaTableEntry] = [
                LuaTableEntry(key: "checkpoint", value: .string(summary.checkpoint.path)),
                LuaTableEntry(key: "metrics", value: .string(summary.metrics.path)),
                LuaTableEntry(key: "output", value: .string(run.output.path)),
                LuaTableEntry(key: "figures", value: .array(summary.figures.map { .string($0.path) })),
                LuaTableEntry(key: "reports", value: .array(summary.reports.map { ConfigTables.table($0.values) })),
                LuaTableEntry(key: "model", value: .object(model)),
            ]
            if let last = summary.reports.last { entries.append(LuaTableEntry(key: "loss", value: .number(last.loss))) }
            if let quality = summary.evaluation {
                entries += quality.values.map { LuaTableEntry(key: .string($0.0), value: ConfigTables.luaValue($0.1)) }
            }
            if summary.reports.isEmpty {
                entries = FinishedRunResults.completed(entries, metrics: summary.metrics,
                                                       keys: (["loss"] + VQEvaluation.keys).map { ($0, $0) })
            }
            return try args.returning(LuaValue.table(entries))
        }
    }

    /// Images as the first stage's input [N, 3, size, size] in [-1, 1], from a tensor, a Dataset's stimuli, a folder
    /// of PNG/JPEG files or an npz holding `train_images` (uint8 [N, H, W, 3]); nil for nil.
    static func images(_ value: LuaValue, size: Int, key: String, args: LuaArgs) throws -> Tensor? {
        switch value {
        case .nil:
            return nil
        case .object(let t as Tensor):
            guard t.rank == 4, t.shape[1] == 3, t.shape[2] == size, t.shape[3] == size else {
                throw args.error("\(key): expected images [N, 3, \(size), \(size)] in [-1, 1] for this model, got \(Shape.describe(t.shape))")
            }
            return t
        case .object(let ds as FMRIDataset):
            guard let images = ds.images else { throw args.error("\(key): \(ds.name) has no images") }
            return try images.modelInput(size: size)
        case .string(let path):
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw args.error("\(key): \(path) does not exist")
            }
            if isDirectory.boolValue { return try ImageSet(folder: URL(fileURLWithPath: path), size: size).modelInput(size: size) }
            let archive = try NPZ.read(contentsOf: URL(fileURLWithPath: path))
            guard let entry = archive.entries.first(where: { $0.name == "train_images" }), case .array(let array) = entry.value else {
                throw args.error("\(key): \(path) has no train_images array (GOD's images_256.npz has one)")
            }
            return try ImageSet(array: array, name: path + "/train_images").modelInput(size: size)
        default:
            throw args.error("\(key): expected images (a tensor, a Dataset with images, a folder or an .npz), got \(LuaArgs.kind(of: value))")
        }
    }
}
