import XCTest
@testable import MindVis
import MindTensor

final class SimulationFeatureBankTests: XCTestCase {
    /// A 64×64 RGB image from a per-pixel function.
    static func image(_ f: (Int, Int) -> (Float, Float, Float)) -> [Float] {
        var rgb = [Float](repeating: 0, count: 64 * 64 * 3)
        for y in 0..<64 {
            for x in 0..<64 {
                let (r, g, b) = f(x, y)
                rgb[3 * (y * 64 + x)] = r
                rgb[3 * (y * 64 + x) + 1] = g
                rgb[3 * (y * 64 + x) + 2] = b
            }
        }
        return rgb
    }

    static func features(_ rgb: [Float]) -> [Float] {
        var extractor = FeatureExtractor()
        var out = [Float](repeating: 0, count: FeatureBank.imageFeatureCount)
        out.withUnsafeMutableBufferPointer { o in rgb.withUnsafeBufferPointer { extractor.compute(rgb: $0, into: o.baseAddress!) } }
        return out
    }

    /// Mean over the cells of one channel of a block.
    static func channelMean(_ features: [Float], _ block: FeatureBlock, _ channel: Int) -> Float {
        let cells = block.grid * block.grid
        let start = block.offset + channel * cells
        return features[start..<(start + cells)].reduce(0, +) / Float(cells)
    }

    static func grating(wavelength: Float, horizontalStripes: Bool) -> [Float] {
        image { x, y in
            let t = Float(horizontalStripes ? y : x)
            let v = 0.5 + 0.4 * sin(2 * .pi * t / wavelength)
            return (v, v, v)
        }
    }

    func testLayout() {
        XCTAssertEqual(FeatureBank.fine.count, 9 * 256)
        XCTAssertEqual(FeatureBank.medium.offset, FeatureBank.fine.count)
        XCTAssertEqual(FeatureBank.coarse.offset, FeatureBank.medium.offset + 14 * 64)
        XCTAssertEqual(FeatureBank.imageFeatureCount, 9 * 256 + 14 * 64 + 18 * 16)
        XCTAssertEqual(FeatureBank.stimulusFeatureCount, FeatureBank.imageFeatureCount + SemanticSpace.dimension * 16)
    }

    func testOrientationAndScaleSelectivity() {
        // Vertical stripes (carrier along x) drive orientation 0; horizontal ones orientation 2 (90°).
        let vertical = SimulationFeatureBankTests.features(SimulationFeatureBankTests.grating(wavelength: 4, horizontalStripes: false))
        let fineEnergy = (0..<4).map { SimulationFeatureBankTests.channelMean(vertical, FeatureBank.fine, $0) }
        XCTAssertEqual(fineEnergy.firstIndex(of: fineEnergy.max()!), 0)
        XCTAssertGreaterThan(fineEnergy[0], 5 * fineEnergy[2])
        let horizontal = SimulationFeatureBankTests.features(SimulationFeatureBankTests.grating(wavelength: 4, horizontalStripes: true))
        let rotated = (0..<4).map { SimulationFeatureBankTests.channelMean(horizontal, FeatureBank.fine, $0) }
        XCTAssertEqual(rotated.firstIndex(of: rotated.max()!), 2)
        // Wavelength 8 px drives the medium-scale energy (medium block channels 0–3) more than the fine one.
        let coarser = SimulationFeatureBankTests.features(SimulationFeatureBankTests.grating(wavelength: 8, horizontalStripes: false))
        XCTAssertGreaterThan(SimulationFeatureBankTests.channelMean(coarser, FeatureBank.medium, 0),
                             2 * SimulationFeatureBankTests.channelMean(coarser, FeatureBank.fine, 0))
    }

    func testColourAndLuminanceChannels() {
        let gray = SimulationFeatureBankTests.features(SimulationFeatureBankTests.image { _, _ in (0.5, 0.5, 0.5) })
        XCTAssertEqual(gray.max()!, 0, accuracy: 1e-5, "mid-gray evokes nothing")
        let red = SimulationFeatureBankTests.features(SimulationFeatureBankTests.image { _, _ in (0.9, 0.1, 0.1) })
        XCTAssertEqual(SimulationFeatureBankTests.channelMean(red, FeatureBank.fine, 5), 0.8, accuracy: 1e-5)   // |R − G|
        XCTAssertEqual(SimulationFeatureBankTests.channelMean(red, FeatureBank.medium, 8), 0.8, accuracy: 1e-5) // (R − G)+
        XCTAssertEqual(SimulationFeatureBankTests.channelMean(red, FeatureBank.medium, 9), 0, accuracy: 1e-6)   // (R − G)−
        XCTAssertEqual(SimulationFeatureBankTests.channelMean(red, FeatureBank.fine, 0), 0, accuracy: 1e-4, "uniform: no edges")
        let hue = (11..<17).map { SimulationFeatureBankTests.channelMean(red, FeatureBank.coarse, $0) }
        XCTAssertEqual(hue.firstIndex(of: hue.max()!), 0, "red drives the 0° hue channel")
        let white = SimulationFeatureBankTests.features(SimulationFeatureBankTests.image { _, _ in (1, 1, 1) })
        XCTAssertEqual(SimulationFeatureBankTests.channelMean(white, FeatureBank.fine, 7), 0.5, accuracy: 1e-5)  // ON
        XCTAssertEqual(SimulationFeatureBankTests.channelMean(white, FeatureBank.fine, 8), 0, accuracy: 1e-6)    // OFF
    }

    func testSemanticFeaturesFollowCoverage() {
        var mask = [Float](repeating: 0, count: 64 * 64)
        for y in 0..<32 { for x in 0..<32 { mask[y * 64 + x] = 1 } }  // top-left quadrant = cells 0, 1, 4, 5
        let embedding = (0..<SemanticSpace.dimension).map { Float($0 + 1) }
        var out = [Float](repeating: 0, count: SemanticSpace.dimension * 16)
        out.withUnsafeMutableBufferPointer { o in
            mask.withUnsafeBufferPointer { FeatureExtractor.semanticFeatures(embedding: embedding, mask: $0, into: o.baseAddress!) }
        }
        XCTAssertEqual(out[0 * 16 + 0], 1)     // object dimension, covered cell
        XCTAssertEqual(out[0 * 16 + 2], 0)     // object dimension, empty cell
        let b = SemanticSpace.backgroundRange.lowerBound
        XCTAssertEqual(out[b * 16 + 5], 0)                 // background dimension, covered cell
        XCTAssertEqual(out[b * 16 + 15], Float(b + 1))     // background dimension, empty cell
    }
}
