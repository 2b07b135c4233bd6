import Foundation
import MindIO
import MindTensor
import XCTest
@testable import MindVis

/// Each loader against what the reference loaders return for the miniature folders.
final class DatasetLoaderTests: XCTestCase {
    func assertImages(_ ds: FMRIDataset, equal expected: NDArray, _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let images = try XCTUnwrap(ds.images), index = try XCTUnwrap(ds.imageIndex)
        XCTAssertEqual(try images.subset(index).array, expected, message, file: file, line: line)
    }

    func assertFMRI(_ t: Tensor, equal expected: NDArray, _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(t.shape, expected.shape, message, file: file, line: line)
        XCTAssertLessThan(try relativeError(t, expected.tensor()), 1e-5, message, file: file, line: line)
    }

    func godOptions(subjects: [String], nonavg: Bool = false, normalize: TestNormalization = .reference) throws -> GODDataset.Options {
        var o = GODDataset.Options(path: try Fixtures.url("datasets/Kamitani/npz"))
        (o.subjects, o.includeNonavgTest, o.normalize) = (subjects, nonavg, normalize)
        return o
    }

    func testGODMatchesReference() throws {
        let expected = try Fixtures.npz("datasets/expected_god.npz")
        let (train, test) = try GODDataset.load(godOptions(subjects: ["sbj_1", "sbj_3"]))
        try assertFMRI(train.fmri, equal: XCTUnwrap(expected["train_fmri"]), "GOD train fmri")
        try assertFMRI(test.fmri, equal: XCTUnwrap(expected["test_fmri"]), "GOD test fmri")
        try assertImages(train, equal: XCTUnwrap(expected["train_image"]), "GOD train pairing")
        try assertImages(test, equal: XCTUnwrap(expected["test_image"]), "GOD test pairing")
        // Labels from the CSVs: training images are n01440764..n01440849 (classes 0-5), test images classes 8-10.
        XCTAssertEqual(train.labels?.count, 20)
        let firstImage = try XCTUnwrap(train.imageIndex?[0])
        XCTAssertEqual(train.labels?[0], firstImage)
        XCTAssertEqual(test.labels, [8, 9, 10, 8, 9, 10])
        // Single test trials follow the averages and are paired with the image they showed.
        let nonavg = try Fixtures.npz("datasets/expected_god_sbj3_nonavg.npz")
        let (train3, test3) = try GODDataset.load(godOptions(subjects: ["sbj_3"], nonavg: true))
        try assertFMRI(train3.fmri, equal: XCTUnwrap(nonavg["train_fmri"]), "sbj_3 train")
        try assertFMRI(test3.fmri, equal: XCTUnwrap(nonavg["test_fmri"]), "sbj_3 test with single trials")
        XCTAssertEqual(test3.imageIndex, [0, 1, 2, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2])
    }

    func testGODCorrectedNormalisationUsesRawTrainStatistics() throws {
        let (trainRef, testRef) = try GODDataset.load(godOptions(subjects: ["sbj_3"]))
        let (train, test) = try GODDataset.load(godOptions(subjects: ["sbj_3"], normalize: .corrected))
        XCTAssertEqual(try train.fmri.toArray(), try trainRef.fmri.toArray(), "training rows are the same in both modes")
        // Recover the raw test matrix from the reference mode (which normalises with ≈(0, 1) stats).
        let (m2, s2) = try VoxelLayout.scalarMoments(trainRef.fmri)
        let raw = try testRef.fmri * s2 + m2
        let stats = Dictionary(train.info.map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
        guard case .double(let mean)? = stats["sbj_3_train_mean"], case .double(let std)? = stats["sbj_3_train_std"] else {
            return XCTFail("training statistics are recorded in info")
        }
        let expected = try (raw - Float(mean)) / Float(std)
        XCTAssertLessThan(try relativeError(test.fmri, expected), 1e-5)
        XCTAssertGreaterThan(try relativeError(test.fmri, testRef.fmri), 0.05, "the two modes really differ")
    }

    func testBOLD5000MatchesReference() throws {
        let expected = try Fixtures.npz("datasets/expected_bold5000.npz")
        var o = BOLD5000Dataset.Options(path: try Fixtures.url("datasets/BOLD5000"))
        o.normalize = .reference
        let (train, test) = try BOLD5000Dataset.load(o)
        try assertFMRI(train.fmri, equal: XCTUnwrap(expected["train_fmri"]), "BOLD5000 train")
        try assertFMRI(test.fmri, equal: XCTUnwrap(expected["test_fmri"]), "BOLD5000 test")
        try assertImages(train, equal: XCTUnwrap(expected["train_image"]), "BOLD5000 train pairing")
        try assertImages(test, equal: XCTUnwrap(expected["test_image"]), "BOLD5000 test pairing")
        o.normalize = .corrected
        let (trainC, _) = try BOLD5000Dataset.load(o)
        let (m, s) = try VoxelLayout.scalarMoments(trainC.fmri)
        XCTAssertEqual(m, 0, accuracy: 1e-5, "corrected mode z-scores with training trials only")
        XCTAssertEqual(s, 1, accuracy: 1e-5)
    }

    func testHCPMatchesReferencePerSubjectBlock() throws {
        let expected = try Fixtures.npz("datasets/expected_hcp.npz")
        let ds = try HCPDataset.load(HCPDataset.Options(path: Fixtures.url("datasets/HCP/npz")))
        let data = try XCTUnwrap(expected["data"]).tensor().reshape([240, 48])
        // Expected order is the file system's listing; ours is sorted. Compare subject blocks.
        let order = try NPZ.read(contentsOf: Fixtures.url("datasets/expected_hcp.npz")).strings("listdir_order")
        let ours = ["100206", "100307"]
        for (k, sub) in order.enumerated() {
            let j = try XCTUnwrap(ours.firstIndex(of: sub))
            XCTAssertLessThan(try relativeError(ds.fmri.narrow(0, start: 120 * j, length: 120), data.narrow(0, start: 120 * k, length: 120)), 1e-5, sub)
        }
        XCTAssertNil(ds.images)
    }

    /// Subject files are taken by their number (sbj_2 before sbj_10), and only files named sbj_<number>.npz.
    func testGODSubjectsInNumberOrder() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("god-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: try Fixtures.url("datasets/Kamitani/npz/images_256.npz"), to: dir.appendingPathComponent("images_256.npz"))
        for name in ["sbj_10.npz", "sbj_2.npz", "sbj_1_backup.npz", "sbj_0.npz", "sbj_.npz"] {
            try Data().write(to: dir.appendingPathComponent(name))
        }
        var o = GODDataset.Options(path: dir)
        o.subjects = ["sbj_9"]
        assertThrowsMessage(["sbj_9.npz does not exist", "(subjects here: sbj_2, sbj_10)"]) { _ = try GODDataset.load(o) }
        XCTAssertEqual(DatasetFiles.byNumber(["sbj_10", "sbj_9", "sbj_1", "sbj_x"], prefix: "sbj_", suffix: ""), ["sbj_1", "sbj_9", "sbj_10"])
    }

    func testLoaderErrorsNameTheFileAndTheProblem() throws {
        var o = try godOptions(subjects: ["sbj_9"])
        assertThrowsMessage(["sbj_9.npz does not exist", "sbj_1, sbj_3"]) { _ = try GODDataset.load(o) }
        o.subjects = ["sbj_3"]
        o.roi = "V7"
        assertThrowsMessage(["sbj_3.npz has no ROI 'V7'", "VC"]) { _ = try GODDataset.load(o) }
        assertThrowsMessage(["folder", "does not exist"]) { _ = try GODDataset.load(GODDataset.Options(path: URL(fileURLWithPath: "/nonexistent"))) }
        assertThrowsMessage(["unknown key 'subject'", "did you mean 'subjects'"]) { _ = try GODDataset.Options(["subject": .string("sbj_3")]) }
        assertThrowsMessage(["normalize must be"]) { _ = try GODDataset.Options(["normalize": .string("fixed")]) }

        // A folder whose arrays disagree: arr_3 (image per training row) has the wrong length.
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("god-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let source = try Fixtures.url("datasets/Kamitani/npz")
        try FileManager.default.copyItem(at: source.appendingPathComponent("images_256.npz"), to: dir.appendingPathComponent("images_256.npz"))
        let original = try NPZ.read(contentsOf: source.appendingPathComponent("sbj_3.npz"))
        var arrays: [NamedArray] = []
        for (name, value) in original.entries {
            guard case .array(let a) = value else { continue }
            arrays.append((name, name == "arr_3" ? try NDArray(int64s: [0, 1, 2], shape: [3]) : a))
        }
        try NPZ.write(arrays, to: dir.appendingPathComponent("sbj_3.npz"))
        assertThrowsMessage(["sbj_3.npz/arr_3", "3 entries, expected 10"]) { _ = try GODDataset.load(GODDataset.Options(path: dir)) }
        // Image indices stored as a float that is not a whole number: the message names the file and array.
        arrays = try original.entries.compactMap { name, value in
            guard case .array(let a) = value else { return nil }
            guard name == "arr_3" else { return (name, a) }
            var index = try a.int64s().map(Double.init)
            index[0] = 1.5
            return (name, try NDArray(doubles: index, shape: a.shape))
        }
        try NPZ.write(arrays, to: dir.appendingPathComponent("sbj_3.npz"))
        assertThrowsMessage(["sbj_3.npz/arr_3: expected whole numbers (image indices)", "1.5"]) { _ = try GODDataset.load(GODDataset.Options(path: dir)) }
        // An image index outside the images, with the label files present (labels are looked up through the index).
        for file in ["imagenet_class_index.json", "imagenet_training_label.csv", "imagenet_testing_label.csv"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(file), to: dir.appendingPathComponent(file))
        }
        for bad in [99, -1] {
            arrays = try original.entries.compactMap { name, value in
                guard case .array(let a) = value else { return nil }
                guard name == "arr_3" else { return (name, a) }
                var index = try a.int64s()
                index[0] = Int64(bad)
                return (name, try NDArray(int64s: index, shape: a.shape))
            }
            try NPZ.write(arrays, to: dir.appendingPathComponent("sbj_3.npz"))
            assertThrowsMessage(["GOD train: image index \(bad) is out of range"]) { _ = try GODDataset.load(GODDataset.Options(path: dir)) }
        }
        // A non-finite value in the test averages (arr_2), which normalisation alone would let through.
        arrays = try original.entries.compactMap { name, value in
            guard case .array(let a) = value else { return nil }
            guard name == "arr_2" else { return (name, a) }
            var values = a.floats()
            values[a.shape[1] + 2] = .infinity
            return (name, try NDArray(floats: values, shape: a.shape))
        }
        try NPZ.write(arrays, to: dir.appendingPathComponent("sbj_3.npz"))
        assertThrowsMessage(["sbj_3.npz/arr_2: sample 2, voxel 3 is inf (counting from 1); fMRI values must be finite"]) {
            _ = try GODDataset.load(GODDataset.Options(path: dir))
        }

        // Fewer averaged test responses than test images: row j pairs with image j, so a short arr_2 would shift the
        // pairings (it was accepted, and paired with the first images).
        arrays = try original.entries.compactMap { name, value in
            guard case .array(let a) = value else { return nil }
            guard name == "arr_2" else { return (name, a) }
            let rows = a.shape[0] - 1
            return (name, try NDArray(floats: Array(a.floats().prefix(rows * a.shape[1])), shape: [rows, a.shape[1]]))
        }
        try NPZ.write(arrays, to: dir.appendingPathComponent("sbj_3.npz"))
        assertThrowsMessage(["sbj_3.npz/arr_2 has", "averaged test responses for", "test images (row j pairs with test image j)"]) {
            _ = try GODDataset.load(GODDataset.Options(path: dir))
        }

        // Test averages with fewer voxels than the training trials.
        arrays = try original.entries.compactMap { name, value in
            guard case .array(let a) = value else { return nil }
            guard name == "arr_2" else { return (name, a) }
            let (rows, columns) = (a.shape[0], a.shape[1] - 1)
            let values = a.floats()
            return (name, try NDArray(floats: (0..<rows).flatMap { r in values[(r * a.shape[1])..<(r * a.shape[1] + columns)] }, shape: [rows, columns]))
        }
        try NPZ.write(arrays, to: dir.appendingPathComponent("sbj_3.npz"))
        assertThrowsMessage(["GOD: sbj_3.npz test arrays have", "voxels, arr_0 has"]) { _ = try GODDataset.load(GODDataset.Options(path: dir)) }
        // Constant training fMRI cannot be z-scored: the error names the subject's file.
        arrays = try original.entries.compactMap { name, value in
            guard case .array(let a) = value else { return nil }
            guard name == "arr_0" else { return (name, a) }
            return (name, try NDArray(floats: [Float](repeating: 1, count: a.floats().count), shape: a.shape))
        }
        try NPZ.write(arrays, to: dir.appendingPathComponent("sbj_3.npz"))
        assertThrowsMessage(["GOD: sbj_3.npz: normalize: standard deviation must be positive, got 0.0 (every value is the same)"]) {
            _ = try GODDataset.load(GODDataset.Options(path: dir))
        }

        var h = HCPDataset.Options(path: try Fixtures.url("datasets/HCP/npz"))
        h.roi = "V9"
        assertThrowsMessage(["has no ROI 'V9'"]) { _ = try HCPDataset.load(h) }
    }

    /// A missing hemisphere's ROI file (the subject silently had fewer voxels) and an empty subject list.
    func testBOLD5000NeedsEveryROIFileAndASubject() throws {
        let source = try Fixtures.url("datasets/BOLD5000")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bold-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(at: source, to: dir)
        var o = BOLD5000Dataset.Options(path: dir)
        o.subjects = []
        assertThrowsMessage(["BOLD5000: subjects is empty"]) { _ = try BOLD5000Dataset.load(o) }
        o.subjects = ["CSI1"]
        let betas = dir.appendingPathComponent("BOLD5000_GLMsingle_ROI_betas/py")
        try FileManager.default.removeItem(at: betas.appendingPathComponent("CSI1_GLMbetas-TYPED-FITHRF-GLMDENOISE-RR_allses_LHOPA.npy"))
        assertThrowsMessage(["BOLD5000: CSI1 has no LHOPA beta file"]) { _ = try BOLD5000Dataset.load(o) }
    }

    /// The test set is exactly the repeated-stimuli list: a name matching no image (its trials went to training) or a
    /// name given twice (a second test item) is an error.
    func testBOLD5000RepeatedListMustNameEachImageOnce() throws {
        let dir = try temporaryDirectory().appendingPathComponent("BOLD5000")
        try FileManager.default.copyItem(at: try Fixtures.url("datasets/BOLD5000"), to: dir)
        let list = dir.appendingPathComponent(BOLD5000Dataset.repeatedFile)
        let names = try String(contentsOf: list, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
        var o = BOLD5000Dataset.Options(path: dir)
        o.subjects = ["CSI1"]
        try ([names[0], "CXCO" + names[1].dropFirst(4)] + names.dropFirst(2)).joined(separator: "\n").write(to: list, atomically: true, encoding: .utf8)
        assertThrowsMessage(["repeated_stimuli_113_list.txt names 'CXCO", "which is not in", "img_dict.npy"]) { _ = try BOLD5000Dataset.load(o) }
        try ([names[0], names[0]] + names.dropFirst(1)).joined(separator: "\n").write(to: list, atomically: true, encoding: .utf8)
        assertThrowsMessage(["repeated_stimuli_113_list.txt names '\(names[0])' twice"]) { _ = try BOLD5000Dataset.load(o) }
    }

    /// Optional GOD files: absent means no labels, but a link to nothing or a label row cut short is an error.
    func testGODLabelFilesDamagedAreErrors() throws {
        let dir = try temporaryDirectory()
        let source = try Fixtures.url("datasets/Kamitani/npz")
        for name in ["images_256.npz", "sbj_3.npz", "imagenet_class_index.json", "imagenet_training_label.csv", "imagenet_testing_label.csv"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(name), to: dir.appendingPathComponent(name))
        }
        let o = GODDataset.Options(path: dir)
        XCTAssertNotNil(try GODDataset.load(o).train.labels, "the copy loads with labels")
        let csv = dir.appendingPathComponent("imagenet_testing_label.csv")
        let rows = try String(contentsOf: csv, encoding: .utf8).split(whereSeparator: \.isNewline).map(String.init)
        try (rows.dropLast() + [String(rows.last!.prefix(3))]).joined(separator: "\n").write(to: csv, atomically: true, encoding: .utf8)
        assertThrowsMessage(["imagenet_testing_label.csv: row '\(rows.last!.prefix(3))' does not start with <WordNet offset>.<image number>"]) {
            _ = try GODDataset.load(o)
        }
        try FileManager.default.removeItem(at: csv)
        XCTAssertNil(try GODDataset.load(o).test.labels, "an absent label file: no labels")
        try FileManager.default.createSymbolicLink(atPath: csv.path, withDestinationPath: dir.appendingPathComponent("gone.csv").path)
        assertThrowsMessage(["imagenet_testing_label.csv is a symbolic link to nothing"]) { _ = try GODDataset.load(o) }
    }

    func testDatasetObjectBatchesPaddingAndItems() throws {
        let (train, _) = try GODDataset.load(godOptions(subjects: ["sbj_1", "sbj_3"]))
        XCTAssertEqual(train.count, 20)
        XCTAssertEqual(train.voxelCount, 48)
        let item = try train.item(3)
        XCTAssertEqual(item.fmri.shape, [48])
        XCTAssertEqual(item.image?.shape, [256, 256, 3])
        XCTAssertTrue(try item.image!.toArray().allSatisfy { $0 >= 0 && $0 <= 1 })
        let batches = try train.batches(size: 8, shuffle: true, dropLast: false, generator: Generator(seed: 1))
        XCTAssertEqual(batches.map(\.count), [8, 8, 4])
        XCTAssertEqual(Set(batches.flatMap { $0 }), Set(0..<20))
        XCTAssertEqual(try train.batches(size: 8, shuffle: true, dropLast: false, generator: Generator(seed: 1)), batches, "seeded")
        XCTAssertEqual(try train.batches(size: 8, shuffle: false, dropLast: true, generator: Generator(seed: 1)).map(\.count), [8, 8])
        let padded = try train.padded(to: 64)
        XCTAssertEqual(padded.voxelCount, 64)
        XCTAssertEqual(try padded.fmri.narrow(1, start: 48, length: 16).toArray(), try train.fmri.narrow(1, start: 0, length: 16).toArray())
        XCTAssertEqual(try train.cropped(to: 32).voxelCount, 32)
        assertThrowsMessage(["cannot crop 48 voxels to 64"]) { _ = try train.cropped(to: 64) }
        assertThrowsMessage(["index 20 is out of range"]) { _ = try train.item(20) }
    }
}
