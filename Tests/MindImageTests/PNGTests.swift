import Foundation
import XCTest
@testable import MindImage

final class PNGTests: XCTestCase {
    func testReadsGray() throws {
        let image = try PNG.read(path: TestData.path("gray8.png"))
        XCTAssertEqual([image.width, image.height, image.channels], [3, 2, 1])
        XCTAssertEqual(image.pixels, [0, 50, 100, 150, 200, 255])
    }

    func testGrayAlphaExpandsToRGBA() throws {
        let image = try PNG.read(path: TestData.path("gray_alpha.png"))
        XCTAssertEqual(image.channels, 4)
        XCTAssertEqual(image.pixels, [10, 10, 10, 255, 20, 20, 20, 128, 30, 30, 30, 0, 40, 40, 40, 64])
    }

    func testPaletteExpands() throws {
        let rgb = try PNG.read(path: TestData.path("palette.png"))
        XCTAssertEqual(rgb.channels, 3)
        XCTAssertEqual(rgb.pixels, [0, 0, 255, 0, 255, 0, 255, 0, 0])
        let rgba = try PNG.read(path: TestData.path("palette_trns.png"))
        XCTAssertEqual(rgba.channels, 4)
        XCTAssertEqual(rgba.pixels, [0, 0, 255, 0, 0, 255, 0, 100, 255, 0, 0, 255])
    }

    func testSixteenBitIsRescaledWithoutGammaChange() throws {
        // Samples 0x1234, 0xFFFF, 0x0000, 0x8080, 0x00FF, 0x7F40 → round(v / 257).
        let image = try PNG.read(path: TestData.path("rgb16.png"))
        XCTAssertEqual([image.width, image.height, image.channels], [2, 1, 3])
        XCTAssertEqual(image.pixels, [18, 255, 0, 128, 1, 127])
    }

    func testRoundTripAllChannelCounts() throws {
        for channels in [1, 3, 4] {
            let pixels = (0..<(5 * 3 * channels)).map { UInt8(($0 * 37) % 256) }
            let image = try Image(width: 5, height: 3, channels: channels, pixels: pixels)
            let decoded = try PNG.decode(PNG.encode(image))
            XCTAssertEqual(decoded, image, "channels \(channels)")
        }
    }

    func testWriteIsAtomicAndOverwrites() throws {
        let directory = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/out.png"
        let first = try Image(width: 2, height: 2, channels: 1, fill: [7])
        let second = try Image(width: 4, height: 1, channels: 3, fill: [1, 2, 3])
        try PNG.write(first, to: path)
        try PNG.write(second, to: path)
        XCTAssertEqual(try PNG.read(path: path), second)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), ["out.png"], "no temporary files left")
        assertThrows(try PNG.write(first, to: directory + "/missing/out.png"), containing: ["png", "missing/out.png", "temporary file"])
    }

    func testCorruptInputsGiveErrors() throws {
        assertThrows(try PNG.read(path: TestData.path("corrupt_crc.png")), containing: ["png", "corrupt_crc.png"])
        assertThrows(try PNG.read(path: TestData.path("huge_header.png")), containing: ["100000 x 100000", "exceeds the limit"])
        assertThrows(try PNG.read(path: TestData.path("rgb.jpg")), containing: ["not a PNG file"])
        assertThrows(try PNG.read(path: TestData.path("does-not-exist.png")), containing: ["cannot open", "No such file"])
        assertThrows(try PNG.decode([]), containing: ["not a PNG file"])
        let bytes = try TestData.bytes("gray8.png")
        for length in [8, 20, 33, 40, bytes.count - 13] {
            assertThrows(try PNG.decode(Array(bytes[0..<length])), containing: ["png: <memory>"])
        }
    }

    /// A chunk declaring more bytes than the file holds is refused before libpng allocates its declared length.
    func testChunkLongerThanTheFileIsRefused() throws {
        let bytes = try TestData.bytes("gray8.png")
        let ihdrEnd = 8 + 12 + 13
        let liar: [UInt8] = [0x7F, 0xFF, 0xFF, 0xFF] + Array("tEXt".utf8) + Array("abc".utf8)
        let hostile = Array(bytes[0..<ihdrEnd]) + liar + Array(bytes[ihdrEnd...])
        assertThrows(try PNG.decode(hostile, name: "liar.png"),
                     containing: ["png: liar.png: chunk 'tEXt' at byte 33 declares 2147483647 bytes, but the file has"])
        XCTAssertNoThrow(try PNG.checkChunkLengths(bytes, name: "gray8.png"), "a valid file passes")
    }

    func testDirectoryIsNotAFile() {
        assertThrows(try PNG.read(path: TestData.directory), containing: ["is a directory, expected a file"])
    }
}
