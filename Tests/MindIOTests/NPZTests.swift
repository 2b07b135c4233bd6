import Foundation
import XCTest
import ZIPFoundation
@testable import MindIO

final class NPZTests: XCTestCase {
    func testDeflatedMembersOfEveryKind() throws {
        let archive = try NPZ.read(contentsOf: TestFiles.crafted("npz_compressed_mixed.npz"))
        XCTAssertEqual(archive.names, ["floats", "ints", "mask", "names", "objects"])
        let floats = try archive.array("floats")
        XCTAssertEqual(floats.shape, [7, 1])
        XCTAssertEqual(floats.floats(), (0..<7).map { Float($0) / 6 })
        XCTAssertEqual(try archive.array("ints").int64s(), [-3, 0, 1 << 40])
        XCTAssertEqual(try archive.array("mask").bools(), [true, false, true])
        XCTAssertEqual(try archive.strings("names"), ["ab", "c"])
        XCTAssertEqual(archive["objects"], .objectArray(shape: [2], elements: [.dict([(.string("k"), .int(1))]), .string("s")]))
    }

    func testZip64Structures() throws {
        let archive = try NPZ.read(contentsOf: TestFiles.crafted("npz_zip64.npz"))
        XCTAssertEqual(archive.names, ["first", "second"])
        XCTAssertEqual(try archive.array("first").floats(), [0, 1, 2, 3])
        XCTAssertEqual(try archive.array("second").int64s(), [7, -7])
    }

    func testRoundTripStoredAndDeflated() throws {
        let directory = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let arrays = try sampleArrays().filter { $0.array.dtype != .bfloat16 }
            + [("large", try NDArray(floats: (0..<300_000).map { Float($0 % 1000) }, shape: [300, 1000]))]
        for compressed in [false, true] {
            let url = directory.appendingPathComponent(compressed ? "deflated.npz" : "stored.npz")
            try NPZ.write(arrays, to: url, compressed: compressed)
            let archive = try NPZ.read(contentsOf: url)
            XCTAssertEqual(archive.names, arrays.map(\.name))
            for (name, array) in arrays {
                XCTAssertEqual(try archive.array(name), array, "\(name) compressed: \(compressed)")
            }
            let zip = try ZipReader(data: Data(contentsOf: url), context: "test")
            XCTAssertTrue(zip.entries.allSatisfy { $0.method == (compressed ? 8 : 0) })
        }
        let stored = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("stored.npz").path)[.size] as? Int ?? 0
        let deflated = try FileManager.default.attributesOfItem(atPath: directory.appendingPathComponent("deflated.npz").path)[.size] as? Int ?? 0
        XCTAssertLessThan(deflated * 10, stored, "the repetitive array compresses")
        assertThrowsMessage(try NPZ.write([("a", arrays[0].array), ("a", arrays[0].array)], to: directory.appendingPathComponent("dup.npz")),
                            contains: "duplicate array name 'a'")
    }

    /// A deflated member that declares far more bytes than its npy header needs (a zip bomb: 8 MB of zeros in a few
    /// KB) is refused from its header, before it is inflated.
    func testMemberLargerThanItsHeaderSaysIsRefusedUninflated() throws {
        let directory = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("bomb.npz")
        let header = try NPY.header(for: try NDArray(floats: [1, 2], shape: [2]))
        let contents = Data(header) + Data(count: 8 + (8 << 20))
        let archive = try Archive(url: url, accessMode: .create)
        try archive.addEntry(with: "a.npy", type: .file, uncompressedSize: Int64(contents.count), compressionMethod: .deflate) { position, size in
            contents.subdata(in: Int(position)..<Int(position) + size)
        }
        XCTAssertLessThan(try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? .max, 1 << 16)
        assertThrowsMessage(try NPZ.read(contentsOf: url),
                            contains: "bomb.npz/a.npy: the zip entry holds \(contents.count) bytes but its npy header needs \(header.count + 8)")
    }

    /// The end record's entry count is checked against the central directory's size: a count cut to 1 (or 0) would
    /// otherwise drop arrays without a word (Python's zipfile still reads them all).
    func testEntryCountBelowTheDirectoryIsRefused() throws {
        let directory = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("two.npz")
        let array = try NDArray(floats: [1, 2], shape: [2])
        try NPZ.write([("a", array), ("b", array)], to: url, compressed: false)
        var bytes = [UInt8](try Data(contentsOf: url))
        let end = try XCTUnwrap((0...(bytes.count - 4)).last { bytes[$0..<($0 + 4)].elementsEqual([0x50, 0x4B, 0x05, 0x06]) })
        for count: UInt8 in [1, 0] {
            bytes[end + 8] = count
            bytes[end + 10] = count
            let cut = directory.appendingPathComponent("cut\(count).npz")
            try Data(bytes).write(to: cut)
            assertThrowsMessage(try NPZ.read(contentsOf: cut), contains: "cut\(count).npz", "the end record counts \(count) entries, but the central directory holds more")
        }
    }

    func testBrokenAndHostileArchives() {
        assertThrowsMessage(try NPZ.read(contentsOf: TestFiles.crafted("npz_truncated.npz")),
                            contains: "npz_truncated.npz", "not a zip archive")
        assertThrowsMessage(try NPZ.read(contentsOf: TestFiles.crafted("npz_bad_crc.npz")),
                            contains: "entry 'b.npy' is corrupt: CRC-32")
        // With checksums off the flipped byte (third byte of b[0]) goes unnoticed.
        XCTAssertEqual(try NPZ.read(contentsOf: TestFiles.crafted("npz_bad_crc.npz"), verifyChecksums: false).array("b").int64s(),
                       [0xFF0000] + (1..<10).map(Int64.init))
        // ZIPFoundation's own extractor never returns on this file; ours stops at the entry's end.
        assertThrowsMessage(try NPZ.read(contentsOf: TestFiles.crafted("npz_deflate_never_ends.npz")),
                            contains: "entry 'a.npy'", "corrupt deflate data")
        assertThrowsMessage(try NPZ.read(contentsOf: TestFiles.crafted("npz_non_npy_member.npz")),
                            contains: "member 'readme.txt' is not an .npy file")
        assertThrowsMessage(try NPZ.read(contentsOf: TestFiles.crafted("st_hole.safetensors")), contains: "not a zip archive")
    }
}
