import Foundation
import XCTest
@testable import MindVis
import MindTensor

/// The simulated dataset as MindVis datasets (in memory) and as files in the GOD and HCP layouts.
final class SimulationDataTests: XCTestCase {
    func testOptionsFromConfigKeys() throws {
        let o = try SimulatedData.Options(["preset": .string("small"), "seed": .int(7), "pool_size": .int(0), "roi": .string("V1"),
                                           "single_trials": .bool(true), "patch_size": .int(8), "normalize": .string("reference"),
                                           "noise_level": .double(0.5)])
        var expected = try SimulationConfig.preset("small")
        expected.seed = 7
        expected.poolSize = 0
        expected.noiseLevel = 0.5
        XCTAssertEqual(o.simulation, expected)
        XCTAssertEqual(o.roi, "V1")
        XCTAssertTrue(o.singleTrials)
        XCTAssertEqual(o.patchSize, 8)
        XCTAssertEqual(o.normalize, .reference)
        XCTAssertEqual(try SimulatedData.Options([:]).simulation, SimulationConfig())

        func rejects(_ values: [String: ConfigValue], _ fragments: [String]) {
            assertThrowsMessage(fragments) { _ = try SimulatedData.Options(values) }
        }
        rejects(["subjcts": .int(2)], ["simulate: unknown key 'subjcts' (did you mean 'subjects'?)"])
        rejects(["subject": .string("sbj_9")], ["no subject 'sbj_9'"])
        rejects(["preset": .string("huge")], ["'preset' must be one of default, small, got 'huge'"])
        rejects(["subjects": .int(9)], ["'subjects' must be in 1...5, got 9"])
        rejects(["roi": .string("V5")], ["'roi' must be one of V1, V2, V3, V4, FFA, PPA, LOC, LVC, HVC, VC"])
        rejects(["seed": .string("x")], ["'seed' must be an integer"])
        rejects(["normalize": .string("z")], ["normalize must be \"corrected\" or \"reference\""])
        rejects(["voxel_scale": .double(0.001)], ["subject 1 gets 4 voxels"])
    }

    /// Shapes, labels, image pairing and GOD/HCP-style normalisation of the in-memory datasets.
    func testInMemoryDatasets() throws {
        let d = SimulationTestData.small
        var options = SimulatedData.Options(simulation: d.config)
        options.singleTrials = true
        let data = try SimulatedData(dataset: d, options: options)
        let widths = d.subjects.map { $0.voxelCount + 16 - $0.voxelCount % 16 }
        let width = widths.max()!
        XCTAssertEqual(data.train.fmri.shape, [160, width])
        XCTAssertEqual(data.test.fmri.shape, [20, width])
        XCTAssertEqual(data.testSingle?.fmri.shape, [100, width])
        XCTAssertEqual(data.train.imageIndex, d.subjects[0].trainImageIndex + d.subjects[1].trainImageIndex)
        XCTAssertEqual(data.train.labels, data.train.imageIndex!.map { $0 / 4 }, "category-major images, 4 exemplars each")
        XCTAssertEqual(data.test.imageIndex, Array(0..<10) + Array(0..<10))
        XCTAssertEqual(data.test.labels, Array(20..<30) + Array(20..<30), "test categories follow the training ones")
        XCTAssertEqual(data.testSingle?.imageIndex, d.subjects[0].testSingleLabels + d.subjects[1].testSingleLabels)
        XCTAssertEqual(data.train.images?.pixels, d.trainImages)
        XCTAssertEqual(data.test.images?.pixels, d.testImages)
        XCTAssertEqual(try data.train.item(5).label, d.trainCategory[d.subjects[0].trainImageIndex[5]])

        // Subject 2's rows: z-scored with its own training statistics, padded by wrapping its first columns.
        let s = d.subjects[1]
        let v = s.voxelCount
        let info = Dictionary(uniqueKeysWithValues: data.train.info)
        guard case .double(let mean)? = info["sbj_2_train_mean"], case .double(let std)? = info["sbj_2_train_std"] else {
            return XCTFail("statistics of sbj_2 missing from \(data.train.info)")
        }
        let train = try data.train.fmri.toArray(), test = try data.test.fmri.toArray(), single = try data.testSingle!.fmri.toArray()
        for (row, column) in [(0, 0), (7, 100), (79, v - 1), (3, v + 2)] {
            let source = column % v
            let expected = (Double(s.trainFMRI[row * v + source]) - mean) / std
            XCTAssertEqual(Double(train[(80 + row) * width + column]), expected, accuracy: 1e-4)
            let expectedTest = (Double(s.testFMRIAverage[(row % 10) * v + source]) - mean) / std
            XCTAssertEqual(Double(test[(10 + row % 10) * width + column]), expectedTest, accuracy: 1e-4, "test rows use the training statistics")
            let expectedSingle = (Double(s.testFMRISingle[(row % 50) * v + source]) - mean) / std
            XCTAssertEqual(Double(single[(50 + row % 50) * width + column]), expectedSingle, accuracy: 1e-4)
        }

        // The pool: every subject's block z-scored on its own, like the HCP loader.
        let pool = try XCTUnwrap(data.pool)
        let poolWidth = d.pool.voxelCount + 16 - d.pool.voxelCount % 16
        XCTAssertEqual(pool.fmri.shape, [240, poolWidth])
        XCTAssertNil(pool.labels)
        let values = try pool.fmri.toArray()
        for block in 0..<2 {
            let part = values[(block * 120 * poolWidth)..<((block + 1) * 120 * poolWidth)].map(Double.init)
            let m = part.reduce(0, +) / Double(part.count)
            let sd = (part.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(part.count)).squareRoot()
            XCTAssertEqual(m, 0, accuracy: 1e-4)
            XCTAssertEqual(sd, 1, accuracy: 1e-4)
        }
        let raw = try d.pool.samples(subject: 1)
        let z = Array(values[(120 * poolWidth)..<(240 * poolWidth)])
        // z = (x − m) / s is affine in x: check it on two entries of the raw samples.
        let (a, b) = (raw[0], raw[5 * d.pool.voxelCount + 9])
        let (za, zb) = (z[0], z[5 * poolWidth + 9])
        XCTAssertEqual(Double((zb - za) / (b - a)), Double(z[1] - za) / Double(raw[1] - a), accuracy: 1e-3)

        var v1 = options
        v1.roi = "V1"
        v1.singleTrials = false
        let roiData = try SimulatedData(dataset: d, options: v1)
        let v1Count = d.subjects.map { $0.mask("V1")!.filter { $0 }.count }.max()!
        XCTAssertEqual(roiData.train.fmri.shape, [160, v1Count + 16 - v1Count % 16])
        XCTAssertNil(roiData.testSingle)
    }

    func testMakeWithoutPool() throws {
        let data = try SimulatedData.make(SimulatedData.Options([
            "preset": .string("small"), "subjects": .int(1), "pool_size": .int(0), "train_categories": .int(5),
            "exemplars_per_category": .int(2), "test_categories": .int(3), "test_repeats": .int(2), "image_size": .int(32),
        ]))
        XCTAssertNil(data.pool)
        XCTAssertEqual(data.train.count, 10)
        XCTAssertEqual(data.test.count, 3)
        XCTAssertEqual(data.train.images?.height, 32)
        XCTAssertEqual(data.test.labels, [5, 6, 7])
    }

    /// Written files read back through the GOD and HCP loaders give the in-memory datasets; earlier simulator
    /// output that the dataset does not have is removed, other files are left alone.
    func testFilesReadBackThroughTheLoaders() throws {
        let d = SimulationTestData.small
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("mindvis-sim-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let god = SimulationFiles.godFolder(root), hcp = SimulationFiles.hcpFolder(root)
        for folder in [god, hcp.appendingPathComponent("sim_0042"), hcp.appendingPathComponent("100206")] {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        }
        let stale = [god.appendingPathComponent("sbj_4.npz"), hcp.appendingPathComponent("sim_0042/HCP_visual_voxel.npz")]
        let kept = [god.appendingPathComponent("notes.txt"), hcp.appendingPathComponent("100206/notes.txt")]
        for url in stale + kept { try Data("x".utf8).write(to: url) }

        let report = try SimulationFiles.write(d, to: root)
        XCTAssertEqual(report.god.map(\.url.lastPathComponent),
                       ["sbj_1.npz", "sbj_2.npz", "images_256.npz", "imagenet_class_index.json",
                        "imagenet_training_label.csv", "imagenet_testing_label.csv"])
        XCTAssertEqual(report.hcp.map { $0.url.deletingLastPathComponent().lastPathComponent }, ["sim_0001", "sim_0002"])
        XCTAssertTrue(report.god.allSatisfy { $0.bytes > 0 })
        XCTAssertEqual(report.removed.map(\.path), stale.map(\.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: hcp.appendingPathComponent("sim_0042").path), "emptied folder removed")
        for url in kept { XCTAssertTrue(FileManager.default.fileExists(atPath: url.path), url.path) }

        let memory = try SimulatedData(dataset: d, options: SimulatedData.Options(simulation: d.config))
        let (train, test) = try GODDataset.load(GODDataset.Options(path: god))
        XCTAssertEqual(try train.fmri.toArray(), try memory.train.fmri.toArray())
        XCTAssertEqual(try test.fmri.toArray(), try memory.test.fmri.toArray())
        XCTAssertEqual(train.imageIndex, memory.train.imageIndex)
        XCTAssertEqual(train.labels, memory.train.labels, "label files carry the simulated categories")
        XCTAssertEqual(test.labels, memory.test.labels)
        XCTAssertEqual(train.images?.pixels, d.trainImages)
        XCTAssertEqual(test.images?.pixels, d.testImages)

        let pool = try HCPDataset.load(HCPDataset.Options(path: hcp))
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: pool.info)["subjects"], .list([.string("sim_0001"), .string("sim_0002")]))
        let expected = try XCTUnwrap(memory.pool)
        XCTAssertEqual(pool.fmri.shape, expected.fmri.shape)
        XCTAssertLessThan(try (pool.fmri - expected.fmri).abs().max().item(), 1e-4, "frame windows average back to the samples")
    }

    func testWritingNeedsHCPFrameWindows() {
        assertThrowsMessage(["windows of 10 frames", "5 frames per sample"]) {
            _ = try SimulationFiles.write(SimulationTestData.tiny, to: FileManager.default.temporaryDirectory.appendingPathComponent("unused"))
        }
    }
}
