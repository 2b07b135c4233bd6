import Foundation
import MindTensor
import MindVis

/// Scoring generated images as the reference does (REFERENCE.md §7): `mv.eval.score{...}` (n-way top-1 with a
/// judge, pair-wise identification by MSE, PCC and SSIM, chance beside each), `mv.eval.ground_truth(ds)`, and the
/// ridge baseline `mv.eval.ridge{...}` that every table shows beside the generated images.
enum EvalBindings: LuaBindingSet {
    /// The scores of one set of images.
    final class ScoresBox {
        let scores: ImageScores
        init(_ scores: ImageScores) { self.scores = scores }
    }

    static let scoresType: LuaUserdataType<ScoresBox> = {
        let type = LuaUserdataType<ScoresBox>(name: "Scores", doc: "the scores of a set of images against their ground truth (mv.eval.score)")
        type.property("values", doc: """
            scores.values -> table
            Every score by its key: top1_<n>way (mean over sample columns), top1_<n>way_max (best column), pairwise_mse, pairwise_pcc, pairwise_ssim.
            """, get: { box, args in try args.returning(ConfigTables.table(box.scores.values)) })
        type.property("chance", doc: """
            scores.chance -> table
            The chance level of every score, under the same keys (1/n for n-way, 0.5 pair-wise).
            """, get: { box, args in try args.returning(ConfigTables.table(box.scores.chance)) })
        type.property("columns", doc: """
            scores.columns -> integer
            Sample columns scored (samples per item).
            """, get: { box, args in try args.returning(box.scores.columns) })
        type.toString { box in box.scores.entries.map { String(format: "%@ %.3f (chance %.3f)", $0.key, $0.value, $0.chance) }.joined(separator: ", ") }
        return type
    }()

    /// A fitted ridge regression, with the first stage that decodes its latents when it was fitted to one.
    final class RidgeBox {
        let baseline: RidgeBaseline
        let vq: VQModel?
        init(_ baseline: RidgeBaseline, vq: VQModel?) { (self.baseline, self.vq) = (baseline, vq) }
    }

    static let ridgeType: LuaUserdataType<RidgeBox> = {
        let type = LuaUserdataType<RidgeBox>(name: "RidgeBaseline", doc: "ridge regression from voxels to first-stage latents or any targets (mv.eval.ridge)")
        type.bound("latents", doc: """
            ridge:latents(fmri) -> Tensor
            Predicted latents [N, embed_dim, h, w] of fMRI [N, V] (fitted with x =, y =: predictions shaped like the rows of y).
            """) { box, args in try args.returning(tensor: box.baseline.latents(fmriRows(args.tensor(1, "fmri")))) }
        type.bound("predict", doc: """
            ridge:predict(x) -> Tensor
            Predictions [N, ...] (shaped like the targets' rows) of inputs x [N, V]: the same as ridge:latents.
            """) { box, args in try args.returning(tensor: box.baseline.latents(fmriRows(args.tensor(1, "x")))) }
        type.bound("images", doc: """
            ridge:images(fmri) -> Tensor
            The baseline's images [N, 3, H, W] in [0, 1]: predicted latents decoded by the first stage.
            """) { box, args in
            guard let vq = box.vq else { throw args.error("this ridge was fitted with x =, y =, not to a first stage's latents (train =, vq =): it has no images") }
            return try args.returning(tensor: box.baseline.images(fmriRows(args.tensor(1, "fmri")), vq: vq))
        }
        type.property("penalty", doc: """
            ridge.penalty -> number
            The ridge penalty cross-validation chose.
            """, get: { box, args in try args.returning(box.baseline.decoder.penalty) })
        return type
    }()

    /// The `judge` option: a trained Judge, or a function of images [N, 3, H, W] in [0, 1] returning class
    /// probabilities [N, classes] (eval_judge.lua turns a module with a `probabilities` method into one).
    static func judge(_ options: LuaOptions, _ args: LuaArgs) throws -> ImageJudge? {
        if let function = try? options.function("judge") { return LuaFunctionJudge(function: function, args: args) }
        do {
            return try options.userdata("judge", as: JudgeCNN.self)
        } catch {
            throw args.error("option 'judge': expected a Judge (mv.eval.train_judge, mv.eval.load_judge), a module with a probabilities(images) method or a function(images) returning [N, classes] probabilities")
        }
    }

    static func install(_ state: LuaState) throws {
        try state.register(scoresType)
        try state.register(ridgeType)
        try state.bind("mv.eval", "score", doc: """
            mv.eval.score{truth =, samples = [, judge, options]} -> Scores
            Scores images against their ground truth as the reference does (REFERENCE §7): n-way top-1 with a judge (seeded distractors, per sample column, mean and best column) and pair-wise identification by MSE, PCC and SSIM.
            truth = required  -- ground truth [N, 3, H, W] in [0, 1] (mv.eval.ground_truth(ds))
            samples = required  -- [N, K, 3, H, W] (K samples per item) or [N, 3, H, W], in [0, 1]
            judge = nil  -- a Judge, any module with a probabilities(images) method, or a function(images) -> [N, classes] probabilities; without one, pair-wise scores only
            ways = 50  -- n of n-way top-1 (the reference: 50)
            trials = 50  -- distractor draws per item, at most 100000 (the reference: 50 in validation, 1000 in gen_eval.py)
            labels = "judge"  -- the class to recognise: "judge" (its argmax on the ground truth, as the reference) or "true"
            true_labels = nil  -- 1-based classes of the items, for labels = "true"
            seed = 0  -- seed of the distractor draws
            metrics = {"mse", "pcc", "ssim"}  -- pair-wise metrics (at least one)
            mse_uint8 = false  -- as the reference: bytes by truncation (floor(255·x + 0.001), so images that were bytes keep them), MSE on wrapping uint8 differences (default: rounded bytes, MSE in float)
            N >= 2 items: pair-wise identification compares each item with the others.
            Where MindVis differs from the reference on purpose: a tie between p[y] and distractors counts 1/(1 + tied distractors), the expected value of a random tie-break, so a judge that knows nothing scores chance (the reference's torchmetrics hands ties to y); PCC with a constant image is 0 (numpy's is NaN, which loses every comparison).
            """) { args in
            let options = try args.options(1)
            guard let truth = try options.userdata("truth", as: Tensor.self), let samples = try options.userdata("samples", as: Tensor.self) else {
                throw args.error("give truth = [N, 3, H, W] and samples = [N, K, 3, H, W] images in [0, 1]")
            }
            let judge = try Self.judge(options, args)
            let source = try options.string("labels", default: "judge")
            guard let labelSource = NWayClassification.LabelSource(rawValue: source) else {
                throw args.error("labels must be \"judge\" or \"true\", got \"\(source)\"")
            }
            let trueLabels = try options.integerArray("true_labels", min: 1)?.map { $0 - 1 }
            if labelSource == .trueLabel && trueLabels == nil { throw args.error("labels = \"true\" needs true_labels = {...} (1-based)") }
            if labelSource == .judge && trueLabels != nil {
                throw args.error("true_labels are read only with labels = \"true\"; with labels = \"judge\" (the default, as the reference) the class to recognise is the judge's on each ground-truth image")
            }
            let names = try options.value("metrics") == .nil ? PairwiseMetric.allCases.map(\.rawValue) : try ReportBindings.strings(options.value("metrics"), key: "metrics", args: args)
            let metrics = try names.map { name -> PairwiseMetric in
                guard let metric = PairwiseMetric(rawValue: name) else {
                    throw args.error("metrics: unknown '\(name)'; choose from \(PairwiseMetric.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return metric
            }
            let evaluation = ImageEvaluation(
                classification: NWayClassification(ways: try options.integer("ways", default: 50, min: 2), trials: try options.integer("trials", default: 50, min: 1, max: 100_000),
                                                   labelSource: labelSource, seed: UInt64(try options.integer("seed", default: 0, min: 0))),
                pairwise: PairwiseIdentification(metrics: metrics, mseUInt8Wraparound: try options.bool("mse_uint8", default: false)))
            return try args.returning(object: ScoresBox(try evaluation.evaluate(groundTruth: truth, samples: samples, judge: judge, trueLabels: trueLabels)))
        }
        try state.bind("mv.eval", "ground_truth", doc: """
            mv.eval.ground_truth(ds [, size]) -> Tensor
            The image each sample of a dataset shows, [N, 3, size, size] in [0, 1] (size: the stimuli's own by default): what generated images are scored against.
            """) { args in
            let ds = try args.userdata(1, "ds", as: FMRIDataset.self)
            guard let images = ds.images else { throw args.error("\(ds.name) has no images") }
            let size = args.isNil(2) ? images.height : try args.integer(2, "size", min: 1, max: 4096)
            return try args.returning(tensor: ds.groundTruth(size: size))
        }
        try state.bind("mv.eval", "ridge", doc: """
            mv.eval.ridge{train =, vq = | x =, y = [, options]} -> RidgeBaseline
            The baseline: ridge regression from the voxels of train to the first stage's latents of the images they show (penalty chosen by cross-validation), decoded by the same first stage. With x = and y = instead, the same regression from any inputs to any targets (a decoding probe).
            train = nil  -- a Dataset with images (e.g. sim.train), with vq =
            vq = nil  -- the VQModel whose latents are the targets and which decodes the predictions
            x = nil  -- inputs [N, V] (e.g. fMRI or encoder features), with y =
            y = nil  -- targets [N, ...] (e.g. one-hot factors, class embeddings)
            folds = 5  -- cross-validation folds for the penalty
            seed = 0  -- seed of the folds
            """) { args in
            let options = try args.options(1)
            let folds = try options.integer("folds", default: 5, min: 2), seed = UInt64(try options.integer("seed", default: 0, min: 0))
            let train = try options.userdata("train", as: FMRIDataset.self), vq = try options.userdata("vq", as: VQModel.self)
            let x = try options.userdata("x", as: Tensor.self), y = try options.userdata("y", as: Tensor.self)
            switch (train, vq, x, y) {
            case let (train?, vq?, nil, nil):
                return try args.returning(object: RidgeBox(RidgeBaseline.fit(train: train, vq: vq, folds: folds, seed: seed), vq: vq))
            case let (nil, nil, x?, y?):
                return try args.returning(object: RidgeBox(RidgeBaseline.fit(fmri: fmriRows(x), latents: y, folds: folds, seed: seed), vq: nil))
            default:
                throw args.error("give train = a Dataset with images and vq = a VQModel, or x = inputs [N, V] and y = targets [N, ...]")
            }
        }
        try LuaLibraryChunk.run(state, EmbeddedLua.evalJudge)
    }

    /// fMRI as [N, V] (the datasets' [N, 1, V] batches accepted too).
    static func fmriRows(_ fmri: Tensor) throws -> Tensor {
        fmri.rank == 3 && fmri.shape[1] == 1 ? try fmri.reshape([fmri.shape[0], fmri.shape[2]]) : fmri
    }
}

/// A judge written in Lua: a function of images [N, 3, H, W] returning their class probabilities [N, classes],
/// called back during `mv.eval.score` (the n-way classification checks the shape it returns).
struct LuaFunctionJudge: ImageJudge {
    let function: LuaFunctionRef
    let args: LuaArgs

    func probabilities(_ images: Tensor) throws -> Tensor {
        // A copy: the images may be the caller's own truth tensor, which a judge that normalises in place would change.
        guard case .object(let result as Tensor)? = try args.call(function, [.object(try images.clone())]).first else {
            throw LuaBindingError("\(args.function): the judge must return a tensor of class probabilities [N, classes]")
        }
        return result
    }
}
