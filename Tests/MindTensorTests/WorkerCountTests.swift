import XCTest
@testable import MindTensor

/// How many worker threads a process runs: both cores alone, a share of them under mpirun, or MINDVIS_THREADS.
final class WorkerCountTests: XCTestCase {
    func testCoresAreSharedAmongTheRanksOfOneMachine() throws {
        XCTAssertEqual(try Parallel.workers(environment: [:], cores: 2), 2)
        XCTAssertEqual(try Parallel.workers(environment: [:], cores: 1), 1)
        XCTAssertEqual(try Parallel.workers(environment: [:], cores: 64), 2, "at most two workers")
        XCTAssertEqual(try Parallel.workers(environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "2"], cores: 2), 1)
        XCTAssertEqual(try Parallel.workers(environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "4"], cores: 2), 1, "never fewer than one")
        XCTAssertEqual(try Parallel.workers(environment: ["OMPI_COMM_WORLD_LOCAL_SIZE": "2"], cores: 8), 2)
    }

    func testMindvisThreadsOverridesAndIsChecked() throws {
        XCTAssertEqual(try Parallel.workers(environment: ["MINDVIS_THREADS": "1"], cores: 2), 1)
        XCTAssertEqual(try Parallel.workers(environment: ["MINDVIS_THREADS": "2", "OMPI_COMM_WORLD_LOCAL_SIZE": "2"], cores: 2), 2)
        for bad in ["0", "3", "two", ""] {
            XCTAssertThrowsError(try Parallel.workers(environment: ["MINDVIS_THREADS": bad], cores: 2)) { error in
                XCTAssertTrue("\(error)".contains("MINDVIS_THREADS=\(bad): expected 1 or 2"), "\(error)")
            }
        }
    }
}
