import Foundation
import MindTensor
import MindVis

/// `mv.data`: the GOD, BOLD5000 and HCP loaders (reference names and behaviour, REFERENCE.md §6) and the
/// `Dataset` object they return: `#ds`, `ds.fmri` [N, V], `ds.voxels`, `ds:get(i)` -> {fmri, image, label}
/// (images HWC in [0, 1]), `ds:batches{size, shuffle, drop_last, seed}` (an iterator of {fmri [B, 1, V],
/// indices}), `ds:pad_to(V)`, `ds:crop_to(V)`, `ds:fit_to(V)`, `ds:split(fraction [, seed])`.
enum DataBindings: LuaBindingSet {
    static let datasetType: LuaUserdataType<FMRIDataset> = {
        let type = LuaUserdataType<FMRIDataset>(name: "Dataset")
        type.length { $0.count }
        type.property("fmri", get: { ds, args in try args.returning(tensor: ds.fmri) })
        type.property("voxels", get: { ds, args in try args.returning(ds.voxelCount) })
        type.property("name", get: { ds, args in try args.returning(ds.name) })
        type.property("info", get: { ds, args in try args.returning(ConfigTables.table(ds.info)) })
        type.property("labels", get: { ds, args in try args.returning(ds.labels) })
        type.bound("get") { ds, args in
            let i = try args.integer(1, "index", min: 1, max: Swift.max(1, ds.count))
            let item = try ds.item(i - 1)
            var entries = [LuaTableEntry(key: "fmri", value: .object(item.fmri))]
            if let image = item.image { entries.append(LuaTableEntry(key: "image", value: .object(image))) }
            if let label = item.label { entries.append(LuaTableEntry(key: "label", value: .integer(label))) }
            return try args.returning(LuaValue.table(entries))
        }
        type.bound("batches") { ds, args in
            let options = try args.options(1, allowed: ["size", "shuffle", "drop_last", "seed"])
            let generator = try options.integer("seed", min: 0).map { Generator(seed: UInt64($0)) } ?? .default
            let batches = try ds.batches(size: try options.integer("size", default: 32, min: 1), shuffle: try options.bool("shuffle", default: false),
                                         dropLast: try options.bool("drop_last", default: false), generator: generator)
            return try args.returning(object: BatchIterator(dataset: ds, batches: batches))
        }
        type.bound("pad_to") { ds, args in try args.returning(object: ds.padded(to: try args.integer(1, "voxels", min: 1))) }
        type.bound("crop_to") { ds, args in try args.returning(object: ds.cropped(to: try args.integer(1, "voxels", min: 1))) }
        type.bound("fit_to") { ds, args in
            try args.returning(object: ds.fitted(to: try args.integer(1, "voxels", min: 1)))
        }
        type.bound("split") { ds, args in
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

    /// The iterator `for batch in ds:batches{...}` calls: each call returns the next batch or nil.
    final class BatchIterator {
        let dataset: FMRIDataset
        let batches: [[Int]]
        var next = 0
        init(dataset: FMRIDataset, batches: [[Int]]) { (self.dataset, self.batches) = (dataset, batches) }
    }

    static let iteratorType: LuaUserdataType<BatchIterator> = {
        let type = LuaUserdataType<BatchIterator>(name: "BatchIterator")
        type.call { it, args in
            try BindingCall.run(args) {
                guard it.next < it.batches.count else { return try args.returning(LuaValue.nil) }
                let rows = it.batches[it.next]
                it.next += 1
                let fmri = try it.dataset.rows(rows).unsqueeze(1)
                var entries = [LuaTableEntry(key: "fmri", value: .object(fmri)),
                               LuaTableEntry(key: "indices", value: .array(rows.map { .integer($0 + 1) }))]
                if let labels = it.dataset.labels { entries.append(LuaTableEntry(key: "labels", value: .array(rows.map { .integer(labels[$0]) }))) }
                return try args.returning(LuaValue.table(entries))
            }
        }
        return type
    }()

    static func install(_ state: LuaState) throws {
        try state.register(datasetType)
        try state.register(iteratorType)
        try state.bind("mv.data", "GOD") { args in
            let (train, test) = try GODDataset.load(GODDataset.Options(ConfigTables.values(try args.value(1, "options"), function: args.function)))
            return try args.returning(LuaValue.object(train), LuaValue.object(test))
        }
        try state.bind("mv.data", "BOLD5000") { args in
            let (train, test) = try BOLD5000Dataset.load(BOLD5000Dataset.Options(ConfigTables.values(try args.value(1, "options"), function: args.function)))
            return try args.returning(LuaValue.object(train), LuaValue.object(test))
        }
        try state.bind("mv.data", "HCP") { args in
            try args.returning(object: HCPDataset.load(HCPDataset.Options(ConfigTables.values(try args.value(1, "options"), function: args.function))))
        }
        try installSimulation(state)
        // mv.data.concat{a, b, ...}: stacked samples, voxels wrap-padded to the longest (the A1 pool mixture).
        try state.bind("mv.data", "concat") { args in
            guard case .array(let items) = try args.value(1, "datasets"), !items.isEmpty else {
                throw args.argumentError(1, "datasets", expected: "a non-empty array of Datasets")
            }
            let sets = try items.enumerated().map { k, item -> FMRIDataset in
                guard case .object(let o) = item, let ds = o as? FMRIDataset else {
                    throw args.argumentError(1, "datasets", expected: "Datasets (entry \(k + 1) is not)")
                }
                return ds
            }
            return try args.returning(object: FMRIDataset.concatenating(sets))
        }
    }
}

extension DataBindings {
    /// `mv.data.simulate{preset=, seed=, subjects=, subject=, pool_size=, single_trials=, ...}` -> {train, test,
    /// test_single, pool, subjects}: the built-in simulated visual cortex, prepared in memory like GOD and HCP.
    static func installSimulation(_ state: LuaState) throws {
        try state.bind("mv.data", "simulate") { args in
            let options = try SimulatedData.Options(ConfigTables.values(try args.value(1, "options"), function: args.function))
            let sim = try SimulatedData.make(options, progress: true)
            var entries = [LuaTableEntry(key: "train", value: .object(sim.train)), LuaTableEntry(key: "test", value: .object(sim.test)),
                           LuaTableEntry(key: "subjects", value: .array(sim.dataset.subjects.map { .string($0.name) }))]
            if let single = sim.testSingle { entries.append(LuaTableEntry(key: "test_single", value: .object(single))) }
            if let pool = sim.pool { entries.append(LuaTableEntry(key: "pool", value: .object(pool))) }
            entries.append(LuaTableEntry(key: "categories", value: .array(sim.dataset.categoryDescriptions.map { .string($0) })))
            return try args.returning(LuaValue.table(entries))
        }
    }
}
