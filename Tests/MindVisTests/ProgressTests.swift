import Foundation
import XCTest
@testable import MindVis

final class ProgressTests: XCTestCase {
    /// A bar made after its work began (sampling learns its total from the first step) counts rate and ETA from the
    /// start it is given: the first line once claimed tens of thousands of steps per second.
    func testRateCountsFromTheGivenStart() throws {
        let pipe = Pipe()
        let bar = Progress("sampling", total: 4, unit: "step", output: pipe.fileHandleForWriting, start: Date().addingTimeInterval(-10))
        bar.advance()
        let line = String(decoding: pipe.fileHandleForReading.availableData, as: UTF8.self)
        XCTAssertTrue(line.hasPrefix("sampling 1/4 [00:10 < 00:30, 0.10 step/s]"), line)
    }
}
