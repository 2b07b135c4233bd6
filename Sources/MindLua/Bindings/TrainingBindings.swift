import Foundation
import MindTensor
import MindVis

/// `mv.mbm.pretrain{...}` (stage A1) and `mv.mbm.finetune{...}` (stage A2): SC-MBM training loops in
/// Swift, driven from a Lua table with the reference's hyper-parameter names (REFERENCE.md §2.1, §3).
///   model = MAE (pretrain) | checkpoint = path (finetune; or model =), data = Dataset or [N, V] tensor,
///   eval = held-out Dataset/tensor for the figure and evaluation correlation, output = run folder,
///   resume = checkpoint of this run, progress = true, on_epoch = function(report) ... end,
///   fit = "pad_or_crop" | "strict" (finetune: reconciling the data's voxels with the checkpoint's),
///   plus lr, min_lr, weight_decay, num_epoch, warmup_epochs, batch_size, clip_grad, mask_ratio, seed, checkpoint_every.
enum TrainingBindings: LuaBindingSet {
    static let objectKeys = ["model", "checkpoint", "data", "eval", "output", "resume", "progress", "on_epoch", "fit"]

    static func install(_ state: LuaState) throws {
        try state.register(table: "mv.mbm", name: "pretrain") { args in try run(args, stage: .pretrain) }
        try state.register(table: "mv.mbm", name: "finetune") { args in try run(args, stage: .finetune) }
    }

    static func run(_ args: LuaArgs, stage: MBMTrainingConfig.Stage) throws -> LuaReturn {
        try BindingCall.run(args) {
            let options = try args.options(1, allowed: objectKeys + MBMTrainingConfig.keyNames)
            let config = try MBMTrainingConfig(stage: stage, ConfigTables.values(options, keys: MBMTrainingConfig.keyNames, function: args.function))
            let model: MaskedAutoencoder
            if let m = try options.userdata("model", as: MaskedAutoencoder.self) {
                model = m
            } else if let path = try options.string("checkpoint") {
                model = try MAECheckpoint.loadModel(URL(fileURLWithPath: path))
            } else {
                throw args.error("\(args.function): give model = an MAE\(stage == .finetune ? " or checkpoint = the stage A1 checkpoint" : "")")
            }
            let v = model.config.numVoxels
            let fit = try options.string("fit", default: "pad_or_crop")
            guard ["pad_or_crop", "strict"].contains(fit) else { throw args.error("\(args.function): fit must be \"pad_or_crop\" or \"strict\", got \"\(fit)\"") }
            func samples(_ key: String) throws -> Tensor? {
                let raw: Tensor
                switch try options.value(key) {
                case .nil: return nil
                case .object(let ds as FMRIDataset): raw = ds.fmri
                case .object(let t as Tensor): raw = t.rank == 3 && t.shape[1] == 1 ? try t.reshape([t.shape[0], t.shape[2]]) : t
                default: throw args.error("\(args.function): \(key) must be a Dataset or a [samples, voxels] tensor")
                }
                guard raw.rank == 2 else { throw args.error("\(args.function): \(key) must be a Dataset or a [samples, voxels] tensor, got \(Shape.describe(raw.shape))") }
                if raw.shape[1] == v { return raw }
                if fit == "strict" {
                    throw args.error("\(args.function): \(key) has \(raw.shape[1]) voxels but the model takes \(v); pass fit = \"pad_or_crop\" to wrap-pad or truncate like the reference")
                }
                return try VoxelLayout.fit(raw, to: v)
            }
            guard let data = try samples("data") else { throw args.error("\(args.function): give data = a Dataset or a [samples, voxels] tensor") }
            let trainer = try MBMTrainer(model: model, data: data, config: config)
            let interrupt = { (try? args.checkInterrupt()) == nil }
            trainer.shouldStop = interrupt
            let output = URL(fileURLWithPath: try options.string("output", default: "runs/\(stage == .pretrain ? "stageA1" : "stageA2")"))
            let stageRun = try StageARun(trainer: trainer, output: output, evaluation: try samples("eval"))
            stageRun.progress = try options.bool("progress", default: true)
            if let callback = try options.function("on_epoch") {
                stageRun.onEpoch = { report in _ = try args.call(callback, [ConfigTables.table(report.values)]) }
            }
            let summary = try stageRun.run(resume: try options.string("resume").map { URL(fileURLWithPath: $0) })
            let last = summary.reports.last
            var entries: [LuaTableEntry] = [
                LuaTableEntry(key: "checkpoint", value: .string(summary.checkpoint.path)),
                LuaTableEntry(key: "metrics", value: .string(summary.metrics.path)),
                LuaTableEntry(key: "output", value: .string(output.path)),
                LuaTableEntry(key: "figures", value: .array(summary.figures.map { .string($0.path) })),
                LuaTableEntry(key: "reports", value: .array(summary.reports.map { ConfigTables.table($0.values) })),
                LuaTableEntry(key: "model", value: .object(model)),
            ]
            if let last {
                entries += [LuaTableEntry(key: "loss", value: .number(last.loss)), LuaTableEntry(key: "cor", value: .number(last.correlation))]
            }
            if let cor = summary.evaluationCorrelation { entries.append(LuaTableEntry(key: "eval_cor", value: .number(cor))) }
            return try args.returning(LuaValue.table(entries))
        }
    }
}
