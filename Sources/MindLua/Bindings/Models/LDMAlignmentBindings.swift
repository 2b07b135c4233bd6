import Foundation
import MindTensor
import MindVis

/// `mv.ldm.align{model =, data =, label2img = [, options]}`: regresses a stage-B model's fMRI conditioner onto the
/// label2img model's class contexts of the trials' categories, before `mv.ldm.finetune` (`ConditionerAlignment`).
enum LDMAlignmentBindings: LuaBindingSet {
    static let meanings: [String: String] = [
        "num_epoch": "epochs over the trials", "lr": "learning rate (AdamW)", "weight_decay": "AdamW weight decay",
        "batch_size": "trials per step", "val_fraction": "trials held out to measure how well the regression generalises",
        "seed": "seed of the held-out draw and the order",
        "train_encoder": "train the stage-A encoder too (default: only the mappers, on its tokens computed once)",
    ]

    static func install(_ state: LuaState) throws {
        try state.bind("mv.ldm", "align", doc: try ConfigHelp.text(
            signature: "mv.ldm.align{model =, data =, label2img = [, options]} -> {reports, loss, val_loss, val_explained}",
            summary: "Before stage B: trains the fMRI conditioner (what stage B trains of it) so that its context of each trial matches label2img's class context of the trial's category (mean squared error). Not in the reference: its diffusion-only stage B stayed at chance on our data. Useful when the class embedding has structure unseen categories share (cond_stage_config.attributes).",
            reading: { _ = try ConditionerAlignment.Config($0) }, meanings: meanings,
            leading: [("model", "required", "the LDM with an fMRI conditioner (mv.ldm.from_pretrained{...})"),
                      ("data", "required", "the training Dataset: fMRI with category labels"),
                      ("label2img", "required", "the class-conditional LDM stage B starts from (its class embedder gives the targets)"),
                      ("progress", "true", "print one line per epoch")],
            notes: ["Returns the epochs' reports ({epoch, loss, val_loss, val_explained}) and the last epoch's numbers; val_explained is the fraction of the held-out targets' variance the conditioner explains."],
            name: "mv.ldm.align")) { args in
            let options = try args.options(1, allowed: ["model", "data", "label2img", "progress"] + ConditionerAlignment.Config.keyNames)
            guard let model = try options.userdata("model", as: LatentDiffusion.self) else { throw args.error("give model = an LDM with an fMRI conditioner") }
            guard let conditioner = model.conditioner as? FMRIConditioner else {
                throw args.error("model = must be conditioned on fMRI (mv.ldm.from_pretrained{...}); this one has a \(model.conditioner.typeName)")
            }
            guard let data = try options.userdata("data", as: FMRIDataset.self) else { throw args.error("give data = a Dataset") }
            guard let labels = data.labels, data.labelsAreCategories else {
                throw args.error("data = \(data.name) has no category labels (the simulation's datasets have them)")
            }
            guard let base = try options.userdata("label2img", as: LatentDiffusion.self), let embedder = base.conditioner as? ClassEmbedder else {
                throw args.error("give label2img = the class-conditional LDM (mv.models.load_ldm(path)) stage B starts from")
            }
            guard embedder.embedDim == conditioner.contextDim else {
                throw args.error("label2img's contexts are \(embedder.embedDim) wide, the conditioner's \(conditioner.contextDim)")
            }
            if let bad = labels.first(where: { $0 < 0 || $0 >= embedder.classCount || $0 == embedder.nullClass }) {
                throw args.error("data = has category \(bad + 1), which is not one of label2img's classes")
            }
            let config = try ConditionerAlignment.Config(ConfigTables.values(options, keys: ConditionerAlignment.Config.keyNames, function: args.function))
            let targets = try withNoGrad { try embedder.context(Tensor(labels.map(Float.init))) }
            let progress = try options.bool("progress", default: true)
            let reports = try ConditionerAlignment.run(conditioner: conditioner, fmri: data.fmri, targets: targets, config: config) { report in
                try args.checkInterrupt()
                guard progress else { return }
                var line = String(format: "align %d/%d: loss %.5f", report.epoch, config.numEpoch, report.loss)
                if let v = report.valLoss, let e = report.valExplained { line += String(format: ", held-out loss %.5f (explains %.1f%% of its variance)", v, 100 * e) }
                FileHandle.standardError.write(Data((line + "\n").utf8))
            }
            var entries = [LuaTableEntry(key: "reports", value: .array(reports.map { ConfigTables.table($0.values) }))]
            for (key, value) in reports.last!.values where key != "epoch" { entries.append(LuaTableEntry(key: .string(key), value: ConfigTables.luaValue(value))) }
            return try args.returning(LuaValue.table(entries))
        }
    }
}
