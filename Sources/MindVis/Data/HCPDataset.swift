import Foundation
import MindIO
import MindTensor

/// Human Connectome Project resting state in MinD-Vis's layout (REFERENCE.md §6.3):
/// `<path>/<subject>/HCP_visual_voxel.npz` with `V1`..`V4` arrays of [time points, voxels].
/// Each subject's frames are averaged in windows of 10 (→ 120 samples from 1200 frames), padded to the
/// patch size and z-scored on their own; subjects are then padded to a common length.
public enum HCPDataset {
    public static let framesPerSample = 10
    public static let visualAreas = ["V1", "V2", "V3", "V4"]

    public struct Options {
        public var path: URL
        public var roi = "VC"
        public var patchSize = 16
        /// Subject folders to read (default: all, sorted); `num_sub_limit` caps how many.
        public var subjects: [String]?
        public var numSubLimit: Int?

        public init(path: URL) { self.path = path }

        public init(_ values: [String: ConfigValue]) throws {
            var r = ConfigReader(values, context: "HCP")
            path = URL(fileURLWithPath: try r.string("path", "data/HCP/npz"))
            roi = try r.string("roi", "VC")
            patchSize = try r.int("patch_size", 16, range: 1...4096)
            let subs = try r.stringList("subjects", [])
            subjects = subs.isEmpty ? nil : subs
            let limit = try r.int("num_sub_limit", 0, range: 0...1_000_000)
            numSubLimit = limit > 0 ? limit : nil
            try r.finish()
        }
    }

    public static func load(_ o: Options) throws -> FMRIDataset {
        let context = "HCP"
        let fileName = "HCP_visual_voxel.npz"
        var subjects = try o.subjects ?? DatasetFiles.list(o.path, context: context).filter {
            try DatasetFiles.isPresent(o.path.appendingPathComponent($0).appendingPathComponent(fileName), context: context)
        }
        if let limit = o.numSubLimit { subjects = Array(subjects.prefix(limit)) }
        guard !subjects.isEmpty else { throw TensorError("\(context): no <subject>/\(fileName) files under \(o.path.path)") }
        try DatasetFiles.requireDistinct(subjects: subjects, context: context)
        let keys = o.roi == "VC" ? visualAreas : [o.roi]
        var parts: [Tensor] = []
        for sub in subjects {
            let file = o.path.appendingPathComponent(sub).appendingPathComponent(fileName)
            let npz = try DatasetFiles.npz(file, context: context)
            let name = "\(sub)/\(fileName)"
            let areas = try keys.map { key -> Tensor in
                guard npz[key] != nil else { throw TensorError("\(context): \(name) has no ROI '\(key)' (keys: \(npz.names.joined(separator: ", ")))") }
                return try DatasetFiles.matrix(npz.array(key), name: "\(name)/\(key)")
            }
            let frames = areas[0].shape[0]
            guard areas.allSatisfy({ $0.shape[0] == frames }) else {
                throw TensorError("\(context): \(name): ROI arrays have different numbers of time points \(areas.map { $0.shape[0] })")
            }
            guard frames >= framesPerSample, frames % framesPerSample == 0 else {
                throw TensorError("\(context): \(name): \(frames) time points cannot be split into windows of \(framesPerSample) frames")
            }
            let series = try Tensor.cat(areas, dim: 1)
            let windows = try series.reshape([frames / framesPerSample, framesPerSample, series.shape[1]]).mean(1)
            parts.append(try prepareSubject(samples: windows, patchSize: o.patchSize))
        }
        return try FMRIDataset(name: "HCP", fmri: concatenateSubjects(parts),
                               info: [("dataset", .string("HCP")), ("subjects", .list(subjects.map { .string($0) })), ("roi", .string(o.roi))])
    }

    /// One subject's window-averaged samples [N, V] as `load` prepares them: wrap-padded to the patch size and
    /// z-scored with the subject's own scalar statistics.
    static func prepareSubject(samples: Tensor, patchSize: Int) throws -> Tensor {
        try VoxelLayout.zScore(VoxelLayout.wrapPadToPatch(samples, patch: patchSize)).normalized
    }
}
