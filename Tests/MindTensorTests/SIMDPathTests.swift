import XCTest
@testable import MindTensor

/// Choosing the kernels' instruction-set path: `MINDVIS_SIMD` parsing (every outcome, for any build and CPU),
/// switching, and what this process started on. The `mindvis` exit status for a bad value is in CLITests.
final class SIMDPathTests: XCTestCase {
    let all = SIMDPath.allCases

    func testEmptyOrMissingSettingSelectsTheWidestAvailablePath() throws {
        XCTAssertEqual(try Kernels.path(forSetting: nil, compiled: all, available: all), .avx512)
        XCTAssertEqual(try Kernels.path(forSetting: "", compiled: all, available: [.scalar, .avx2]), .avx2)
        XCTAssertEqual(try Kernels.path(forSetting: nil, compiled: [.scalar], available: [.scalar]), .scalar)
    }

    func testNamedPathsAreSelected() throws {
        for path in all {
            XCTAssertEqual(try Kernels.path(forSetting: path.rawValue, compiled: all, available: all), path)
        }
    }

    func testUnknownNamesAreRejectedWithTheValidOnes() {
        for bad in ["avx1024", "AVX2", " avx2", "sse", "avx2 "] {
            assertThrows(["MINDVIS_SIMD=\(bad): unknown SIMD path; expected one of scalar, avx2, avx512",
                          "(this machine runs scalar, avx2)"]) {
                _ = try Kernels.path(forSetting: bad, compiled: all, available: [.scalar, .avx2])
            }
        }
    }

    func testAPathTheCPULacksIsAnError() {
        assertThrows(["MINDVIS_SIMD=avx512: this CPU cannot run the avx512 kernels; it runs scalar, avx2"]) {
            _ = try Kernels.path(forSetting: "avx512", compiled: all, available: [.scalar, .avx2])
        }
    }

    func testAPathTheBuildLacksIsAnError() {
        assertThrows(["MINDVIS_SIMD=avx2: this build has no avx2 kernels", "it runs scalar"]) {
            _ = try Kernels.path(forSetting: "avx2", compiled: [.scalar], available: [.scalar])
        }
    }

    func testThisProcessStartedOnThePathItsEnvironmentSelects() throws {
        // Fails a run under a MINDVIS_SIMD this machine cannot honour, instead of testing another path silently.
        XCTAssertNoThrow(try Kernels.verifyEnvironmentSetting())
        let setting = ProcessInfo.processInfo.environment[Kernels.environmentVariable]
        XCTAssertEqual(Kernels.simdPath, try Kernels.path(forSetting: setting))
        XCTAssertEqual(Kernels.availablePaths.first, .scalar)
        XCTAssertEqual(Kernels.bestPath, Kernels.availablePaths.last)
        XCTAssertTrue(Set(Kernels.availablePaths).isSubset(of: Kernels.compiledPaths))
        #if arch(x86_64) && os(Linux)
        XCTAssertEqual(Kernels.compiledPaths, SIMDPath.allCases)
        #endif
        XCTAssertTrue(Kernels.summary.hasPrefix("SIMD: \(Kernels.simdPath.rawValue) (available: scalar"), Kernels.summary)
    }

    func testSwitchingPathsAndBack() throws {
        let start = Kernels.simdPath
        for path in Kernels.availablePaths {
            try Kernels.withPath(path) {
                XCTAssertEqual(Kernels.simdPath, path)
                XCTAssertTrue(Kernels.summary.hasPrefix("SIMD: \(path.rawValue) "))
            }
            XCTAssertEqual(Kernels.simdPath, start)
        }
        for path in SIMDPath.allCases where !Kernels.availablePaths.contains(path) {
            assertThrows(["SIMD path \(path.rawValue): "]) { try Kernels.use(path) }
            XCTAssertEqual(Kernels.simdPath, start)
        }
    }

    func testBLASReportsItsCore() {
        XCTAssertFalse(BLAS.coreName.isEmpty)
        XCTAssertTrue(BLAS.summary.contains("core \(BLAS.coreName)"), BLAS.summary)
    }
}
