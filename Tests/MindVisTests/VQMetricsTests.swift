import Foundation
import MindImage
import MindTensor
import XCTest
@testable import MindVis

/// PSNR and SSIM against closed forms and values computed with scikit-image 0.25
/// (`structural_similarity(a, b, data_range=..., channel_axis=0)`, its defaults otherwise).
final class VQMetricsTests: XCTestCase {
    /// Integer-valued images whose exact values numpy reproduces: channel c of image f is f(i, j, c) mod 256.
    func image(height: Int, width: Int, _ f: (Int, Int, Int) -> Int) throws -> Tensor {
        var values: [Float] = []
        for c in 0..<3 { for i in 0..<height { for j in 0..<width { values.append(Float(f(i, j, c) % 256)) } } }
        return try Tensor(values, shape: [1, 3, height, width])
    }

    func testSSIMMatchesScikitImage() throws {
        let a = try image(height: 9, width: 11) { i, j, c in i * 7 + j * 13 + c * 29 }
        let b = try image(height: 9, width: 11) { i, j, c in i * i + 3 * j + c * 11 + (i * j) % 5 }
        XCTAssertEqual(try structuralSimilarity(a, b, dataRange: 255)[0], 0.4491633493864646, accuracy: 1e-9)
        XCTAssertEqual(try structuralSimilarity(a, a, dataRange: 255)[0], 1, accuracy: 1e-12)
        let g = try Tensor((0..<64).map { Float($0) / 63 }, shape: [1, 1, 8, 8])
        let h = try Tensor((0..<64).map { Float($0 % 9) / 8 }, shape: [1, 1, 8, 8])
        XCTAssertEqual(try structuralSimilarity(g, h, dataRange: 1)[0], 0.15990632575369848, accuracy: 1e-6)
        assertThrowsMessage(["smaller than the 7x7 window"]) { _ = try structuralSimilarity(Tensor.zeros([1, 1, 6, 9]), Tensor.zeros([1, 1, 6, 9]), dataRange: 1) }
        assertThrowsMessage(["must be equal"]) { _ = try structuralSimilarity(Tensor.zeros([1, 1, 8, 8]), Tensor.zeros([1, 2, 8, 8]), dataRange: 1) }
    }

    func testPSNRClosedForm() throws {
        let a = try Tensor.zeros([2, 1, 2, 2])
        let b = try Tensor([0.1, 0.1, 0.1, 0.1, 0.5, 0, 0, 0], shape: [2, 1, 2, 2])
        let psnr = try peakSignalToNoiseRatio(a, b, dataRange: 1)
        XCTAssertEqual(psnr[0], 20, accuracy: 1e-5)                          // MSE 0.01
        XCTAssertEqual(psnr[1], 10 * log10(1 / 0.0625), accuracy: 1e-5)      // MSE 0.25 / 4
        XCTAssertEqual(try peakSignalToNoiseRatio(a, a, dataRange: 1)[0], .infinity)
    }

    func testImageFolderBecomesModelInput() throws {
        let dir = try temporaryDirectory()
        // A 6×4 RGB image (cropped to its centre 4×4, then enlarged), a gray 8×8 one (shrunk), and a text file.
        let wide = try Image(width: 6, height: 4, channels: 3, pixels: (0..<72).map { UInt8($0 * 3) })
        try PNG.write(wide, to: dir.appendingPathComponent("b.png").path)
        try PNG.write(try Image(width: 8, height: 8, channels: 1, fill: [255]), to: dir.appendingPathComponent("a.PNG").path)
        try "notes".write(to: dir.appendingPathComponent("readme.txt"), atomically: true, encoding: .utf8)
        let set = try ImageSet(folder: dir, size: 4)
        XCTAssertEqual([set.count, set.height, set.width, set.channels], [2, 4, 4, 3])
        XCTAssertEqual(Array(set.pixels[0..<48]), [UInt8](repeating: 255, count: 48), "a.PNG first, gray replicated, white")
        XCTAssertEqual(Array(set.pixels[48..<51]), [wide.pixels[3], wide.pixels[4], wide.pixels[5]], "b.png cropped to columns 1...4")
        let input = try set.modelInput(size: 2)
        XCTAssertEqual(input.shape, [2, 3, 2, 2])
        XCTAssertEqual(try input.select(0, 0).toArray(), [Float](repeating: 1, count: 12))
        let empty = dir.appendingPathComponent("empty")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        assertThrowsMessage(["no .png, .jpg or .jpeg files"]) { _ = try ImageSet(folder: empty, size: 4) }
        assertThrowsMessage(["image folder", "does not exist"]) { _ = try ImageSet(folder: dir.appendingPathComponent("missing"), size: 4) }
    }
}
