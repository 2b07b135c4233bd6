import XCTest
@testable import MindVis
import MindTensor

final class SimulationIdentificationTests: XCTestCase {
    func testPerfectShuffledAndTiedPredictions() throws {
        let actual: [Float] = [1, 2, 3, 4, /**/ 4, 3, 2, 1, /**/ 1, 3, 1, 3]
        let perfect = try Identification.evaluate(predicted: actual.map { 2 * $0 + 1 }, actual: actual, items: 3, features: 4)
        XCTAssertEqual(perfect.pairwise, 1)
        XCTAssertEqual(perfect.top1, 1)
        XCTAssertEqual(perfect.correlations[0], 1, accuracy: 1e-12)
        XCTAssertEqual(perfect.correlations[1], -1, accuracy: 1e-12)
        // Predictions of items 0 and 1 swapped: each correlates −1 with its own vector, below both
        // distractors (+1 and −0.447), while item 2 is still identified against both.
        let swapped = Array(actual[4..<8]) + Array(actual[0..<4]) + Array(actual[8..<12])
        let r = try Identification.evaluate(predicted: swapped, actual: actual, items: 3, features: 4)
        XCTAssertEqual(r.top1, 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(r.pairwise, 1.0 / 3, accuracy: 1e-12)
        // A constant prediction correlates 0 with everything: ties count half.
        let flat = try Identification.evaluate(predicted: [Float](repeating: 5, count: 12), actual: actual, items: 3, features: 4)
        XCTAssertEqual(flat.pairwise, 0.5, accuracy: 1e-12)
        XCTAssertEqual(flat.top1, 1.0 / 3, accuracy: 1e-12)
    }

    func testErrors() {
        assertThrowsMessage(["at least 2 items"]) { _ = try Identification.evaluate(predicted: [1, 2], actual: [1, 2], items: 1, features: 2) }
        assertThrowsMessage(["expected 2 × 2"]) { _ = try Identification.evaluate(predicted: [1, 2, 3], actual: [1, 2, 3, 4], items: 2, features: 2) }
        assertThrowsMessage(["finite"]) { _ = try Identification.evaluate(predicted: [1, .nan, 3, 4], actual: [1, 2, 3, 4], items: 2, features: 2) }
    }
}
