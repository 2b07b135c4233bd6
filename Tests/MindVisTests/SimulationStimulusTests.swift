import XCTest
@testable import MindVis
import MindTensor

final class SimulationStimulusTests: XCTestCase {
    func testRenderedCircleHasAnalyticAreaAndSoftEdges() {
        var rng = Xoshiro256StarStar(seed: 1)
        var scene = StimulusScene.random(category: CategoryFactors(shape: .circle, colour: .red, texture: .plain, background: .gray), rng: &rng)
        scene.centerX = 0.5
        scene.centerY = 0.5
        scene.radius = 0.25
        var mask = [Float](repeating: 0, count: 64 * 64)
        let rgb = mask.withUnsafeMutableBufferPointer { scene.render(size: 64, mask: $0.baseAddress!) }
        let area = mask.reduce(0, +)
        XCTAssertEqual(area, Float.pi * 16 * 16, accuracy: 3)
        XCTAssertGreaterThan(mask.filter { $0 > 0.05 && $0 < 0.95 }.count, 40, "anti-aliased boundary")
        // Centre pixel is the object's (reddish) colour, the corner the gray background.
        let centre = 3 * (32 * 64 + 32)
        XCTAssertGreaterThan(rgb[centre], rgb[centre + 1] + 0.3)
        XCTAssertEqual(rgb[0], scene.grayLevel, accuracy: 1e-6)
        // The same scene at another size covers the same fraction of the image.
        var big = [Float](repeating: 0, count: 128 * 128)
        _ = big.withUnsafeMutableBufferPointer { scene.render(size: 128, mask: $0.baseAddress!) }
        XCTAssertEqual(big.reduce(0, +) / 4, area, accuracy: 3)
    }

    func testShapesDiffer() {
        var masks: [[Float]] = []
        for shape in ShapeKind.allCases {
            var rng = Xoshiro256StarStar(seed: 2)
            var scene = StimulusScene.random(category: CategoryFactors(shape: shape, colour: .blue, texture: .plain, background: .gray), rng: &rng)
            scene.rotation = 0
            var mask = [Float](repeating: 0, count: 64 * 64)
            _ = mask.withUnsafeMutableBufferPointer { scene.render(size: 64, mask: $0.baseAddress!) }
            XCTAssertGreaterThan(mask.reduce(0, +), 150, shape.name)
            masks.append(mask)
        }
        for i in masks.indices {
            for j in masks.indices where j > i {
                let difference = zip(masks[i], masks[j]).reduce(0) { $0 + abs($1.0 - $1.1) }
                XCTAssertGreaterThan(difference, 40, "\(ShapeKind.allCases[i]) vs \(ShapeKind.allCases[j])")
            }
        }
    }

    func testCategoryChoiceIsDisjointAndSeeded() {
        let a = StimulusDesign.chooseCategories(seed: 3, train: 150, test: 50)
        XCTAssertEqual(Set(a.train).count, 150)
        XCTAssertTrue(Set(a.train).isDisjoint(with: Set(a.test)))
        XCTAssertEqual(StimulusDesign.chooseCategories(seed: 3, train: 150, test: 50).test, a.test)
        XCTAssertNotEqual(StimulusDesign.chooseCategories(seed: 4, train: 150, test: 50).test, a.test)
        // Every shape and colour of the test set also occurs in training (combinatorial generalization).
        XCTAssertTrue(Set(a.test.map(\.shape)).isSubset(of: Set(a.train.map(\.shape))))
        XCTAssertTrue(Set(a.test.map(\.colour)).isSubset(of: Set(a.train.map(\.colour))))
        XCTAssertEqual(StimulusDesign.categoryCount, 480)
    }
}
