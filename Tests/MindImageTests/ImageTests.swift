import XCTest
@testable import MindImage

final class ImageTests: XCTestCase {
    func testShapeValidation() {
        assertThrows(try Image(width: 2, height: 2, channels: 2, pixels: [0, 0, 0, 0, 0, 0, 0, 0]), containing: ["channels must be 1, 3 or 4, got 2"])
        assertThrows(try Image(width: 2, height: 2, channels: 3, pixels: [1, 2, 3]), containing: ["needs 12 bytes, got 3"])
        assertThrows(try Image(width: 0, height: 2, channels: 1, pixels: []), containing: ["must be positive"])
        assertThrows(try Image(width: Int.max / 2, height: 3, channels: 3, fill: [0, 0, 0]), containing: ["overflows"])
        assertThrows(try Image(width: 1, height: 1, channels: 3, fill: [1]), containing: ["fill needs 3 values"])
    }

    func testFloatConversions() throws {
        let image = try Image(width: 2, height: 1, channels: 3, pixels: [0, 51, 255, 102, 153, 204])
        XCTAssertEqual(image.floatHWC(), [0, 0.2, 1, 0.4, 0.6, 0.8].map { Float($0) }, accuracy: 1e-6)
        XCTAssertEqual(image.floatCHW(), [0, 0.4, 0.2, 0.6, 1, 0.8].map { Float($0) }, accuracy: 1e-6)
        XCTAssertEqual(try Image(floatHWC: image.floatHWC(), width: 2, height: 1, channels: 3), image)
        XCTAssertEqual(try Image(floatCHW: image.floatCHW(), width: 2, height: 1, channels: 3), image)
        let clamped = try Image(floatHWC: [-1, 2, .nan], width: 1, height: 1, channels: 3)
        XCTAssertEqual(clamped.pixels, [0, 255, 0])
        assertThrows(try Image(floatCHW: [0, 1], width: 1, height: 1, channels: 3), containing: ["needs 3 values, got 2"])
    }

    func testRGBConversion() throws {
        let gray = try Image(width: 1, height: 1, channels: 1, pixels: [9])
        XCTAssertEqual(gray.rgb().pixels, [9, 9, 9])
        let rgba = try Image(width: 2, height: 1, channels: 4, pixels: [200, 100, 0, 255, 200, 100, 0, 0])
        XCTAssertEqual(rgba.rgb(background: RGBColor(0, 0, 50)).pixels, [200, 100, 0, 0, 0, 50])
    }
}

func XCTAssertEqual(_ a: [Float], _ b: [Float], accuracy: Float, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "lengths differ", file: file, line: line)
    for (i, (x, y)) in zip(a, b).enumerated() where !(abs(x - y) <= accuracy) {
        XCTFail("element \(i): \(x) vs \(y)", file: file, line: line)
        return
    }
}
