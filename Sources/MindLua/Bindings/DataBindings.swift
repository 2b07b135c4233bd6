import Foundation
import MindTensor
import MindVis

/// `mv.data`: the GOD, BOLD5000 and HCP loaders (reference names and behaviour, REFERENCE.md §6) and the
/// `Dataset` object they return: `#ds`, `ds.fmri` [N, V], `ds.voxels`, `ds:get(i)` -> {fmri, image, label}
/// (images HWC in [0, 1]), `ds:batches{size, shuffle, drop_last, seed}` (an iterator of {fmri [B, 1, V],
/// indices}), `ds:pad_to(V)`, `ds:crop_to(V)`, `ds:fit_to(V)`, `ds:split(fraction [, seed])`.
enum DataBindings: LuaBindingSet {
    static let datasetType: LuaUserdataType<FMRIDataset> = {
        let type = LuaUserdataType<FMRIDataset>(name: "Dataset", doc: "fMRI samples [N, V] with their images and labels where known; #ds is N")
        type.length { $0.count }
        type.property("fmri", doc: """
            ds.fmri -> Tensor
            All samples as one [N, V] tensor (normalised as the loader's normalize option says).
            """, get: { ds, args in try args.returning(tensor: ds.fmri) })
        type.property("voxels", doc: """
            ds.voxels -> integer
            V, the (padded) voxel count per sample.
            """, get: { ds, args in try args.returning(ds.voxelCount) })
        type.property("name", doc: """
            ds.name -> string
            Where the samples come from ("GOD sbj_3 train", "simulated pool", ...).
            """, get: { ds, args in try args.returning(ds.name) })
        type.property("info", doc: """
            ds.info -> table
            What the loader recorded: the dataset, its subjects, ROI and normalisation (GOD: each subject's training mean and std), the parts of a concatenation.
            """, get: { ds, args in try args.returning(ConfigTables.table(ds.info)) })
        type.property("labels", doc: """
            ds.labels -> {integer, ...} or nil
            Each sample's label, 1-based: for the simulation its category (sim.categories[label] describes it); for GOD the image's ImageNet class, its index in imagenet_class_index.json plus one (1...1000: the column of a 1000-class judge's output, as true_labels of mv.eval.score take it; 0 for a WordNet id the file lacks).
            """, get: { ds, args in try args.returning(luaLabels(ds)) })
        type.bound("get", doc: """
            ds:get(i) -> {fmri = Tensor, image = Tensor, label = integer}
            Sample i (1-based): its fMRI [V], its image [H, W, 3] in [0, 1] and its label when the dataset has them.
            """) { ds, args in
            let i = try args.integer(1, "index", min: 1, max: Swift.max(1, ds.count))
            let item = try ds.item(i - 1)
            var entries = [LuaTableEntry(key: "fmri", value: .object(item.fmri))]
            if let image = item.image { entries.append(LuaTableEntry(key: "image", value: .object(image))) }
            if let label = item.label { entries.append(LuaTableEntry(key: "label", value: .integer(label + 1))) }
            return try args.returning(LuaValue.table(entries))
        }
        type.bound("batches", doc: """
            ds:batches([options]) -> iterator
            Mini-batches for a for-loop: for batch in ds:batches{size = 32, shuffle = true} do ... batch.fmri [B, 1, V], batch.indices, batch.labels.
            size = 32  -- samples per batch
            shuffle = false  -- a new random order every call
            drop_last = false  -- skip a last, smaller batch
            seed = nil  -- seed of the order (the global generator otherwise)
            """) { ds, args in
            let options = try args.options(1)
            let generator = try options.integer("seed", min: 0).map { Generator(seed: UInt64($0)) } ?? .default
            let batches = try ds.batches(size: try options.integer("size", default: 32, min: 1), shuffle: try options.bool("shuffle", default: false),
                                         dropLast: try options.bool("drop_last", default: false), generator: generator)
            return try args.returning(object: BatchIterator(dataset: ds, batches: batches))
        }
        type.bound("pad_to", doc: """
            ds:pad_to(voxels) -> Dataset
            The samples wrap-padded to `voxels` (the first voxels repeat at the end), as the reference pads to a common length.
            """) { ds, args in try args.returning(object: ds.padded(to: try args.integer(1, "voxels", min: 1))) }
        type.bound("crop_to", doc: """
            ds:crop_to(voxels) -> Dataset
            The samples truncated to their first `voxels` voxels.
            """) { ds, args in try args.returning(object: ds.cropped(to: try args.integer(1, "voxels", min: 1))) }
        type.bound("fit_to", doc: """
            ds:fit_to(voxels) -> Dataset
            Padded or truncated to `voxels`, whichever is needed (the reference's rule for a model's voxel count).
            """) { ds, args in
            try args.returning(object: ds.fitted(to: try args.integer(1, "voxels", min: 1)))
        }
        type.bound("split", doc: """
            ds:split(fraction [, seed]) -> first, rest
            A random split: `fraction` of the samples (at least one) and the rest, drawn with seed (default 2022).
            """) { ds, args in
            let fraction = try args.number(1, "fraction")
            guard fraction > 0 && fraction < 1 else { throw args.argumentError(1, "fraction", expected: "a number between 0 and 1") }
            let order = Generator(seed: UInt64(try args.optionalInteger(2, "seed", min: 0) ?? 2022)).permutation(ds.count)
            let cut = Swift.max(1, Swift.min(ds.count - 1, Int((Double(ds.count) * fraction).rounded())))
            return try args.returning(LuaValue.object(ds.subset(Array(order[..<cut]), name: ds.name + " (part 1)")),
                                      LuaValue.object(ds.subset(Array(order[cut...]), name: ds.name + " (part 2)")))
        }
        type.toString { "Dataset(\($0.name): \($0.count) samples x \($0.voxelCount) voxels\($0.images == nil ? "" : ", with images"))" }
        return type
    }()

    /// The labels as Lua numbers them: categories and ImageNet classes (0-based in the files, -1 for an unknown
    /// WordNet id) both from 1.
    static func luaLabels(_ ds: FMRIDataset) -> [Int]? {
        ds.labels.map { $0.map { $0 + 1 } }
    }

    /// The iterator `for batch in ds:batches{...}` calls: each call returns the next batch or nil.
    final class BatchIterator {
        let dataset: FMRIDataset
        let batches: [[Int]]
        var next = 0
        init(dataset: FMRIDataset, batches: [[Int]]) { (self.dataset, self.batches) = (dataset, batches) }
    }

    static let iteratorType: LuaUserdataType<BatchIterator> = {
        let type = LuaUserdataType<BatchIterator>(name: "BatchIterator", doc: "the iterator ds:batches{...} returns; call it (or use it in a for-loop) for the next batch")
        type.call { it, args in
            try BindingCall.run(args) {
                guard it.next < it.batches.count else { return try args.returning(LuaValue.nil) }
                let rows = it.batches[it.next]
                it.next += 1
                let fmri = try it.dataset.rows(rows).unsqueeze(1)
                var entries = [LuaTableEntry(key: "fmri", value: .object(fmri)),
                               LuaTableEntry(key: "indices", value: .array(rows.map { .integer($0 + 1) }))]
                if let labels = luaLabels(it.dataset) { entries.append(LuaTableEntry(key: "labels", value: .array(rows.map { .integer(labels[$0]) }))) }
                return try args.returning(LuaValue.table(entries))
            }
        }
        return type
    }()

    static func install(_ state: LuaState) throws {
        try state.register(datasetType)
        try state.register(iteratorType)
        try state.bind("mv.data", "GOD", doc: try ConfigHelp.text(
            signature: "mv.data.GOD{path = [, subjects, ...]} -> train, test",
            summary: "Kamitani's Generic Object Decoding data in the reference's npz layout (REFERENCE §6.1), preprocessed exactly as the reference.",
            reading: { _ = try GODDataset.Options($0) }, meanings: [
                "path": "the folder with sbj_N.npz and images_256.npz", "subjects": "subject names ({} or nil: all)",
                "patch_size": "pad the voxels to a multiple of this", "roi": "region of interest (a mask key: VC, V1, ..., HVC)",
                "include_nonavg_test": "append every single test trial (with its image) after the 50 averaged test responses",
                "normalize": "\"corrected\" z-scores test with the raw training statistics; \"reference\" reproduces the reference (test left in raw units)",
            ], notes: ["train: 1200 single trials per subject with their images; test: the averaged responses to the 50 test images."],
            name: "mv.data.GOD")) { args in
            let (train, test) = try GODDataset.load(GODDataset.Options(ConfigTables.values(try args.value(1, "options"), function: args.function)))
            return try args.returning(LuaValue.object(train), LuaValue.object(test))
        }
        try state.bind("mv.data", "BOLD5000", doc: try ConfigHelp.text(
            signature: "mv.data.BOLD5000{path = [, subjects, ...]} -> train, test",
            summary: "BOLD5000 GLMsingle betas and stimuli in the reference's layout (REFERENCE §6.2); test = per-image averages of the 113 repeated images.",
            reading: { _ = try BOLD5000Dataset.Options($0) }, meanings: [
                "path": "the BOLD5000 folder (BOLD5000_GLMsingle_ROI_betas, BOLD5000_Stimuli)", "subjects": "subjects (CSI1..CSI4)",
                "patch_size": "pad the voxels to a multiple of this",
                "include_nonavg_test": "append every single repeat of the test images after their averages",
                "normalize": "\"corrected\" or \"reference\" (the reference's normalisation)",
            ], name: "mv.data.BOLD5000")) { args in
            let (train, test) = try BOLD5000Dataset.load(BOLD5000Dataset.Options(ConfigTables.values(try args.value(1, "options"), function: args.function)))
            return try args.returning(LuaValue.object(train), LuaValue.object(test))
        }
        try state.bind("mv.data", "HCP", doc: try ConfigHelp.text(
            signature: "mv.data.HCP{path = [, roi, ...]} -> Dataset",
            summary: "The HCP resting-state pool (REFERENCE §6.3): per subject 120 samples of 10 averaged frames, wrap-padded, z-scored per subject.",
            reading: { _ = try HCPDataset.Options($0) }, meanings: [
                "path": "the folder of subject folders holding HCP_visual_voxel.npz", "roi": "VC (V1+V2+V3+V4) or one of V1..V4",
                "patch_size": "pad the voxels to a multiple of this", "subjects": "subject folders to read ({} or nil: all, sorted)",
                "num_sub_limit": "read at most this many subjects (0: all)",
            ], name: "mv.data.HCP")) { args in
            try args.returning(object: HCPDataset.load(HCPDataset.Options(ConfigTables.values(try args.value(1, "options"), function: args.function))))
        }
        try installSimulation(state)
        try state.bind("mv.data", "concat", doc: """
            mv.data.concat{a, b, ...} -> Dataset
            The samples of several datasets stacked, voxels wrap-padded to the longest (how the reference mixes HCP and GOD for A1).
            """) { args in
            guard case .array(let items) = try args.value(1, "datasets"), !items.isEmpty else {
                throw args.argumentError(1, "datasets", expected: "a non-empty array of Datasets")
            }
            let sets = try items.enumerated().map { k, item -> FMRIDataset in
                guard case .object(let o) = item, let ds = o as? FMRIDataset else {
                    throw args.error("entry \(k + 1) is \(LuaArgs.kind(of: item)), not a Dataset")
                }
                return ds
            }
            return try args.returning(object: FMRIDataset.concatenating(sets))
        }
    }
}

extension DataBindings {
    /// The simulation's stimulus generator (categories and how to render new exemplars of them), for what needs
    /// more than the dataset's own images: the judge trains on fresh renderings.
    final class StimuliBox {
        let dataset: SimulatedDataset
        init(_ dataset: SimulatedDataset) { self.dataset = dataset }
    }

    static let stimuliType: LuaUserdataType<StimuliBox> = {
        let type = LuaUserdataType<StimuliBox>(name: "SimulatedStimuli",
                                               doc: "the simulation's stimulus categories and renderer (what mv.eval.train_judge{sim = } draws from)")
        type.property("factors", doc: """
            sim.stimuli.factors -> {names = {...}, counts = {...}, levels = {{...}, ...}}
            The categories' structure: the factor names (shape, colour, texture, background), each factor's number of levels, and per category (as sim.categories) its level of each factor (1-based).
            """, get: { box, args in
            let (levels, counts) = box.dataset.factorLevels
            return try args.returning(LuaValue.table([
                LuaTableEntry(key: "names", value: .array(SimulatedDataset.factorNames.map { .string($0) })),
                LuaTableEntry(key: "counts", value: .array(counts.map { .integer($0) })),
                LuaTableEntry(key: "levels", value: .array(levels.map { .array($0.map { .integer($0 + 1) }) })),
            ]))
        })
        type.bound("renderings", doc: """
            sim.stimuli:renderings{per_category = 9 [, seed = 2022]} -> Dataset
            New renderings of every category (training and test; labels as sim.categories, no fMRI): labelled images for a generative model of the stimuli (mv.ldm.train_label2img), as the reference's label2img LDM learnt GOD's categories from ImageNet. Never the dataset's images (test images included) nor the judge's.
            """) { box, args in
            let options = try args.options(1, allowed: ["per_category", "seed"])
            let perCategory = try options.integer("per_category", default: 9, min: 1, max: 100_000)
            let seed = try options.integer("seed", default: 2022, min: 0)
            return try args.returning(object: box.dataset.renderings(perCategory: perCategory, seed: UInt64(seed)))
        }
        return type
    }()

    /// What each `mv.data.simulate` key means (`mindvis simulate` takes the same names as --options).
    static let simulationKeys: [String: String] = [
        "preset": "\"default\" (GOD and HCP sizes) or \"small\" (seconds: tests and quick looks); the defaults below are default's, small's own follow the table", "seed": "seed of every random draw",
        "subjects": "number of GOD-like subjects (sbj_1, sbj_2, ...)", "image_size": "side of the stimulus images in pixels",
        "train_categories": "training categories", "exemplars_per_category": "training images per category",
        "test_categories": "test categories (one image each, disjoint from training)", "test_repeats": "presentations of each test image",
        "voxel_scale": "multiplies every voxel count", "noise_level": "multiplies the trial noise", "spontaneous_level": "multiplies the pool's resting fluctuations",
        "pool_size": "samples of the unlabeled pool (0: none)", "pool_samples_per_subject": "pool samples per pool subject",
        "patch_size": "pad voxels to a multiple of this", "roi": "region of interest", "normalize": "\"corrected\" or \"reference\" test normalisation",
        "single_trials": "also return test_single: every single test trial with its image (needed for stage A2 as the reference)",
        "subject": "only this subject's train/test (\"sbj_3\"); nil: all subjects stacked",
    ]

    /// `mv.data.simulate{preset=, seed=, subjects=, subject=, pool_size=, single_trials=, ...}` -> {train, test,
    /// test_single, pool, subjects}: the built-in simulated visual cortex, prepared in memory like GOD and HCP.
    static func installSimulation(_ state: LuaState) throws {
        try state.register(stimuliType)
        try state.bind("mv.data", "simulate", doc: try ConfigHelp.text(
            signature: "mv.data.simulate{[preset, seed, ...]} -> {train, test, test_single, pool, subjects, categories, stimuli}",
            summary: "The built-in simulated visual cortex: a GOD-like experiment (stimuli, subjects' voxel responses) and an HCP-like pool, in memory.",
            reading: { _ = try SimulatedData.Options($0) }, meanings: simulationKeys,
            notes: ["train/test as mv.data.GOD gives them (for subject, or all subjects); test_single exists with single_trials = true; pool with pool_size > 0.",
                    "mindvis simulate writes the same data to disk in the GOD and HCP layouts."],
            presets: ["small"], name: "mv.data.simulate")) { args in
            let options = try SimulatedData.Options(ConfigTables.values(try args.value(1, "options"), function: args.function))
            let sim = try SimulatedData.make(options, progress: true)
            var entries = [LuaTableEntry(key: "train", value: .object(sim.train)), LuaTableEntry(key: "test", value: .object(sim.test)),
                           LuaTableEntry(key: "subjects", value: .array(sim.dataset.subjects.map { .string($0.name) }))]
            if let single = sim.testSingle { entries.append(LuaTableEntry(key: "test_single", value: .object(single))) }
            if let pool = sim.pool { entries.append(LuaTableEntry(key: "pool", value: .object(pool))) }
            entries.append(LuaTableEntry(key: "categories", value: .array(sim.dataset.categoryDescriptions.map { .string($0) })))
            entries.append(LuaTableEntry(key: "stimuli", value: .object(StimuliBox(sim.dataset))))
            return try args.returning(LuaValue.table(entries))
        }
        try LuaLibraryChunk.run(state, EmbeddedLua.simulationResult)
    }
}
