import XCTest
@testable import MindVis
import MindTensor

final class SimulationConfigTests: XCTestCase {
    func testDefaultsMatchGOD() throws {
        let c = SimulationConfig()
        XCTAssertNoThrow(try c.validate())
        XCTAssertEqual(c.seed, 2022)
        XCTAssertEqual(c.trainImageCount, 1200)
        XCTAssertEqual(c.testTrialCount, 1750)
        XCTAssertEqual(c.poolSubjectCount, 167)
        XCTAssertEqual((0..<3).map(c.voxelCount(subject:)), [4466, 4404, 4643])
    }

    func testRejectsNonsense() {
        func check(_ change: (inout SimulationConfig) -> Void, _ fragments: [String]) {
            var c = SimulationConfig()
            change(&c)
            assertThrowsMessage(["SimulationConfig"] + fragments) { _ = try c.validate() }
        }
        check({ $0.imageSize = 8 }, ["imageSize", "got 8"])
        check({ $0.trainCategories = 0 }, ["trainCategories must be at least 1"])
        check({ $0.testCategories = 400 }, ["at most 480", "150 + 400"])
        check({ $0.exemplarsPerCategory = 0 }, ["exemplarsPerCategory"])
        check({ $0.testRepeats = 1 }, ["testRepeats must be in 2...1000", "got 1"])
        check({ $0.subjects = 6 }, ["voxelCounts has 5 entries but 6 subjects"])
        check({ $0.voxelScale = .nan }, ["voxelScale must be a positive number"])
        check({ $0.voxelScale = 0.001 }, ["subject 1 gets 4 voxels", "at least 70"])
        check({ $0.voxelCounts[1] = -5 }, ["voxel count of subject 2"])
        check({ $0.poolSize = -1 }, ["poolSize"])
        check({ $0.poolFramesPerSample = 0 }, ["poolFramesPerSample"])
        check({ $0.poolROIVoxelCounts = [1, 2, 3] }, ["poolROIVoxelCounts needs 4 entries"])
        check({ $0.poolROIVoxelCounts[2] = 0 }, ["pool V3 voxel count"])
        check({ $0.noiseLevel = -1 }, ["noiseLevel"])
        check({ $0.spontaneousLevel = .infinity }, ["spontaneousLevel"])
        check({ $0.imageSize = 1024; $0.exemplarsPerCategory = 1000 }, ["exceed 2^31 elements"])
        var c = SimulationConfig()
        c.testRepeats = 0
        assertThrowsMessage(["testRepeats"]) { _ = try simulate(c) }
    }
}
