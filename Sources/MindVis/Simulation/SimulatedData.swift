import MindTensor

/// MindVis's built-in dataset as ready-to-use datasets, built in memory (what `mv.data.simulate{...}` returns).
/// The labelled experiment is prepared as `GODDataset.load` prepares GOD (ROI columns, wrap-padding to the
/// patch size, GOD-style normalisation, subjects concatenated) and the unlabelled pool as `HCPDataset.load`
/// prepares HCP (per-subject padding and z-scoring). Writing the same configuration with
/// `SimulationFiles.write` and reading it back with those loaders gives the same matrices (the pool up to the
/// float rounding of its frame averages).
public struct SimulatedData {
    public struct Options {
        public var simulation: SimulationConfig
        public var patchSize = 16
        /// ROI of the labelled subjects (one of `SimulatedSubject.roiNames`). The pool always uses all of
        /// V1–V4, as the reference pre-trains on HCP's VC.
        public var roi = "VC"
        public var normalize = TestNormalization.corrected
        /// Also build `testSingle`: every single test trial, paired with the image it showed.
        public var singleTrials = false
        /// Build the labelled datasets from this subject only (e.g. "sbj_3", MinD-Vis's target subject);
        /// nil: all subjects, concatenated.
        public var subject: String?

        public init(simulation: SimulationConfig = SimulationConfig()) {
            self.simulation = simulation
        }

        /// From snake_case config keys; unknown keys are errors naming the closest valid key. `preset`
        /// ("default" or "small") is applied first and the other keys override it.
        public init(_ values: [String: ConfigValue]) throws {
            var r = ConfigReader(values, context: "simulate")
            var c = try SimulationConfig.preset(r.string("preset", "default", allowed: SimulationConfig.presetNames))
            c.seed = UInt64(try r.int("seed", Int(c.seed), range: 0...Int.max))
            c.subjects = try r.int("subjects", c.subjects, range: 1...c.voxelCounts.count)
            c.imageSize = try r.int("image_size", c.imageSize, range: 16...SimulationConfig.maxImageSize)
            c.trainCategories = try r.int("train_categories", c.trainCategories, range: 1...StimulusDesign.categoryCount)
            c.exemplarsPerCategory = try r.int("exemplars_per_category", c.exemplarsPerCategory, range: 1...1000)
            c.testCategories = try r.int("test_categories", c.testCategories, range: 1...StimulusDesign.categoryCount)
            c.testRepeats = try r.int("test_repeats", c.testRepeats, range: 2...1000)
            c.voxelScale = try r.double("voxel_scale", c.voxelScale, range: 1e-6...100)
            c.noiseLevel = try r.double("noise_level", c.noiseLevel, range: 0...100)
            c.spontaneousLevel = try r.double("spontaneous_level", c.spontaneousLevel, range: 0...100)
            c.poolSize = try r.int("pool_size", c.poolSize, range: 0...SimulationConfig.maxPoolSize)
            c.poolSamplesPerSubject = try r.int("pool_samples_per_subject", c.poolSamplesPerSubject, range: 1...100_000)
            simulation = c
            patchSize = try r.int("patch_size", 16, range: 1...4096)
            roi = try r.string("roi", "VC", allowed: SimulatedSubject.roiNames)
            normalize = try TestNormalization.parse(try r.string("normalize", "corrected"), context: "simulate")
            singleTrials = try r.bool("single_trials", false)
            subject = try r.optionalString("subject")
            try r.finish()
            let names = (1...c.subjects).map { "sbj_\($0)" }
            if let s = subject, !names.contains(s) {
                throw TensorError("simulate: no subject '\(s)' (subjects: \(names.joined(separator: ", ")))")
            }
            try c.validate()
        }
    }

    /// Single training trials paired with their images; labels are category indices.
    public let train: FMRIDataset
    /// Responses to the test images averaged over repeats, one row per test image and subject.
    public let test: FMRIDataset
    /// The single test trials (with `singleTrials`), normalised like `test`.
    public let testSingle: FMRIDataset?
    /// The unlabelled pool, one row per sample (nil when the pool size is 0).
    public let pool: FMRIDataset?
    /// The simulation itself: images, raw arrays, ground truth.
    public let dataset: SimulatedDataset

    /// Simulates `options.simulation` and prepares the datasets. The pool is generated subject by subject
    /// (most of the time for large pools); `progress` shows that on standard error.
    public static func make(_ options: Options, progress: Bool = false) throws -> SimulatedData {
        try SimulatedData(dataset: simulate(options.simulation), options: options, progress: progress)
    }

    /// Prepares the datasets of an existing simulation.
    public init(dataset: SimulatedDataset, options: Options, progress: Bool = false) throws {
        self.dataset = dataset
        let size = dataset.imageSize
        let trainImages = try ImageSet(count: dataset.trainImageCount, height: size, width: size, channels: 3,
                                       pixels: dataset.trainImages)
        let testImages = try ImageSet(count: dataset.testImageCount, height: size, width: size, channels: 3,
                                      pixels: dataset.testImages)
        var trainParts: [Tensor] = [], testParts: [Tensor] = [], singleParts: [Tensor] = []
        var trainIndex: [Int] = [], testIndex: [Int] = [], singleIndex: [Int] = []
        var stats: [(String, ConfigValue)] = []
        let chosen = try options.subject.map { name -> [SimulatedSubject] in
            guard let s = dataset.subjects.first(where: { $0.name == name }) else {
                throw TensorError("simulate: no subject '\(name)' (subjects: \(dataset.subjects.map(\.name).joined(separator: ", ")))")
            }
            return [s]
        } ?? dataset.subjects
        for subject in chosen {
            let v = subject.voxelCount
            guard let mask = subject.mask(options.roi) else {
                throw TensorError("simulate: no ROI '\(options.roi)' (ROIs: \(SimulatedSubject.roiNames.joined(separator: ", ")))")
            }
            let columns = mask.indices.filter { mask[$0] }
            guard !columns.isEmpty else { throw TensorError("simulate: ROI '\(options.roi)' of \(subject.name) has no voxels") }
            var tests = [try Tensor(subject.testFMRIAverage, shape: [dataset.testImageCount, v])]
            if options.singleTrials { tests.append(try Tensor(subject.testFMRISingle, shape: [subject.testSingleLabels.count, v])) }
            let prepared = try GODDataset.prepareSubject(train: Tensor(subject.trainFMRI, shape: [subject.trainImageIndex.count, v]),
                                                         tests: tests, roi: Tensor(columns.map(Float.init)),
                                                         patchSize: options.patchSize, normalize: options.normalize)
            trainParts.append(prepared.train)
            testParts.append(prepared.tests[0])
            if options.singleTrials { singleParts.append(prepared.tests[1]) }
            trainIndex += subject.trainImageIndex
            testIndex += 0..<dataset.testImageCount
            singleIndex += subject.testSingleLabels
            stats += [("\(subject.name)_train_mean", .double(Double(prepared.mean))),
                      ("\(subject.name)_train_std", .double(Double(prepared.std)))]
        }
        let config = dataset.config
        let seed: ConfigValue = Int(exactly: config.seed).map { .int($0) } ?? .string(String(config.seed))
        let info: [(String, ConfigValue)] = [("dataset", .string("simulated")), ("seed", seed),
                                             ("subjects", .list(chosen.map { .string($0.name) })),
                                             ("roi", .string(options.roi)), ("normalize", .string(options.normalize.rawValue))] + stats
        func labelled(_ name: String, _ parts: [Tensor], _ images: ImageSet, _ index: [Int], categories: [Int]) throws -> FMRIDataset {
            try FMRIDataset(name: name, fmri: concatenateSubjects(parts), images: images, imageIndex: index,
                            labels: index.map { categories[$0] }, labelsAreCategories: true, info: info)
        }
        train = try labelled("simulated train", trainParts, trainImages, trainIndex, categories: dataset.trainCategory)
        test = try labelled("simulated test", testParts, testImages, testIndex, categories: dataset.testCategory)
        testSingle = options.singleTrials
            ? try labelled("simulated test single", singleParts, testImages, singleIndex, categories: dataset.testCategory) : nil
        pool = try SimulatedData.poolDataset(dataset.pool, patchSize: options.patchSize, seed: seed, progress: progress)
    }

    private static func poolDataset(_ pool: SimulatedPool, patchSize: Int, seed: ConfigValue, progress: Bool) throws -> FMRIDataset? {
        let subjects = pool.subjectNames.count
        guard subjects > 0 else { return nil }
        let bar = progress ? Progress("simulate: pool", total: subjects, unit: "subjects") : nil
        var parts: [Tensor] = []
        for s in 0..<subjects {
            let samples = try Tensor(pool.samples(subject: s), shape: [pool.samplesPerSubject, pool.voxelCount])
            parts.append(try HCPDataset.prepareSubject(samples: samples, patchSize: patchSize))
            bar?.advance()
        }
        return try FMRIDataset(name: "simulated pool", fmri: concatenateSubjects(parts),
                               info: [("dataset", .string("simulated pool")), ("seed", seed),
                                      ("subjects", .list(pool.subjectNames.map { .string($0) })), ("roi", .string("VC"))])
    }
}
