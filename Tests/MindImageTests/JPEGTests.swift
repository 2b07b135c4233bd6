import Foundation
import XCTest
@testable import MindImage

final class JPEGTests: XCTestCase {
    /// The pattern the fixtures were encoded from (quality 95): a gradient over four flat quadrants.
    static func expected(x: Int, y: Int) -> [Int] {
        if y < 8 { return [16 * x, 20 * y + 40, 200 - 8 * x] }
        let quadrants = [[200, 30, 30], [30, 180, 40], [40, 60, 210], [230, 220, 40]]
        return quadrants[(x >= 8 ? 1 : 0) + 2 * (y >= 12 ? 1 : 0)]
    }

    /// Pixels of a binary PPM/PGM written by an independent libjpeg decode (stdio source, default settings).
    static func reference(_ name: String) throws -> [UInt8] {
        let bytes = try TestData.bytes(name)
        var newlines = 0
        var start = 0
        while newlines < 3 {
            if bytes[start] == 0x0A { newlines += 1 }
            start += 1
        }
        return Array(bytes[start...])
    }

    func testDecodesRGB() throws {
        let image = try JPEG.read(path: TestData.path("rgb.jpg"))
        XCTAssertEqual([image.width, image.height, image.channels], [16, 16, 3])
        XCTAssertEqual(image.pixels, try JPEGTests.reference("rgb_decoded.ppm"))
        // Away from the quadrant borders (where chroma subsampling blends colours) the source pattern survives.
        for (x, y) in [(2, 2), (12, 5), (3, 10), (12, 10), (3, 14), (12, 14)] {
            let e = JPEGTests.expected(x: x, y: y)
            for c in 0..<3 { XCTAssertEqual(Int(image.value(x: x, y: y, channel: c)), e[c], accuracy: 14, "(\(x), \(y)) channel \(c)") }
        }
    }

    func testDecodesGray() throws {
        let image = try JPEG.read(path: TestData.path("gray.jpg"))
        XCTAssertEqual([image.width, image.height, image.channels], [16, 16, 1])
        XCTAssertEqual(image.pixels, try JPEGTests.reference("gray_decoded.pgm"))
        let e = JPEGTests.expected(x: 3, y: 3)
        let luma = (e[0] * 299 + e[1] * 587 + e[2] * 114) / 1000
        XCTAssertEqual(Int(image.value(x: 3, y: 3, channel: 0)), luma, accuracy: 4)
    }

    func testBrokenInputsGiveErrors() throws {
        let bytes = try TestData.bytes("rgb.jpg")
        assertThrows(try JPEG.decode(Array(bytes[0..<(bytes.count / 2)]), name: "half.jpg"),
                     containing: ["jpeg: half.jpg: cannot decode", "Premature end"])
        // Cut just after the scan's header with the end marker put back: the scan ends early, the rest would be gray.
        let sos = try XCTUnwrap((0..<(bytes.count - 4)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == 0xDA })
        let headerLength = Int(bytes[sos + 2]) * 256 + Int(bytes[sos + 3])
        let cut = Array(bytes[0..<(sos + 2 + headerLength + 33)]) + [0xFF, 0xD9]
        assertThrows(try JPEG.decode(cut, name: "cut.jpg"), containing: ["jpeg: cut.jpg: cannot decode", "premature end of data segment"])
        assertThrows(try JPEG.decode(Array(bytes[0..<40])), containing: ["jpeg: <memory>: cannot decode"])
        assertThrows(try JPEG.decode([0xFF, 0xD8, 0xFF] + [UInt8](repeating: 0x11, count: 64)), containing: ["cannot decode"])
        assertThrows(try JPEG.decode([1, 2, 3, 4]), containing: ["not a JPEG file"])
        assertThrows(try JPEG.read(path: TestData.path("cmyk.jpg")), containing: ["CMYK"])
        assertThrows(try JPEG.decode(bytes, maxPixels: 100), containing: ["exceeds the limit of 100 pixels"])
    }

    func testImageFileChoosesDecoderBySignature() throws {
        XCTAssertEqual(try ImageFile.read(path: TestData.path("gray8.png")).channels, 1)
        XCTAssertEqual(try ImageFile.read(path: TestData.path("rgb.jpg")).channels, 3)
        let directory = try TestData.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileBytes.writeAtomically(Array("hello".utf8), to: directory + "/note.png", operation: "test")
        assertThrows(try ImageFile.read(path: directory + "/note.png"), containing: ["not a PNG or JPEG", "68 65 6C"])
        try FileBytes.writeAtomically([], to: directory + "/empty.jpg", operation: "test")
        assertThrows(try ImageFile.read(path: directory + "/empty.jpg"), containing: ["the file is empty"])
    }
}
