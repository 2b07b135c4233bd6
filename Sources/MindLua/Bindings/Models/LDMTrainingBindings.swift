import Foundation
import MindTensor
import MindVis

/// `mv.ldm.finetune{...}` (stage B: the fMRI conditioner, cross-attentions, their norms and the time conditioning
/// learn; the rest is frozen) and `mv.ldm.train_label2img{...}` (a class-conditional LDM on labelled images, the
/// role of the reference's downloaded ImageNet LDM). Both cache the first stage's latents once, validate on held-out
/// training images by default, and keep a run folder like every trainer.
enum LDMTrainingBindings: LuaBindingSet {
    static let meanings: [String: String] = [
        "lr": "learning rate (AdamW)", "betas": "AdamW betas", "weight_decay": "AdamW weight decay", "num_epoch": "epochs",
        "batch_size": "samples per step", "clip_grad": "global gradient-norm clip (0: none)", "seed": "seed of everything random",
        "cond_dropout": "probability of replacing a condition by the null one (classifier-free guidance; needs a null class)",
        "ema_decay": "EMA of the trained weights, used for validation and saved (0: none)",
        "crop_ratio": "augmentation: random crops of (1 - crop_ratio) of the side, resized back (the reference: 0.2)",
        "crop_probability": "probability a step uses a cropped image", "crop_variants": "crops per image encoded once, drawn among (0: no crop augmentation)",
        "checkpoint_every": "checkpoint every this many epochs", "val_every": "validate (sample and score) every this many epochs (0: never)",
        "val_items": "validation items generated (at least 2: pair-wise identification compares them)", "val_samples": "samples per validation item", "ddim_steps": "sampler steps of validation",
        "sampler": "\"plms\" or \"ddim\" for validation", "guidance": "guidance scale of validation samples",
        "val_fraction": "training images held out for validation (0: none)",
        "val_on_test": "validate (and pick checkpoint_best) on the test set, as the reference does",
    ]

    static func install(_ state: LuaState) throws {
        for kind in [LDMTrainingConfig.Kind.finetune, .label2img] {
            let name = kind == .finetune ? "finetune" : "train_label2img"
            let leading: [(String, String, String)] = kind == .finetune
                ? [("model", "required", "the LDM with an fMRI conditioner (mv.ldm.from_pretrained{...})"),
                   ("data", "required", "the training Dataset: fMRI paired with images"),
                   ("test", "nil", "the test Dataset, for val_on_test"),
                   ("metric", "nil", "function(images, truth) -> {name = value, ...}: the validation score (default: pair-wise identification by PCC and SSIM); the first value picks checkpoint_best")]
                    + RunOptions.help(output: "runs/stageB")
                : [("model", "required", "the LDM with a class embedder (mv.models.LDM{cond_stage_config = {target = \"class\", ...}})"),
                   ("data", "required", "a Dataset with images and category labels (the simulation's); one row per image is used"),
                   ("metric", "nil", "function(images, truth) -> {name = value, ...}: the validation score")]
                    + RunOptions.help(output: "runs/label2img")
            try state.bind("mv.ldm", name, doc: try ConfigHelp.text(
                signature: "mv.ldm.\(name){model =, data = [, options]} -> result",
                summary: kind == .finetune
                    ? "Stage B (REFERENCE §4.1, §4.7–4.10): finetunes the fMRI conditioner, every attn2, the transformer blocks' norm2 and time_embed_condtion; the rest is frozen."
                    : "Trains a class-conditional LDM (UNet and class embedder) on labelled images with conditioning dropout for guidance: our stand-in for the reference's pretrained label2img model.",
                reading: { _ = try LDMTrainingConfig(kind, $0) }, meanings: meanings, leading: leading,
                notes: ["The first stage's latents (and crop_variants crops) are encoded once. Returns {checkpoint, best_checkpoint, best_score, metrics, output, figures, reports, validation}."],
                name: "mv.ldm.\(name)")) { args in try run(args, kind: kind) }
        }
    }

    static func run(_ args: LuaArgs, kind: LDMTrainingConfig.Kind) throws -> LuaReturn {
        let options = try args.options(1)
        let config = try LDMTrainingConfig(kind, ConfigTables.values(options, keys: LDMTrainingConfig.keyNames, function: args.function))
        guard let model = try options.userdata("model", as: LatentDiffusion.self) else { throw args.error("give model = an LDM") }
        guard let data = try options.userdata("data", as: FMRIDataset.self) else { throw args.error("give data = a Dataset") }
        let runOptions = try RunOptions(options, defaultOutput: kind == .finetune ? "runs/stageB" : "runs/label2img", args: args)
        let encoding = { (done: Int, total: Int) in
            if runOptions.progress && done == total { FileHandle.standardError.write(Data("\(args.function): encoded \(total) images with the first stage\n".utf8)) }
        }
        let resume = runOptions.resume(ownCheckpoint: RunFolder(runOptions.output).checkpointURL)
        // A missing checkpoint is the run's error to report, with its advice.
        let resuming = resume.flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0 : nil }
        let (run, notes): (LDMRun, [String])
        if kind == .finetune {
            (run, notes) = try LDMFinetune.prepare(model: model, train: data, test: try options.userdata("test", as: FMRIDataset.self), config: config,
                                                   output: runOptions.output, resuming: resuming, progress: encoding)
        } else {
            (run, notes) = try Label2ImgTraining.prepare(model: model, data: data, config: config, output: runOptions.output, resuming: resuming,
                                                        progress: encoding)
        }
        for note in notes { args.warn(note) }
        run.progress = runOptions.progress
        run.trainer.shouldStop = { (try? args.checkInterrupt()) == nil }
        if let metric = try options.function("metric") {
            run.metric = { images, truth in
                let result = try args.call(metric, [.object(images), .object(truth)])
                guard case .table(let entries)? = result.first else { throw LuaBindingError("\(args.function): metric must return a table of name = number") }
                return try entries.map { entry in
                    guard case .string(let name) = entry.key else { throw LuaBindingError("\(args.function): metric names must be strings") }
                    let value: Double
                    switch entry.value {
                    case .number(let number): value = number
                    case .integer(let integer): value = Double(integer)
                    default: throw LuaBindingError("\(args.function): metric '\(name)' must be a number")
                    }
                    // A NaN score would pick checkpoint_best by chance and log as null.
                    guard value.isFinite else { throw LuaBindingError("\(args.function): metric '\(name)' returned \(ConfigValue.double(value).shown); scores must be finite") }
                    return (name, value)
                }.sorted { $0.0 < $1.0 }
            }
        }
        if let callback = runOptions.epochCallback(args) {
            run.onEpoch = { report, validation in try callback(report.values + (validation ?? []).map { ($0.name, .double($0.value)) }) }
        }
        let summary = try run.run(resume: resume, overwrite: runOptions.overwrite)
        var entries: [LuaTableEntry] = [
            LuaTableEntry(key: "checkpoint", value: .string(summary.checkpoint.path)),
            LuaTableEntry(key: "metrics", value: .string(summary.metrics.path)),
            LuaTableEntry(key: "output", value: .string(runOptions.output.path)),
            LuaTableEntry(key: "figures", value: .array(summary.figures.map { .string($0.path) })),
            LuaTableEntry(key: "reports", value: .array(summary.reports.map { ConfigTables.table($0.values) })),
            LuaTableEntry(key: "model", value: .object(model)),
        ]
        if let best = summary.bestCheckpoint { entries.append(LuaTableEntry(key: "best_checkpoint", value: .string(best.path))) }
        if let score = summary.bestScore { entries.append(LuaTableEntry(key: "best_score", value: .number(score))) }
        if let last = summary.reports.last { entries.append(LuaTableEntry(key: "loss", value: .number(last.loss))) }
        if let validation = summary.validation {
            entries.append(LuaTableEntry(key: "validation", value: .table(validation.map { LuaTableEntry(key: .string($0.name), value: .number($0.value)) })))
        }
        if summary.reports.isEmpty {
            entries = FinishedRunResults.completed(entries, metrics: summary.metrics, keys: [("loss", "loss")], validation: true)
        }
        return try args.returning(LuaValue.table(entries))
    }
}
