import Foundation
import MindTensor
import MindVis

/// `mv.mbm.pretrain{...}` (stage A1) and `mv.mbm.finetune{...}` (stage A2): SC-MBM training loops in Swift, driven
/// from a Lua table with the reference's hyper-parameter names (REFERENCE.md §2.1, §3). The help lists every key
/// with the stage's defaults, generated from `MBMTrainingConfig` so it cannot drift.
enum TrainingBindings: LuaBindingSet {
    /// The keys that are not hyper-parameters, with their help lines.
    static func objectKeys(_ stage: MBMTrainingConfig.Stage) -> [(String, String, String)] {
        [("model", "nil", "the MAE to train (pretrain: required unless checkpoint)"),
         ("checkpoint", "nil", "finetune: a stage A1 checkpoint (ours or the reference's checkpoint.pth) to start from"),
         ("data", "required", "training fMRI: a Dataset or a [samples, voxels] tensor"),
         ("eval", "auto", "held-out Dataset or tensor for the figures and held-out correlation; auto holds out 5% of data (at most 64 samples); false: none"),
         ("fit", "\"pad_or_crop\"", "data whose voxel count differs from the model's is wrap-padded or truncated (with a warning); \"strict\" refuses")]
            + RunOptions.help(output: stage == .pretrain ? "runs/stageA1" : "runs/stageA2")
    }

    /// One line of help per hyper-parameter key.
    static let settingHelp: [String: String] = [
        "lr": "peak learning rate of AdamW (betas 0.9, 0.95)", "min_lr": "learning rate at the end of the cosine decay",
        "weight_decay": "AdamW weight decay (not on biases and 1-D parameters)", "num_epoch": "epochs to train",
        "warmup_epochs": "epochs of linear warm-up", "batch_size": "samples per step",
        "clip_grad": "global gradient-norm clip (0: none)", "mask_ratio": "fraction of patches masked",
        "seed": "seed of shuffling, masking and the held-out split", "checkpoint_every": "checkpoint and figure every this many epochs, and at the end",
    ]

    static func install(_ state: LuaState) throws {
        for stage in [MBMTrainingConfig.Stage.pretrain, .finetune] {
            let name = "mv.mbm.\(stage.rawValue)"
            try state.bind("mv.mbm", stage.rawValue, doc: try ConfigHelp.text(
                signature: "\(name){data = [, model | checkpoint, options]} -> result",
                summary: stage == .pretrain
                    ? "Stage A1: pretrains the fMRI masked autoencoder (SC-MBM) on unlabeled fMRI, with the reference's loop and defaults."
                    : "Stage A2: finetunes a pretrained MAE on the target subject's fMRI (the reference uses its test fMRI, no images).",
                reading: { _ = try MBMTrainingConfig(stage: stage, $0) }, meanings: settingHelp, leading: objectKeys(stage),
                notes: ["Returns {checkpoint, metrics, output, figures, reports, model, loss, cor, eval_cor}; figures are the run's per-epoch figures; resuming a finished run trains nothing and returns its logged epochs as reports and its last logged numbers. Ctrl-C saves a checkpoint first."],
                name: name)) { args in try run(args, stage: stage) }
        }
    }

    static func run(_ args: LuaArgs, stage: MBMTrainingConfig.Stage) throws -> LuaReturn {
        let options = try args.options(1)
        let config = try MBMTrainingConfig(stage: stage, ConfigTables.values(options, keys: MBMTrainingConfig.keyNames, function: args.function))
        let model: MaskedAutoencoder
        if try options.value("model") != .nil && options.value("checkpoint") != .nil {
            // One of them would be ignored without a word (which one the run trained was a guess).
            throw args.error("give model = or checkpoint =, not both")
        }
        if let m = try options.userdata("model", as: MaskedAutoencoder.self) {
            model = m
        } else if let path = try options.string("checkpoint") {
            model = try MAECheckpoint.loadModel(URL(fileURLWithPath: path))
        } else {
            throw args.error("give model = an MAE\(stage == .finetune ? " or checkpoint = the stage A1 checkpoint" : "")")
        }
        let v = model.config.numVoxels
        let fit = try options.string("fit", default: "pad_or_crop")
        guard ["pad_or_crop", "strict"].contains(fit) else { throw args.error("fit must be \"pad_or_crop\" or \"strict\", got \"\(fit)\"") }
        func samples(_ key: String, _ value: LuaValue) throws -> Tensor {
            let raw: Tensor
            switch value {
            case .object(let ds as FMRIDataset): raw = ds.fmri
            case .object(let t as Tensor): raw = t.rank == 3 && t.shape[1] == 1 ? try t.reshape([t.shape[0], t.shape[2]]) : t
            default: throw args.error("\(key) must be a Dataset or a [samples, voxels] tensor")
            }
            guard raw.rank == 2 else { throw args.error("\(key) must be a Dataset or a [samples, voxels] tensor, got \(Shape.describe(raw.shape))") }
            if raw.shape[1] == v { return raw }
            if fit == "strict" {
                throw args.error("\(key) has \(raw.shape[1]) voxels but the model takes \(v); pass fit = \"pad_or_crop\" to wrap-pad or truncate like the reference")
            }
            let how = raw.shape[1] < v ? "wrap-padded (the first voxels repeat at the end)" : "truncated to the first \(v) voxels"
            args.warn("\(args.function): \(key) has \(raw.shape[1]) voxels per sample, the model takes \(v): \(how), as the reference does; fit = \"strict\" refuses instead")
            return try VoxelLayout.fit(raw, to: v)
        }
        let dataValue = try options.value("data")
        guard dataValue != .nil else { throw args.error("give data = a Dataset or a [samples, voxels] tensor") }
        var data = try samples("data", dataValue)
        let evaluation: Tensor?
        switch try options.value("eval") {
        case .nil:
            let (train, heldOut) = try HeldOutSplit.split(data, seed: config.seed)
            args.warn("\(args.function): no eval = given: holding out \(heldOut.shape[0]) of \(data.shape[0]) samples for the reconstruction figures and the held-out correlation (eval = false trains on all)")
            (data, evaluation) = (train, heldOut)
        case .boolean(false): evaluation = nil
        case let value: evaluation = try samples("eval", value)
        }
        let trainer = try MBMTrainer(model: model, data: data, config: config)
        trainer.shouldStop = { (try? args.checkInterrupt()) == nil }
        let run = try RunOptions(options, defaultOutput: "runs/\(stage == .pretrain ? "stageA1" : "stageA2")", args: args)
        let output = run.output
        let stageRun = try StageARun(trainer: trainer, output: output, evaluation: evaluation)
        stageRun.progress = run.progress
        if let callback = run.epochCallback(args) { stageRun.onEpoch = { try callback($0.values) } }
        let summary = try stageRun.run(resume: run.resume(ownCheckpoint: stageRun.checkpointURL), overwrite: run.overwrite)
        var entries: [LuaTableEntry] = [
            LuaTableEntry(key: "checkpoint", value: .string(summary.checkpoint.path)),
            LuaTableEntry(key: "metrics", value: .string(summary.metrics.path)),
            LuaTableEntry(key: "output", value: .string(output.path)),
            LuaTableEntry(key: "figures", value: .array(summary.figures.map { .string($0.path) })),
            LuaTableEntry(key: "reports", value: .array(summary.reports.map { ConfigTables.table($0.values) })),
            LuaTableEntry(key: "model", value: .object(model)),
        ]
        if let last = summary.reports.last {
            entries += [LuaTableEntry(key: "loss", value: .number(last.loss)), LuaTableEntry(key: "cor", value: .number(last.correlation))]
        }
        if let cor = summary.evaluationCorrelation { entries.append(LuaTableEntry(key: "eval_cor", value: .number(cor))) }
        if summary.reports.isEmpty {
            entries = FinishedRunResults.completed(entries, metrics: summary.metrics,
                                                   keys: [("loss", "loss"), ("cor", "cor"), ("eval_cor", StageARun.evaluationKey)])
        }
        return try args.returning(LuaValue.table(entries))
    }
}
