import Foundation
import MindIO
import MindTensor

/// Generic Object Decoding (Kamitani lab) in MinD-Vis's npz layout (REFERENCE.md §6.1):
/// `sbj_N.npz` (arr_0 train trials, arr_1 test single trials, arr_2 test averages, arr_3 train image
/// indices, arr_4 test image per single trial, ROI masks), `images_256.npz`, label CSVs.
public enum GODDataset {
    public struct Options {
        public var path: URL
        /// Subject files without extension; default: every `sbj_<number>.npz` in the folder, in number order.
        public var subjects: [String]?
        public var patchSize = 16
        public var roi = "VC"
        public var includeNonavgTest = false
        public var normalize = TestNormalization.corrected

        public init(path: URL) { self.path = path }

        public init(_ values: [String: ConfigValue]) throws {
            var r = ConfigReader(values, context: "GOD")
            path = URL(fileURLWithPath: try r.string("path", "data/Kamitani/npz"))
            let subs = try r.stringList("subjects", [])
            subjects = subs.isEmpty ? nil : subs
            patchSize = try r.int("patch_size", 16, range: 1...4096)
            roi = try r.string("roi", "VC")
            includeNonavgTest = try r.bool("include_nonavg_test", false)
            normalize = try TestNormalization.parse(try r.string("normalize", "corrected"), context: "GOD")
            try r.finish()
        }
    }

    /// (train, test): train rows are single trials paired with their training image; test rows are
    /// the averaged responses to the 50 test images, followed (with include_nonavg_test) by every
    /// single test trial paired with the image it showed.
    public static func load(_ o: Options) throws -> (train: FMRIDataset, test: FMRIDataset) {
        let context = "GOD"
        try DatasetFiles.requireDirectory(o.path, context: context)
        // Subject files are sbj_<number>.npz, taken by number: a copy beside them (sbj_1_backup.npz) is not a subject.
        let available = DatasetFiles.byNumber(try DatasetFiles.list(o.path, context: context), prefix: "sbj_", suffix: ".npz")
            .map { String($0.dropLast(4)) }
        let subjects = o.subjects ?? available
        guard !subjects.isEmpty else { throw TensorError("\(context): no sbj_*.npz files in \(o.path.path)") }
        try DatasetFiles.requireDistinct(subjects: subjects, context: context)
        let imageArchive = try DatasetFiles.npz(o.path.appendingPathComponent("images_256.npz"), context: context)
        let trainImages = try ImageSet(array: imageArchive.array("train_images"), name: "images_256.npz/train_images")
        let testImages = try ImageSet(array: imageArchive.array("test_images"), name: "images_256.npz/test_images")
        let (trainLabels, testLabels) = try imageLabels(o.path, trainCount: trainImages.count, testCount: testImages.count)

        var trainParts: [Tensor] = [], testParts: [Tensor] = []
        var trainIndex: [Int] = [], testIndex: [Int] = []
        var stats: [(String, ConfigValue)] = []
        for sub in subjects {
            let file = o.path.appendingPathComponent(sub + ".npz")
            guard try DatasetFiles.isPresent(file, context: context) else {
                throw TensorError("\(context): subject file \(file.path) does not exist (subjects here: \(available.joined(separator: ", ")))")
            }
            let npz = try NPZ.read(contentsOf: file)
            let name = sub + ".npz"
            let train = try DatasetFiles.matrix(npz.array("arr_0"), name: name + "/arr_0")
            let voxels = train.shape[1]
            guard npz[o.roi] != nil else {
                let rois = npz.names.filter { !$0.hasPrefix("arr_") }
                throw TensorError("\(context): \(name) has no ROI '\(o.roi)' (ROIs: \(rois.joined(separator: ", ")))")
            }
            let roi = try Tensor(DatasetFiles.maskIndices(npz.array(o.roi), length: voxels, name: "\(name)/\(o.roi)").map(Float.init))
            let averaged = try DatasetFiles.matrix(npz.array("arr_2"), name: name + "/arr_2")
            // Row j is the response to test image j (the reference pairs them by position): a missing row would shift
            // every later pairing.
            guard averaged.shape[0] == testImages.count else {
                throw TensorError("\(context): \(name)/arr_2 has \(averaged.shape[0]) averaged test responses for \(testImages.count) test images (row j pairs with test image j)")
            }
            var test = averaged
            var subjectTestIndex = Array(0..<averaged.shape[0])
            if o.includeNonavgTest {
                let single = try DatasetFiles.matrix(npz.array("arr_1"), name: name + "/arr_1")
                test = try Tensor.cat([averaged, single], dim: 0)
                subjectTestIndex += try DatasetFiles.integers(npz.array("arr_4"), count: single.shape[0], name: name + "/arr_4")
            }
            guard test.shape[1] == voxels else {
                throw TensorError("\(context): \(name) test arrays have \(test.shape[1]) voxels, arr_0 has \(voxels)")
            }
            let imageRows = try DatasetFiles.integers(npz.array("arr_3"), count: train.shape[0], name: name + "/arr_3")
            let prepared: (train: Tensor, tests: [Tensor], mean: Float, std: Float)
            do {
                prepared = try prepareSubject(train: train, tests: [test], roi: roi, patchSize: o.patchSize, normalize: o.normalize)
            } catch let error as TensorError {
                throw TensorError("\(context): \(name): \(error.message)")  // which subject's file
            }
            let (mean, std) = (prepared.mean, prepared.std)
            trainParts.append(prepared.train)
            testParts.append(prepared.tests[0])
            trainIndex += imageRows
            testIndex += subjectTestIndex
            stats += [("\(sub)_train_mean", .double(Double(mean))), ("\(sub)_train_std", .double(Double(std)))]
        }
        let info: [(String, ConfigValue)] = [("dataset", .string("GOD")), ("subjects", .list(subjects.map { .string($0) })),
                                             ("roi", .string(o.roi)), ("normalize", .string(o.normalize.rawValue))] + stats
        let train = try FMRIDataset(name: "GOD train", fmri: concatenateSubjects(trainParts), images: trainImages, imageIndex: trainIndex,
                                    labels: trainLabels.map { trialLabels($0, at: trainIndex) }, info: info)
        let test = try FMRIDataset(name: "GOD test", fmri: concatenateSubjects(testParts), images: testImages, imageIndex: testIndex,
                                   labels: testLabels.map { trialLabels($0, at: testIndex) }, info: info)
        return (train, test)
    }

    /// Each trial's label through its image index. An index outside the images gets -1 here, so that FMRIDataset,
    /// which checks the indices first, reports it (a subscript would end the process).
    static func trialLabels(_ imageLabels: [Int], at imageIndex: [Int]) -> [Int] {
        imageIndex.map { imageLabels.indices.contains($0) ? imageLabels[$0] : -1 }
    }

    /// One subject's matrices as `load` prepares them: the ROI columns (`roi`, a float index tensor), wrap-padded
    /// to the patch size; training rows z-scored with their own scalar statistics (returned), each test matrix
    /// normalised as `normalize` says.
    static func prepareSubject(train: Tensor, tests: [Tensor], roi: Tensor, patchSize: Int, normalize: TestNormalization) throws
        -> (train: Tensor, tests: [Tensor], mean: Float, std: Float) {
        let trainX = try VoxelLayout.wrapPadToPatch(train.indexSelect(1, index: roi), patch: patchSize)
        let (trainZ, mean, std) = try VoxelLayout.zScore(trainX)
        let (testMean, testStd): (Float, Float)
        switch normalize {
        case .corrected: (testMean, testStd) = (mean, std)
        case .reference: (testMean, testStd) = try VoxelLayout.scalarMoments(trainZ)
        }
        let testsZ = try tests.map { test in
            try VoxelLayout.normalize(VoxelLayout.wrapPadToPatch(test.indexSelect(1, index: roi), patch: patchSize),
                                      mean: testMean, std: testStd)
        }
        return (trainZ, testsZ, mean, std)
    }

    /// ImageNet class indices of the training and test images from the label CSVs (first column
    /// "<wnid offset>.<n>") and `imagenet_class_index.json`; nil when those files are absent.
    static func imageLabels(_ folder: URL, trainCount: Int, testCount: Int) throws -> ([Int]?, [Int]?) {
        let json = folder.appendingPathComponent("imagenet_class_index.json")
        guard try DatasetFiles.isPresent(json, context: "GOD") else { return (nil, nil) }
        guard case .object(let entries) = try JSONValue.parse(DatasetFiles.text(json, context: "GOD"), context: json.lastPathComponent) else {
            throw TensorError("GOD: \(json.path) must map class indices to [wnid, name]")
        }
        var classOfWnid: [String: Int] = [:]
        for (key, value) in entries {
            guard let index = Int(key), case .array(let pair) = value, case .string(let wnid)? = pair.first else {
                throw TensorError("GOD: \(json.lastPathComponent): entry '\(key)' is not index -> [wnid, name]")
            }
            classOfWnid[wnid] = index
        }
        func labels(_ file: String, count: Int) throws -> [Int]? {
            let url = folder.appendingPathComponent(file)
            guard try DatasetFiles.isPresent(url, context: "GOD") else { return nil }
            let rows = try DatasetFiles.lines(url, context: "GOD")
            guard rows.count == count else { throw TensorError("GOD: \(file) has \(rows.count) rows for \(count) images") }
            return try rows.map { row in
                let first = row.split(separator: ",").first.map(String.init) ?? ""
                // "<offset>.<image number>": a row cut short (a truncated file's last line) has no number.
                let parts = first.split(separator: ".", omittingEmptySubsequences: false)
                guard parts.count == 2, let offset = Int(parts[0]), Int(parts[1]) != nil else {
                    throw TensorError("GOD: \(file): row '\(row)' does not start with <WordNet offset>.<image number>")
                }
                return classOfWnid[String(format: "n%08d", offset)] ?? -1
            }
        }
        return (try labels("imagenet_training_label.csv", count: trainCount), try labels("imagenet_testing_label.csv", count: testCount))
    }
}
