import XCTest
@testable import MindVis
import MindTensor

/// Small configurations shared by the tests (generated once per test process).
enum SimulationTestData {
    /// About 40 images, two subjects of ~180 voxels, a pool of two subjects: seconds in a debug build.
    static var tinyConfig: SimulationConfig {
        var c = SimulationConfig()
        c.trainCategories = 12
        c.exemplarsPerCategory = 3
        c.testCategories = 6
        c.testRepeats = 4
        c.subjects = 2
        c.voxelScale = 0.04
        c.poolSize = 48
        c.poolSamplesPerSubject = 24
        c.poolFramesPerSample = 5
        return c
    }

    static let tiny: SimulatedDataset = {
        do {
            return try simulate(tinyConfig)
        } catch {
            fatalError("the tiny test configuration must simulate: \(error)")
        }
    }()

    /// The `small` preset: HCP-shaped pool frames (windows of 10), so it can be written and read back.
    static let small: SimulatedDataset = {
        do {
            return try simulate(SimulationConfig.preset("small"))
        } catch {
            fatalError("the small preset must simulate: \(error)")
        }
    }()
}

func median(_ values: [Float]) -> Float {
    let sorted = values.sorted()
    return sorted[sorted.count / 2]
}
