import Foundation
import MindTensor
import MindVis
import XCTest

/// `mindvis simulate`: the built-in dataset written in the GOD and HCP layouts, read back by the loaders.
final class SimulateCommandTests: CLITestCase {
    func testWritesFoldersTheLoadersReadBack() throws {
        let run = try mindvis(["simulate", "--out", "data", "--preset", "small"])
        XCTAssertEqual(run.status, 0, run.stderr)
        XCTAssertTrue(run.stdout.contains("Kamitani/npz: sbj_1.npz, sbj_2.npz, images_256.npz"), run.stdout)
        XCTAssertTrue(run.stdout.contains("HCP/npz: 2 subjects (sim_0001 ... sim_0002)"), run.stdout)
        XCTAssertTrue(run.stdout.contains("done in "), run.stdout)
        XCTAssertTrue(run.stderr.contains("pool 2/2"), "progress on standard error: \(run.stderr)")

        let root = workDirectory.appendingPathComponent("data")
        let memory = try SimulatedData.make(SimulatedData.Options(["preset": .string("small")]))
        let (train, test) = try GODDataset.load(GODDataset.Options(path: root.appendingPathComponent("Kamitani/npz")))
        XCTAssertEqual(train.fmri.shape, [160, 224], "2 subjects × 80 trials, 223 voxels wrap-padded to 224")
        XCTAssertEqual(test.fmri.shape, [20, 224])
        XCTAssertEqual(try train.fmri.toArray(), try memory.train.fmri.toArray())
        XCTAssertEqual(try test.fmri.toArray(), try memory.test.fmri.toArray())
        XCTAssertEqual(train.imageIndex, memory.train.imageIndex)
        XCTAssertEqual(train.labels, memory.train.labels)
        XCTAssertEqual(train.labels, train.imageIndex?.map { $0 / 4 }, "labels are the simulated categories")
        XCTAssertEqual(test.labels, Array(20..<30) + Array(20..<30))
        XCTAssertEqual(train.images?.count, 80)
        XCTAssertEqual(train.images?.height, 64)
        XCTAssertEqual(train.images?.pixels, memory.dataset.trainImages)
        XCTAssertEqual(try train.item(17).image?.toArray(), try memory.train.item(17).image?.toArray(), "row 17 shows the same image")
        XCTAssertEqual(test.images?.pixels, memory.dataset.testImages)

        let pool = try HCPDataset.load(HCPDataset.Options(path: root.appendingPathComponent("HCP/npz")))
        let expectedPool = try XCTUnwrap(memory.pool)
        XCTAssertEqual(pool.fmri.shape, [240, 272], "2 subjects × 1200 frames in windows of 10; 259 voxels padded to 272")
        XCTAssertLessThan(try (pool.fmri - expectedPool.fmri).abs().max().item(), 1e-4)

        // A non-empty folder needs --force; then output this run does not produce is removed.
        let refused = try mindvis(["simulate", "--out", "data", "--preset", "small", "--subjects", "1", "--pool-size", "0"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("is not empty") && refused.stderr.contains("--force"), refused.stderr)
        // Files the simulator never writes are the user's: kept.
        let kept = ["sbj_1_backup.npz", "sbj_9.npz"].map { root.appendingPathComponent("Kamitani/npz/" + $0) }
        for url in kept { try Data("mine".utf8).write(to: url) }
        // The temporary file of a writer that was killed (AtomicFile's name) goes with --force.
        let orphan = root.appendingPathComponent("HCP/npz/sim_0001/.HCP_visual_voxel.npz.4242.0.tmp")
        try Data("half".utf8).write(to: orphan)
        let forced = try mindvis(["simulate", "--out", "data", "--preset", "small", "--subjects", "1", "--pool-size", "0", "--force"])
        XCTAssertEqual(forced.status, 0, forced.stderr)
        XCTAssertTrue(forced.stdout.contains("removed earlier output \(root.path)/Kamitani/npz/sbj_2.npz"), forced.stdout)
        for url in kept { XCTAssertTrue(FileManager.default.fileExists(atPath: url.path), "\(url.lastPathComponent) kept: \(forced.stdout)") }
        // ... and not read as subjects: sbj_1_backup.npz is no subject file (sbj_9.npz would be one, so it goes).
        try FileManager.default.removeItem(at: kept[1])
        XCTAssertTrue(forced.stdout.contains("removed earlier output \(root.path)/HCP/npz/sim_0002/HCP_visual_voxel.npz"), forced.stdout)
        XCTAssertTrue(forced.stdout.contains("removed earlier output \(orphan.path)"), forced.stdout)
        XCTAssertFalse(FileManager.default.fileExists(atPath: orphan.path))
        XCTAssertEqual(try GODDataset.load(GODDataset.Options(path: root.appendingPathComponent("Kamitani/npz"))).train.count, 80)
        XCTAssertThrowsError(try HCPDataset.load(HCPDataset.Options(path: root.appendingPathComponent("HCP/npz"))), "no pool subjects left")
    }

    /// Ctrl-C stops before the next file: every file written is complete, no temporary file is left, the exit status
    /// is 130 and the message says the folder holds a partial simulation (it used to die at once, mid-file).
    func testCtrlCStopsBetweenFiles() throws {
        let run = try interruptAfter("simulating", ["simulate", "--out", "partial", "--preset", "small", "--pool-size", "400"])
        XCTAssertEqual(run.reason, .exit, run.stderr)
        XCTAssertEqual(run.status, 130, run.stderr)
        XCTAssertTrue(run.stderr.contains("holds a partial simulation (every file in it is complete): run again with --force"), run.stderr)
        let files = FileManager.default.enumerator(atPath: workDirectory.appendingPathComponent("partial").path)?.allObjects as? [String] ?? []
        XCTAssertFalse(files.contains { $0.hasSuffix(".tmp") }, "\(files)")
    }

    func testUsageErrorsExitWith2() throws {
        for (arguments, message) in [
            (["--out", "x", "--sed", "3"], "unrecognized option '--sed' (did you mean '--seed'?)"),
            (["--preset", "small"], "--out DIR is required"),
            (["--out", "x", "--preset", "huge"], "'--preset' must be one of default, small, got 'huge'"),
            (["--out", "x", "--subjects", "9"], "'--subjects' must be an integer in 1...5, got '9'"),
            (["--out", "x", "--image-size", "big"], "'--image-size' must be an integer in 16...1024, got 'big'"),
            (["--out", "x", "--seed", "-1"], "'--seed' must be a non-negative integer, got '-1'"),
            (["--out", "x", "extra"], "unexpected argument 'extra'"),
            (["--out"], "'--out' needs a directory"),
        ] {
            let run = try mindvis(["simulate"] + arguments)
            XCTAssertEqual(run.status, 2, "\(arguments)")
            XCTAssertTrue(run.stderr.hasPrefix("mindvis simulate: " + message), run.stderr)
            XCTAssertTrue(run.stderr.contains("usage: mindvis simulate --out DIR"), run.stderr)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("x").path), "nothing written")
        let help = try mindvis(["simulate", "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("--pool-size N"), help.stdout)
        XCTAssertTrue(try mindvis(["--help"]).stdout.contains("simulate"))
    }

    func testUnusableOutputFolderExitsWith1() throws {
        try writeFile("blocker", "a file, not a folder")
        let underFile = try mindvis(["simulate", "--out", "blocker/data", "--preset", "small"])
        XCTAssertEqual(underFile.status, 1)
        XCTAssertTrue(underFile.stderr.hasPrefix("mindvis simulate: cannot create the folder"), underFile.stderr)
        XCTAssertTrue(underFile.stderr.contains("blocker/data: \(workDirectory.path)/blocker is a file, not a folder"), underFile.stderr)
        let isFile = try mindvis(["simulate", "--out", "blocker", "--preset", "small"])
        XCTAssertEqual(isFile.status, 1)
        XCTAssertTrue(isFile.stderr.contains("blocker exists and is not a folder"), isFile.stderr)
    }
}
