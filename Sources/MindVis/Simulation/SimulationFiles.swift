import Foundation
import MindIO
import MindTensor

/// Writes a simulated dataset in the reference's on-disk layouts (REFERENCE.md §6.1, §6.3), so that
/// `GODDataset.load` and `HCPDataset.load` read it back:
/// - `<root>/Kamitani/npz/sbj_<k>.npz`: `arr_0` … `arr_6` (float32 fMRI, noise ceiling and SNR; int64 image
///   indices) and the boolean ROI masks `V1` … `VC`;
/// - `<root>/Kamitani/npz/images_256.npz`: `train_images`, `test_images`, uint8 [N, S, S, 3] at the simulated
///   size S (the file keeps the reference's name whatever S is);
/// - `imagenet_class_index.json`, `imagenet_training_label.csv`, `imagenet_testing_label.csv`, whose classes
///   are the simulated categories, so the GOD loader labels every row with its category index;
/// - `<root>/HCP/npz/<subject>/HCP_visual_voxel.npz`: `V1` … `V4`, frames × voxels float32.
/// Every file is written atomically (a temporary file in the same folder, then a rename).
public enum SimulationFiles {
    /// Category k is the class of the made-up WordNet id `n<wordnetBase + k>`: offsets far above WordNet's
    /// (which end below 16,000,000), so they are never mistaken for ImageNet classes.
    public static let wordnetBase = 90_000_000

    public struct Written {
        public let url: URL
        public let bytes: Int
    }

    /// What `write` did.
    public struct Report {
        public var god: [Written] = []
        public var hcp: [Written] = []
        /// Earlier simulator output in the same folders that this dataset does not have (e.g. `sbj_3.npz` after
        /// a run with fewer subjects), removed so the loaders see exactly this dataset.
        public var removed: [URL] = []
    }

    public static func godFolder(_ root: URL) -> URL { root.appendingPathComponent("Kamitani/npz") }
    public static func hcpFolder(_ root: URL) -> URL { root.appendingPathComponent("HCP/npz") }
    public static let hcpFileName = "HCP_visual_voxel.npz"

    /// Writes both layouts under `root` (created if missing), the pool subject by subject with `progress`
    /// advanced once per subject; replaces earlier simulator output there (see `Report.removed`), including the
    /// temporary files of a writer that was killed. `shouldStop` is asked before each file: when it says so, the
    /// files written so far stay (each complete) and the error says the folder holds a partial simulation.
    public static func write(_ dataset: SimulatedDataset, to root: URL, progress: Progress? = nil,
                             shouldStop: @escaping () -> Bool = { false }) throws -> Report {
        guard dataset.pool.framesPerSample == HCPDataset.framesPerSample else {
            throw TensorError("simulate: the HCP layout averages windows of \(HCPDataset.framesPerSample) frames; the pool has \(dataset.pool.framesPerSample) frames per sample")
        }
        var report = Report()
        let god = godFolder(root), hcp = hcpFolder(root)
        report.removed += try removeTemporaries(in: god) + removeTemporaries(in: hcp)
        let stop = {
            if shouldStop() {
                throw TensorError("simulate: interrupted; \(root.path) holds a partial simulation (every file in it is complete): run again with --force to replace it")
            }
        }
        report.god = try writeGOD(dataset, to: god, shouldStop: stop)
        let subjectFiles = Set(report.god.map(\.url.lastPathComponent))
        report.removed += try removeStale(in: god) { name in
            // Only names the simulator writes: anything else there (sbj_1_backup.npz, sbj_9.npz) is the user's.
            DatasetFiles.numbered(name, prefix: "sbj_", suffix: ".npz", upTo: SimulationConfig().voxelCounts.count) && !subjectFiles.contains(name) ? name : nil
        }
        report.hcp = try writeHCP(dataset.pool, to: hcp, progress: progress, shouldStop: stop)
        let poolSubjects = Set(report.hcp.map { $0.url.deletingLastPathComponent().lastPathComponent })
        report.removed += try removeStale(in: hcp) { name in
            DatasetFiles.numbered(name, prefix: SimulatedPool.subjectPrefix, suffix: "", upTo: Int.max) && !poolSubjects.contains(name) ? name + "/" + hcpFileName : nil
        }
        return report
    }

    /// The Kamitani folder: one npz per subject, the images and the label files.
    public static func writeGOD(_ dataset: SimulatedDataset, to folder: URL, shouldStop: () throws -> Void = {}) throws -> [Written] {
        try createFolder(folder)
        var written: [Written] = []
        for subject in dataset.subjects {
            try shouldStop()
            let v = subject.voxelCount
            var arrays: [NamedArray] = [
                ("arr_0", try NDArray(floats: subject.trainFMRI, shape: [subject.trainImageIndex.count, v])),
                ("arr_1", try NDArray(floats: subject.testFMRISingle, shape: [subject.testSingleLabels.count, v])),
                ("arr_2", try NDArray(floats: subject.testFMRIAverage, shape: [dataset.testImageCount, v])),
                ("arr_3", try NDArray(int64s: subject.trainImageIndex.map(Int64.init), shape: [subject.trainImageIndex.count])),
                ("arr_4", try NDArray(int64s: subject.testSingleLabels.map(Int64.init), shape: [subject.testSingleLabels.count])),
                ("arr_5", try NDArray(floats: subject.noiseCeiling, shape: [v])),
                ("arr_6", try NDArray(floats: subject.snr, shape: [v])),
            ]
            for (name, mask) in subject.roiMasks { arrays.append((name, try NDArray(bools: mask, shape: [v]))) }
            written.append(try write(arrays, to: folder.appendingPathComponent(subject.name + ".npz")))
        }
        let size = dataset.imageSize
        written.append(try write([
            ("train_images", try NDArray(uint8s: dataset.trainImages, shape: [dataset.trainImageCount, size, size, 3])),
            ("test_images", try NDArray(uint8s: dataset.testImages, shape: [dataset.testImageCount, size, size, 3])),
        ], to: folder.appendingPathComponent("images_256.npz")))

        let classes = dataset.categoryDescriptions.enumerated().map { k, description in
            "\"\(k)\": [\"\(wordnetID(k))\", \(ConfigValue.string(description).json)]"
        }
        written.append(try write(text: "{" + classes.joined(separator: ", ") + "}\n",
                                 to: folder.appendingPathComponent("imagenet_class_index.json")))
        written.append(try write(text: labelRows(dataset.trainCategory), to: folder.appendingPathComponent("imagenet_training_label.csv")))
        written.append(try write(text: labelRows(dataset.testCategory), to: folder.appendingPathComponent("imagenet_testing_label.csv")))
        return written
    }

    /// One `<subject>/HCP_visual_voxel.npz` per pool subject: its frame matrices per ROI. Writing a file (mostly
    /// the zip checksum and the kernel's copy) runs on a second thread while the next subject is generated; at
    /// most one file is in flight, so memory stays at two subjects' frames.
    public static func writeHCP(_ pool: SimulatedPool, to folder: URL, progress: Progress? = nil,
                                shouldStop: () throws -> Void = {}) throws -> [Written] {
        final class Outcome {
            var written: [Written] = []
            var error: Error?
        }
        let outcome = Outcome()
        let writer = DispatchQueue(label: "mindvis.simulate.hcp-writer")
        let inFlight = DispatchGroup()
        defer { inFlight.wait() }
        for s in pool.subjectNames.indices {
            try shouldStop()
            let frames = try pool.frames(subject: s)
            let subjectFolder = folder.appendingPathComponent(frames.subject)
            try createFolder(subjectFolder)
            inFlight.wait()
            if let error = outcome.error { throw error }
            inFlight.enter()
            writer.async {
                defer { inFlight.leave() }
                do {
                    let arrays: [NamedArray] = try zip(frames.rois, pool.roiVoxelCounts).map { roi, count in
                        (roi.0, try NDArray(floats: roi.1, shape: [frames.frameCount, count]))
                    }
                    outcome.written.append(try write(arrays, to: subjectFolder.appendingPathComponent(hcpFileName)))
                    progress?.advance()
                } catch {
                    outcome.error = error
                }
            }
        }
        inFlight.wait()
        if let error = outcome.error { throw error }
        return outcome.written
    }

    static func wordnetID(_ category: Int) -> String { "n" + String(wordnetBase + category) }

    /// The label CSV of images whose categories are `categories`: "<WordNet offset>.<image number>,<file name>"
    /// as in the reference's files (the loader reads the offset before the first '.').
    static func labelRows(_ categories: [Int]) -> String {
        categories.enumerated().map { i, k in
            let number = String(i)
            return "\(wordnetBase + k).\(String(repeating: "0", count: max(0, 6 - number.count)))\(number),\(wordnetID(k))_\(i).png\n"
        }.joined()
    }

    /// Creates `url` and its parents. The error names what is in the way (a file, a folder without write
    /// permission) as `Folder.create` does.
    public static func createFolder(_ url: URL) throws {
        do {
            try Folder.create(url.path)
        } catch let error as MindIOError {
            throw TensorError("simulate: \(error.message)")
        }
    }

    // Every error leaving this type is a `simulate: ...` TensorError; the file layer's errors are wrapped.

    private static func write(_ arrays: [NamedArray], to url: URL) throws -> Written {
        do {
            try NPZ.write(arrays, to: url)
            return Written(url: url, bytes: try fileSize(url))
        } catch {
            throw TensorError("simulate: \(error)")
        }
    }

    private static func write(text: String, to url: URL) throws -> Written {
        do {
            try AtomicFile.write(Array(text.utf8), to: url)
            return Written(url: url, bytes: try fileSize(url))
        } catch {
            throw TensorError("simulate: \(error)")
        }
    }

    private static func fileSize(_ url: URL) throws -> Int {
        let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
        return (attributes[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Removes the temporary files (`.<name>.<pid>.<n>.tmp`, AtomicFile's) that a killed writer left in `folder` and
    /// its subfolders: never complete, and invisible to a user who lists the folder.
    private static func removeTemporaries(in folder: URL) throws -> [URL] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: folder.path) else { return [] }
        var removed: [URL] = []
        for name in names.sorted() {
            let url = folder.appendingPathComponent(name)
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: url.path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                removed += try removeTemporaries(in: url)
            } else if name.hasPrefix("."), name.hasSuffix(".tmp") {
                do { try fm.removeItem(at: url) } catch {
                    throw TensorError("simulate: cannot remove the temporary file \(url.path): \(error.localizedDescription)")
                }
                removed.append(url)
            }
        }
        return removed
    }

    /// Removes the files `staleFile` names (relative paths) for entries of `folder`, and folders this leaves empty.
    private static func removeStale(in folder: URL, _ staleFile: (String) -> String?) throws -> [URL] {
        let fm = FileManager.default
        guard let names = try? fm.contentsOfDirectory(atPath: folder.path) else { return [] }
        var removed: [URL] = []
        for name in names.sorted() {
            guard let relative = staleFile(name) else { continue }
            let url = folder.appendingPathComponent(relative)
            guard fm.fileExists(atPath: url.path) else { continue }
            do {
                try fm.removeItem(at: url)
                let parent = url.deletingLastPathComponent()
                if parent.path != folder.path, (try? fm.contentsOfDirectory(atPath: parent.path))?.isEmpty == true {
                    try fm.removeItem(at: parent)
                }
            } catch {
                throw TensorError("simulate: cannot remove earlier output \(url.path): \(error.localizedDescription)")
            }
            removed.append(url)
        }
        return removed
    }
}
