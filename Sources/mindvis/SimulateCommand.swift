import Foundation
import MindLua
import MindVis

extension Subcommand {
    static let simulate = Subcommand(
        name: "simulate",
        summary: "write the built-in simulated dataset in the GOD and HCP layouts",
        usage: """
            usage: mindvis simulate --out DIR [--preset default|small] [--seed N] [--subjects K] [--pool-size N]
                                    [--image-size S] [--force]

            Simulates a visual cortex viewing images (MindVis's built-in dataset) and writes it where the GOD and HCP
            loaders look for data (mv.data.GOD{path = "DIR/Kamitani/npz"}, mv.data.HCP{path = "DIR/HCP/npz"}):
              DIR/Kamitani/npz/sbj_K.npz, images_256.npz (images at the simulated size), imagenet_class_index.json,
                               imagenet_training_label.csv, imagenet_testing_label.csv (labels = simulated categories)
              DIR/HCP/npz/sim_NNNN/HCP_visual_voxel.npz (V1..V4, 1200 frames per pool subject)
            Each file is written atomically. DIR must be missing or empty unless --force is given; with --force the files
            are replaced and earlier simulator output that this run does not produce (sbj_K.npz of extra subjects,
            sim_NNNN pool subjects) is removed, so the loaders see exactly this dataset. The same flags give the same files.
              --out DIR         the folder to write (created if missing)
              --preset NAME     default: GOD and HCP sizes (3 subjects of ~4500 voxels, 1200 training images, 50 test
                                images x 35 repeats, a pool of 20,000 samples: about 4 GB); small: a quick demo (2 subjects
                                of ~220 voxels, 80 training images, 10 test images x 5 repeats, a pool of 240 samples)
              --seed N          seed of every random draw (default 2022)
              --subjects K      GOD-like subjects, 1 to 5 (default: 3, small: 2)
              --pool-size N     samples in the unlabelled pool, rounded up to whole subjects of 120; 0 for none
                                (default: 20000, small: 240)
              --image-size S    side of the stored images in pixels, 16 to 1024 (default 64)
              --force           write into a non-empty DIR
            """,
        run: runSimulate)

    private static func runSimulate(_ arguments: [String]) -> Int32 {
        let parsed: SubcommandArguments
        var config: SimulationConfig
        let preset: String
        do {
            parsed = try SubcommandArguments(arguments, valueOptions: [
                "--out": "a directory", "--preset": "a preset name", "--seed": "a number", "--subjects": "a number",
                "--pool-size": "a number", "--image-size": "a number",
            ], flagOptions: ["--force"])
            if parsed.wantsHelp {
                print(simulate.usage)
                return 0
            }
            guard parsed.positional.isEmpty else { throw UsageMessage("unexpected argument '\(parsed.positional[0])'") }
            preset = parsed.values["--preset"] ?? "default"
            guard SimulationConfig.presetNames.contains(preset) else {
                throw UsageMessage("'--preset' must be one of \(SimulationConfig.presetNames.joined(separator: ", ")), got '\(preset)'")
            }
            config = try SimulationConfig.preset(preset)
            if let text = parsed.values["--seed"] {
                guard let seed = UInt64(text) else { throw UsageMessage("'--seed' must be a non-negative integer, got '\(text)'") }
                config.seed = seed
            }
            config.subjects = try integer(parsed, "--subjects", range: 1...config.voxelCounts.count) ?? config.subjects
            config.poolSize = try integer(parsed, "--pool-size", range: 0...SimulationConfig.maxPoolSize) ?? config.poolSize
            config.imageSize = try integer(parsed, "--image-size", range: 16...SimulationConfig.maxImageSize) ?? config.imageSize
            try config.validate()
        } catch let e as UsageMessage {
            return simulate.usageError(e.text)
        } catch {
            return simulate.usageError("\(error)")
        }
        guard let out = parsed.values["--out"] else { return simulate.usageError("--out DIR is required") }
        let root = URL(fileURLWithPath: out)
        if let problem = outputProblem(root, force: parsed.flags.contains("--force")) {
            fputs("mindvis simulate: \(problem)\n", stderr)
            return 1
        }
        do {
            // Before the simulation, so an unusable DIR fails at once.
            try SimulationFiles.createFolder(root)
        } catch {
            return failure(error)
        }

        // Ctrl-C stops before the next file (each file is written atomically); a second one ends the process at once.
        LuaInterrupt.flagOrEndOnInterrupt()
        let start = Date()
        print("simulating (preset \(preset), seed \(config.seed)): \(config.subjects) subjects, \(config.trainImageCount) training and "
              + "\(config.testCategories) test images of \(config.imageSize)x\(config.imageSize), \(config.poolSubjectCount) pool subjects")
        fflush(stdout)  // before the long part, so a log (or a pipe) shows what is running
        do {
            let dataset = try MindVis.simulate(config)
            let simulated = Date()
            let pool = dataset.pool.subjectNames.count
            let progress = pool > 0 ? Progress("pool", total: pool, unit: "subjects") : nil
            let report = try SimulationFiles.write(dataset, to: root, progress: progress, shouldStop: { LuaInterrupt.isRequested })
            let godFolder = SimulationFiles.godFolder(root).path
            print("wrote \(godFolder): \(report.god.map(\.url.lastPathComponent).joined(separator: ", ")) (\(bytes(report.god)))")
            if pool > 0 {
                let rois = zip(dataset.pool.roiNames, dataset.pool.roiVoxelCounts).map { "\($0) \($1)" }.joined(separator: ", ")
                print("wrote \(SimulationFiles.hcpFolder(root).path): \(pool) subjects (\(dataset.pool.subjectNames[0]) ... "
                      + "\(dataset.pool.subjectNames[pool - 1])), each \(SimulationFiles.hcpFileName) with "
                      + "\(dataset.pool.samplesPerSubject * dataset.pool.framesPerSample) frames of \(rois) voxels (\(bytes(report.hcp)))")
            }
            for url in report.removed { print("removed earlier output \(url.path)") }
            let end = Date()
            print(String(format: "done in %.1f s (stimuli and subjects %.1f s, files and pool %.1f s)",
                         end.timeIntervalSince(start), simulated.timeIntervalSince(start), end.timeIntervalSince(simulated)))
            return 0
        } catch {
            let status = failure(error)
            return LuaInterrupt.isRequested ? 130 : status
        }
    }

    /// Prints `mindvis simulate: <message>` (the simulator's errors already start with "simulate:"); returns 1.
    private static func failure(_ error: Error) -> Int32 {
        let message = "\(error)"
        fputs("mindvis " + (message.hasPrefix("simulate: ") ? message : "simulate: " + message) + "\n", stderr)
        return 1
    }

    /// The value of an integer option, if given, checked against `range`.
    private static func integer(_ parsed: SubcommandArguments, _ name: String, range: ClosedRange<Int>) throws -> Int? {
        guard let text = parsed.values[name] else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw UsageMessage("'\(name)' must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return value
    }

    /// Why `root` cannot receive the dataset, if it cannot: it is a file, or a non-empty folder without `force`.
    private static func outputProblem(_ root: URL, force: Bool) -> String? {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else { return "\(root.path) exists and is not a folder" }
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: root.path) else {
            return "cannot list the folder \(root.path)"
        }
        if entries.isEmpty || force { return nil }
        return "\(root.path) is not empty (\(entries.sorted().prefix(3).joined(separator: ", "))\(entries.count > 3 ? ", ..." : "")); "
            + "use --force to write into it, replacing earlier simulator output"
    }

    private static func bytes(_ files: [SimulationFiles.Written]) -> String {
        let total = Double(files.reduce(0) { $0 + $1.bytes })
        return total >= 1e9 ? String(format: "%.2f GB", total / 1e9) : String(format: "%.1f MB", total / 1e6)
    }
}
