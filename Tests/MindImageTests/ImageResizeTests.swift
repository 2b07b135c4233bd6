import XCTest
@testable import MindImage
import MindTensor

/// Expected values come from a NumPy transcription of PyTorch's bilinear (align_corners=False) formula.
final class ImageResizeTests: XCTestCase {
    func testUpsample2x2To4x4() throws {
        let out = try ImageResize.bilinear([0, 1, 2, 3], channels: 1, height: 2, width: 2, layout: .chw, outHeight: 4, outWidth: 4)
        XCTAssertEqual(out, [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3], accuracy: 1e-6)
    }

    func testDownsample4x4To3x3() throws {
        let input = (0..<16).map { Float($0 * $0) / 10 }
        let out = try ImageResize.bilinear(input, channels: 1, height: 4, width: 4, layout: .hwc, outHeight: 3, outWidth: 3)
        XCTAssertEqual(out, [0.3055556, 0.7166667, 1.4611113, 4.216667, 6.05, 8.216667, 13.461111, 16.716667, 20.305557], accuracy: 1e-5)
    }

    func testNonSquareMixedDirections() throws {
        let out = try ImageResize.bilinear([1, 5, 2, 7, 3, 9], channels: 1, height: 2, width: 3, layout: .chw, outHeight: 5, outWidth: 2)
        XCTAssertEqual(out, [2, 2.75, 2.4, 3.225, 4, 5.125, 5.6, 7.025, 6, 7.5], accuracy: 1e-5)
    }

    func testLayoutsAgreeAndSameSizeIsIdentity() throws {
        let image = try Image(width: 5, height: 4, channels: 3, pixels: (0..<60).map { UInt8($0 * 4) })
        let hwc = try ImageResize.bilinear(image.floatHWC(), channels: 3, height: 4, width: 5, layout: .hwc, outHeight: 7, outWidth: 3)
        let chw = try ImageResize.bilinear(image.floatCHW(), channels: 3, height: 4, width: 5, layout: .chw, outHeight: 7, outWidth: 3)
        let fromCHW = try Image(floatCHW: chw, width: 3, height: 7, channels: 3)
        XCTAssertEqual(try Image(floatHWC: hwc, width: 3, height: 7, channels: 3), fromCHW)
        XCTAssertEqual(try image.resizedBilinear(width: 5, height: 4), image)
    }

    func testAreaAndCrop() throws {
        let input = (0..<16).map(Float.init)
        XCTAssertEqual(try ImageResize.area(input, channels: 1, height: 4, width: 4, layout: .hwc, outHeight: 2, outWidth: 2),
                       [2.5, 4.5, 10.5, 12.5], accuracy: 1e-6)
        // 4 → 3 uses overlapping windows [0,2), [1,3), [2,4) as adaptive average pooling does.
        XCTAssertEqual(try ImageResize.area([0, 1, 2, 3], channels: 1, height: 1, width: 4, layout: .hwc, outHeight: 1, outWidth: 3),
                       [0.5, 1.5, 2.5], accuracy: 1e-6)
        XCTAssertEqual(try ImageResize.crop(input, channels: 1, height: 4, width: 4, layout: .chw, top: 1, left: 2, cropHeight: 2, cropWidth: 2),
                       [6, 7, 10, 11], accuracy: 0)
        assertThrows(try ImageResize.crop(input, channels: 1, height: 4, width: 4, layout: .chw, top: 3, left: 0, cropHeight: 2, cropWidth: 2),
                     containing: ["does not fit"])
        assertThrows(try ImageResize.bilinear(input, channels: 1, height: 4, width: 3, layout: .chw, outHeight: 2, outWidth: 2),
                     containing: ["needs 12 values, got 16"])
        assertThrows(try ImageResize.bilinear(input, channels: 1, height: 4, width: 4, layout: .chw, outHeight: 0, outWidth: 2),
                     containing: ["must be positive"])
    }

    func testRandomCropResize() throws {
        let augmentation = try RandomCropResize()
        XCTAssertEqual(augmentation.cropSize, 205)
        var rng = Xoshiro256StarStar(seed: 7)
        var again = Xoshiro256StarStar(seed: 7)
        var crops = 0
        for _ in 0..<400 {
            let d = try augmentation.draw(height: 256, width: 256, rng: &rng)
            XCTAssertEqual(d, try augmentation.draw(height: 256, width: 256, rng: &again))
            if d.crop {
                crops += 1
                XCTAssertTrue((0...51).contains(d.top) && (0...51).contains(d.left))
            } else {
                XCTAssertEqual(d, .identity)
            }
        }
        XCTAssertEqual(Double(crops) / 400, 0.5, accuracy: 0.08)

        // Applying a decision equals cropping then resizing.
        let small = try RandomCropResize(size: 8, cropFraction: 0.25, probability: 1)
        XCTAssertEqual(small.cropSize, 6)
        let input = (0..<(3 * 8 * 8)).map { Float($0 % 17) / 17 }
        let decision = RandomCropResize.Decision(crop: true, top: 1, left: 2)
        let expected = try ImageResize.bilinear(
            ImageResize.crop(input, channels: 3, height: 8, width: 8, layout: .chw, top: 1, left: 2, cropHeight: 6, cropWidth: 6),
            channels: 3, height: 6, width: 6, layout: .chw, outHeight: 8, outWidth: 8)
        XCTAssertEqual(try small.apply(input, channels: 3, height: 8, width: 8, layout: .chw, decision: decision), expected, accuracy: 0)
        XCTAssertEqual(try small.apply(input, channels: 3, height: 8, width: 8, layout: .chw, decision: .identity), input, accuracy: 0)
        assertThrows(try RandomCropResize(cropFraction: 1), containing: ["cropFraction"])
        assertThrows(try small.draw(height: 4, width: 8, rng: &rng), containing: ["does not fit"])
    }
}
