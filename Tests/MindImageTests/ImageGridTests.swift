import Foundation
import XCTest
@testable import MindImage

final class ImageGridTests: XCTestCase {
    func testLayoutPaddingAndConversion() throws {
        let red = try Image(width: 2, height: 3, channels: 3, fill: [255, 0, 0])
        let gray = try Image(width: 2, height: 3, channels: 1, fill: [9])
        let clear = try Image(width: 2, height: 3, channels: 4, fill: [0, 255, 0, 0])
        let grid = try ImageGrid.compose([red, gray, clear], columns: 2, padding: 1, background: RGBColor(0, 0, 200))
        XCTAssertEqual([grid.width, grid.height, grid.channels], [1 + 2 * 3, 1 + 2 * 4, 3])
        func pixel(_ x: Int, _ y: Int) -> [UInt8] { (0..<3).map { grid.value(x: x, y: y, channel: $0) } }
        XCTAssertEqual(pixel(0, 0), [0, 0, 200])          // padding
        XCTAssertEqual(pixel(1, 1), [255, 0, 0])          // cell (0, 0)
        XCTAssertEqual(pixel(2, 3), [255, 0, 0])
        XCTAssertEqual(pixel(3, 1), [0, 0, 200])          // padding between columns
        XCTAssertEqual(pixel(4, 1), [9, 9, 9])            // cell (0, 1): gray replicated
        XCTAssertEqual(pixel(1, 5), [0, 0, 200])          // cell (1, 0): transparent shows the background
        XCTAssertEqual(pixel(5, 6), [0, 0, 200])          // empty cell (1, 1)
    }

    func testErrorsAndSave() throws {
        let a = try Image(width: 2, height: 2, channels: 3, fill: [1, 2, 3])
        let b = try Image(width: 3, height: 2, channels: 3, fill: [1, 2, 3])
        assertThrows(try ImageGrid.compose([a, b], columns: 2), containing: ["image 2 is 3x2, expected 2x2 like image 1 (counting from 1)"])
        assertThrows(try ImageGrid.compose([], columns: 2), containing: ["no images"])
        assertThrows(try ImageGrid.compose([a], columns: 0), containing: ["columns must be positive"])
        let directory = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try ImageGrid.save([a, a, a], columns: 3, to: directory + "/grid.png")
        let saved = try PNG.read(path: directory + "/grid.png")
        XCTAssertEqual([saved.width, saved.height], [2 + 3 * 4, 2 + 4])
    }
}
