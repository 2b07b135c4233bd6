import Foundation
import MindIO
import MindTensor

/// BOLD5000 in MinD-Vis's layout (REFERENCE.md §6.2): GLMsingle betas per subject, hemisphere and
/// ROI, presentation lists per session and run, `img_dict.npy` stimuli and the list of the 113
/// repeated images that form the test set.
public enum BOLD5000Dataset {
    public static let rois = ["EarlyVis", "LOC", "OPA", "PPA", "RSC"]
    static let betaFolder = "BOLD5000_GLMsingle_ROI_betas/py"
    static let listFolder = "BOLD5000_Stimuli/Stimuli_Presentation_Lists"
    static let imageFile = "BOLD5000_Stimuli/Scene_Stimuli/Presented_Stimuli/img_dict.npy"
    static let repeatedFile = "BOLD5000_Stimuli/Scene_Stimuli/repeated_stimuli_113_list.txt"

    public struct Options {
        public var path: URL
        public var subjects = ["CSI1"]
        public var patchSize = 16
        public var includeNonavgTest = false
        public var normalize = TestNormalization.corrected

        public init(path: URL) { self.path = path }

        public init(_ values: [String: ConfigValue]) throws {
            var r = ConfigReader(values, context: "BOLD5000")
            path = URL(fileURLWithPath: try r.string("path", "data/BOLD5000"))
            subjects = try r.stringList("subjects", ["CSI1"])
            patchSize = try r.int("patch_size", 16, range: 1...4096)
            includeNonavgTest = try r.bool("include_nonavg_test", false)
            normalize = try TestNormalization.parse(try r.string("normalize", "corrected"), context: "BOLD5000")
            try r.finish()
        }
    }

    /// (train, test): train = every trial of a non-repeated image; test = per-image averages of the
    /// repeated images (optionally followed by each of their single trials).
    public static func load(_ o: Options) throws -> (train: FMRIDataset, test: FMRIDataset) {
        let context = "BOLD5000"
        try DatasetFiles.requireDirectory(o.path, context: context)
        let imageURL = o.path.appendingPathComponent(imageFile)
        try DatasetFiles.requireFile(imageURL, context: context)
        let stimuli = try stimulusImages(NPY.read(contentsOf: imageURL))
        let repeated = try DatasetFiles.lines(o.path.appendingPathComponent(repeatedFile), context: context)
        // A name that matches no image would quietly send that image's trials to training, a repeated one would be a
        // second test item: the test set must be exactly the list.
        var listed = Set<String>()
        for name in repeated {
            guard stimuli.index[name] != nil else { throw TensorError("\(context): \(repeatedFile) names '\(name)', which is not in \(imageFile)") }
            guard listed.insert(name).inserted else { throw TensorError("\(context): \(repeatedFile) names '\(name)' twice") }
        }

        guard !o.subjects.isEmpty else { throw TensorError("\(context): subjects is empty; name at least one (CSI1 ... CSI4)") }
        try DatasetFiles.requireDistinct(subjects: o.subjects, context: context)
        var trainParts: [Tensor] = [], testParts: [Tensor] = []
        var trainNames: [String] = [], testNames: [String] = []
        for sub in o.subjects {
            let betas = try subjectBetas(o.path, subject: sub)
            let names = try presentedImages(o.path, subject: sub)
            guard names.count == betas.shape[0] else {
                throw TensorError("\(context): \(sub): presentation lists name \(names.count) images but the betas have \(betas.shape[0]) trials")
            }
            let x = try VoxelLayout.wrapPadToPatch(betas, patch: o.patchSize)
            var testGroups: [[Int]] = []
            for image in repeated {
                let trials = names.indices.filter { names[$0] == image }
                if !trials.isEmpty { testGroups.append(trials) }  // not every subject saw every repeated image
            }
            let inTest = Set(testGroups.flatMap { $0 })
            let trainRows = names.indices.filter { !inTest.contains($0) }
            let z: Tensor
            switch o.normalize {
            case .reference: z = try VoxelLayout.zScore(x).normalized
            case .corrected:
                let (m, s) = try VoxelLayout.scalarMoments(x.indexSelect(0, index: Tensor(trainRows.map(Float.init))))
                z = try VoxelLayout.normalize(x, mean: m, std: s)
            }
            var testRows = try testGroups.map { try z.indexSelect(0, index: Tensor($0.map(Float.init))).mean(0, keepDim: true) }
            testNames += testGroups.map { names[$0[0]] }
            if o.includeNonavgTest {
                let singles = testGroups.flatMap { $0 }
                testRows.append(try z.indexSelect(0, index: Tensor(singles.map(Float.init))))
                testNames += singles.map { names[$0] }
            }
            trainParts.append(try z.indexSelect(0, index: Tensor(trainRows.map(Float.init))))
            trainNames += trainRows.map { names[$0] }
            guard !testRows.isEmpty else { throw TensorError("\(context): \(sub) saw none of the repeated test images") }
            testParts.append(try Tensor.cat(testRows, dim: 0))
        }
        let info: [(String, ConfigValue)] = [("dataset", .string("BOLD5000")), ("subjects", .list(o.subjects.map { .string($0) })),
                                             ("normalize", .string(o.normalize.rawValue))]
        func dataset(_ name: String, _ parts: [Tensor], _ shown: [String]) throws -> FMRIDataset {
            let index = try shown.map { n -> Int in
                guard let i = stimuli.index[n] else { throw TensorError("\(context): image '\(n)' is not in \(imageFile)") }
                return i
            }
            return try FMRIDataset(name: name, fmri: concatenateSubjects(parts), images: stimuli.images, imageIndex: index, info: info)
        }
        return (try dataset("BOLD5000 train", trainParts, trainNames), try dataset("BOLD5000 test", testParts, testNames))
    }

    /// A subject's betas: ROIs in the reference's order, within each ROI the files sorted by name (LH before RH).
    static func subjectBetas(_ root: URL, subject: String) throws -> Tensor {
        let folder = root.appendingPathComponent(betaFolder)
        let files = try DatasetFiles.list(folder, context: "BOLD5000").filter { $0.hasPrefix(subject + "_") && $0.hasSuffix(".npy") }
        var parts: [Tensor] = []
        for roi in rois {
            // Both hemispheres of every ROI: without one, the subject would silently have fewer voxels.
            for hemisphere in ["LH", "RH"] where !files.contains(where: { $0.hasSuffix(hemisphere + roi + ".npy") }) {
                throw TensorError("BOLD5000: \(subject) has no \(hemisphere)\(roi) beta file (…_allses_\(hemisphere)\(roi).npy) in \(folder.path)")
            }
            for file in files.filter({ $0.hasSuffix(roi + ".npy") }) {
                parts.append(try DatasetFiles.matrix(NPY.readArray(contentsOf: folder.appendingPathComponent(file)), name: file))
            }
        }
        guard !parts.isEmpty else { throw TensorError("BOLD5000: no beta files for subject \(subject) in \(folder.path)") }
        guard parts.allSatisfy({ $0.shape[0] == parts[0].shape[0] }) else {
            throw TensorError("BOLD5000: \(subject): ROI files have different trial counts \(parts.map { $0.shape[0] })")
        }
        return try Tensor.cat(parts, dim: 1)
    }

    /// Image names in presentation order: sessions and runs sorted, `rep_` prefixes stripped.
    static func presentedImages(_ root: URL, subject: String) throws -> [String] {
        let folder = root.appendingPathComponent(listFolder).appendingPathComponent(subject)
        var names: [String] = []
        for session in try DatasetFiles.list(folder, context: "BOLD5000") {
            let sessionURL = folder.appendingPathComponent(session)
            for run in try DatasetFiles.list(sessionURL, context: "BOLD5000") where run.hasSuffix(".txt") {
                names += try DatasetFiles.lines(sessionURL.appendingPathComponent(run), context: "BOLD5000").map {
                    $0.hasPrefix("rep_") ? String($0.dropFirst(4)) : $0
                }
            }
        }
        return names
    }

    /// `img_dict.npy`: a pickled dict of file name -> uint8 [H, W, 3] image, all the same size.
    static func stimulusImages(_ value: PickleValue) throws -> (images: ImageSet, index: [String: Int]) {
        guard let dict = (value.item ?? value).asDict else { throw TensorError("BOLD5000: \(imageFile) does not hold a dict of images") }
        var pixels: [UInt8] = [], index: [String: Int] = [:]
        var shape: [Int]?
        for (key, image) in dict {
            guard let name = key.asString, case .array(let a) = image, a.dtype == .uint8, a.shape.count == 3 else {
                throw TensorError("BOLD5000: \(imageFile): every entry must be file name -> uint8 [H, W, C] image")
            }
            if shape == nil { shape = a.shape }
            guard a.shape == shape else { throw TensorError("BOLD5000: \(imageFile): image '\(name)' is \(a.shape), others are \(shape!)") }
            index[name] = index.count
            pixels += a.bytes
        }
        guard let s = shape else { throw TensorError("BOLD5000: \(imageFile) holds no images") }
        return (try ImageSet(count: index.count, height: s[0], width: s[1], channels: s[2], pixels: pixels), index)
    }
}
