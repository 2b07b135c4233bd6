import Foundation
import MindTensor
import MindVis

/// The CNN judge of n-way classification on the built-in data (the role of the reference's ImageNet ViT, which
/// cannot be downloaded here): `mv.eval.train_judge{sim = ...}`, `mv.eval.load_judge(path)`, and the `Judge`
/// type (`judge:probabilities(images)`, `judge:classify(images)`).
enum JudgeBindings: LuaBindingSet {
    static let judgeType: LuaUserdataType<JudgeCNN> = {
        let type = LuaUserdataType<JudgeCNN>(name: "Judge", parent: ModuleBindings.moduleType,
                                             doc: "a CNN that classifies images into the simulated stimulus categories")
        type.bound("probabilities", doc: """
            judge:probabilities(images) -> Tensor
            Class probabilities [N, classes] of images [N, 3, H, W] in [0, 1] (resized to the judge's size), without gradients.
            """) { judge, args in try args.returning(tensor: judge.probabilities(args.tensor(1, "images"))) }
        type.bound("classify", doc: """
            judge:classify(images) -> {integer, ...}
            The most probable class of each image, 1-based like the simulation's labels (sim.categories[label] describes it).
            """) { judge, args in
            let p = try ClassProbabilities(judge.probabilities(args.tensor(1, "images")))
            return try args.returning(LuaValue.array((0..<p.rows).map { .integer(p.argmax($0) + 1) }))
        }
        type.property("class_names", doc: """
            judge.class_names -> {string, ...}
            The description of each class, in label order.
            """, get: { judge, args in try args.returning(LuaValue.array(judge.classNames.map { .string($0) })) })
        type.bound("save", doc: """
            judge:save(path)
            Writes the judge with its architecture and class names (safetensors, atomically); mv.eval.load_judge reads it.
            """) { judge, args in
            try JudgeCheckpoint.write(URL(fileURLWithPath: try FileBindings.safetensorsPath(args)), judge: judge)
            return .none
        }
        return type
    }()

    /// The accuracy a judge reaches on held-out renderings (clean and through the first stage).
    final class AccuracyBox {
        let accuracy: JudgeAccuracy
        init(_ accuracy: JudgeAccuracy) { self.accuracy = accuracy }
    }

    static let accuracyType: LuaUserdataType<AccuracyBox> = {
        let type = LuaUserdataType<AccuracyBox>(name: "JudgeAccuracy",
                                                doc: "a judge's own accuracy on held-out renderings: the ceiling of the n-way scores")
        type.property("values", doc: """
            accuracy.values -> table
            judge_images (how many were scored), judge_top1 (over all classes), judge_top1_<n>way, and with a first stage judge_top1_vq / judge_top1_<n>way_vq (on its reconstructions).
            """, get: { box, args in try args.returning(ConfigTables.table(box.accuracy.values)) })
        type.toString { box in box.accuracy.values.map { "\($0.0) = \($0.1.json)" }.joined(separator: ", ") }
        return type
    }()

    static let meanings: [String: String] = [
        "lr": "peak learning rate (AdamW)", "min_lr": "final learning rate of the cosine schedule", "weight_decay": "decoupled weight decay",
        "warmup_epochs": "epochs of linear warm-up", "num_epoch": "epochs; each renders fresh exemplars of every category",
        "batch_size": "images per step", "exemplars_per_class": "new renderings of each category per epoch",
        "eval_exemplars_per_class": "held-out renderings per category for the accuracy", "crop_scale": "smallest random crop (fraction of the side)",
        "flip": "random horizontal flips", "blur": "probability of a down-and-up-sampling blur (generated images are blurrier than stimuli)",
        "jitter": "contrast and brightness jitter", "noise": "largest Gaussian pixel noise", "seed": "seed of the renderings, augmentation and initialisation",
    ]

    static func install(_ state: LuaState) throws {
        try state.register(judgeType)
        try state.register(accuracyType)
        try state.bind("mv.eval", "train_judge", doc: try ConfigHelp.text(
            signature: "mv.eval.train_judge{sim = [, model = {...}, vq, options]} -> result",
            summary: "Trains the CNN judge on new renderings of the simulation's stimulus categories (never the dataset's own images) and measures its held-out accuracy, clean and through a first stage.",
            reading: { _ = try JudgeTrainingConfig($0) }, meanings: meanings,
            leading: [("sim", "required", "the result of mv.data.simulate (its categories)"),
                      ("model", "{preset = \"small\"}", "the architecture: preset \"tiny\" or \"small\", stem_width, widths, depth, groups"),
                      ("vq", "nil", "a VQModel: also measure the accuracy on its reconstructions (the generated images' ceiling)")]
                // A judge trains in minutes and is reused when finished: there is nothing to resume.
                + RunOptions.help(output: "runs/judge").filter { $0.0 != "resume" },
            notes: ["Returns {judge, accuracy, checkpoint, metrics, output}. A finished run in output is loaded instead of trained again unless overwrite = true."],
            name: "mv.eval.train_judge")) { args in
            let options = try args.options(1)
            guard case .table = try options.value("sim"), let stimuli = try stimuli(options, args: args) else {
                throw args.error("give sim = the result of mv.data.simulate")
            }
            let config = try JudgeTrainingConfig(ConfigTables.values(options, keys: JudgeTrainingConfig.keyNames, function: args.function))
            let model = try JudgeConfig(ConfigTables.values(try options.value("model"), function: args.function))
            let vq = try options.userdata("vq", as: VQModel.self)
            let run = try RunOptions(options, defaultOutput: "runs/judge", args: args)
            let trainer = try JudgeTrainer(dataset: stimuli, model: model, config: config)
            trainer.shouldStop = { (try? args.checkInterrupt()) == nil }
            let judgeRun = JudgeRun(trainer: trainer, output: run.output, vq: vq)
            judgeRun.progress = run.progress
            if let callback = run.epochCallback(args) {
                judgeRun.onEpoch = { report, accuracy in try callback(report.values + (accuracy?.values ?? [])) }
            }
            let judge: JudgeCNN, accuracy: JudgeAccuracy, metrics: URL
            if !run.overwrite, let finished = try judgeRun.finishedJudge() {
                judge = finished
                accuracy = try JudgeTrainer.heldOutAccuracy(judge: judge, dataset: stimuli, config: config, vq: vq)
                metrics = RunFolder(run.output).metricsURL
                args.warn("\(args.function): reusing the judge in \(judgeRun.checkpointURL.path) (overwrite = true trains a new one)")
            } else {
                let summary = try judgeRun.run(overwrite: run.overwrite)
                (judge, accuracy, metrics) = (trainer.judge, summary.accuracy, summary.metrics)
            }
            return try args.returning(LuaValue.table([
                LuaTableEntry(key: "judge", value: .object(judge)),
                LuaTableEntry(key: "accuracy", value: .object(AccuracyBox(accuracy))),
                LuaTableEntry(key: "checkpoint", value: .string(judgeRun.checkpointURL.path)),
                LuaTableEntry(key: "metrics", value: .string(metrics.path)),
                LuaTableEntry(key: "output", value: .string(run.output.path)),
            ]))
        }
        try state.bind("mv.eval", "load_judge", doc: """
            mv.eval.load_judge(path) -> Judge
            Loads a judge written by judge:save or mv.eval.train_judge.
            """) { args in
            try args.returning(module: try JudgeCheckpoint.load(URL(fileURLWithPath: try args.string(1, "path"))).judge)
        }
    }

    /// The simulation behind a `mv.data.simulate` result (its `stimuli` entry).
    static func stimuli(_ options: LuaOptions, args: LuaArgs) throws -> SimulatedDataset? {
        guard case .table(let entries) = try options.value("sim") else { return nil }
        for entry in entries {
            if case .string("stimuli") = entry.key, case .object(let box as DataBindings.StimuliBox) = entry.value { return box.dataset }
        }
        return nil
    }
}
