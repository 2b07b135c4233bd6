import Foundation
import XCTest
@testable import MindIO

final class NPYTests: XCTestCase {
    func testByteOrderLayoutAndVersionVariants() throws {
        let bigEndian = try NPY.readArray(contentsOf: TestFiles.crafted("npy_big_endian_f8.npy"))
        XCTAssertEqual(bigEndian.dtype, .float64)
        XCTAssertEqual(bigEndian.doubles(), [1.5, -2.25, 1e300])

        let fortran = try NPY.readArray(contentsOf: TestFiles.crafted("npy_fortran_i2.npy"))
        XCTAssertEqual(fortran.dtype, .int16)
        XCTAssertEqual(fortran.shape, [2, 3, 4])
        XCTAssertEqual(try fortran.int64s(), (0..<24).map { Int64($0 - 5) })

        let both = try NPY.readArray(contentsOf: TestFiles.crafted("npy_big_endian_fortran_f4.npy"))
        XCTAssertEqual(both.floats(), [0, 0.25, 0.5, 0.75, 1, 1.25])

        let half = try NPY.readArray(contentsOf: TestFiles.crafted("npy_v2_f2.npy"))
        XCTAssertEqual(half.dtype, .float16)
        XCTAssertEqual(half.floats(), [0.5, -1, 65504, 0x1p-24, .infinity])

        let scalar = try NPY.readArray(contentsOf: TestFiles.crafted("npy_bool_scalar.npy"))
        XCTAssertEqual(scalar.shape, [])
        XCTAssertEqual(scalar.bools(), [true])
    }

    func testTextArrays() throws {
        let unicode = try NPY.read(contentsOf: TestFiles.crafted("npy_v3_unicode.npy"))
        XCTAssertEqual(unicode, .objectArray(shape: [2, 2], elements: [.string("héllo"), .string("wörld"), .string("∑"), .string("")]))
        let bigEndian = try NPY.read(contentsOf: TestFiles.crafted("npy_big_endian_unicode.npy"))
        XCTAssertEqual(bigEndian.asStrings, ["ab", "xyz"])
        let bytes = try NPY.read(contentsOf: TestFiles.crafted("npy_bytes.npy"))
        XCTAssertEqual(bytes, .objectArray(shape: [3], elements: [.bytes(Array("ab".utf8)), .bytes([]), .bytes(Array("cdef".utf8))]))
        assertThrowsMessage(try NPY.readArray(contentsOf: TestFiles.crafted("npy_bytes.npy")), contains: "not a numeric array")
    }

    func testObjectArray() throws {
        let value = try NPY.read(contentsOf: TestFiles.crafted("npy_object_list.npy"))
        guard case .objectArray(let shape, let elements) = value else { return XCTFail("got \(value.kindDescription)") }
        XCTAssertEqual(shape, [4])
        XCTAssertEqual(Array(elements.prefix(3)), [.int(1), .string("two"), .none])
        XCTAssertEqual(elements[3].asArray?.dtype, .int32)
        XCTAssertEqual(try elements[3].asArray?.int64s(), [0, 1, 2])
    }

    func testWriteReadRoundTrip() throws {
        let directory = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for (name, array) in try sampleArrays() where array.dtype != .bfloat16 {
            let url = directory.appendingPathComponent(name + ".npy")
            try NPY.write(array, to: url)
            XCTAssertEqual(try NPY.readArray(contentsOf: url), array, name)
            let header = try NPY.header(for: array)
            XCTAssertEqual(header.count % 64, 0, "data of \(name) starts 64-byte aligned")
        }
        let bf16 = try NDArray(dtype: .bfloat16, shape: [1], bytes: [0, 0x3F])
        assertThrowsMessage(try NPY.write(bf16, to: directory.appendingPathComponent("bf16.npy")), contains: "no bfloat16")
    }

    /// A version 1.0 npy preamble and header (no padding) for `header`.
    static func npy(header: String) -> [UInt8] {
        let text = Array((header + "\n").utf8)
        return Array("\u{93}NUMPY".unicodeScalars.map { UInt8($0.value) }) + [1, 0, UInt8(text.count % 256), UInt8(text.count / 256)] + text
    }

    func testBrokenAndHostileFiles() {
        assertThrowsMessage(try NPY.read(contentsOf: TestFiles.crafted("npy_truncated.npy")),
                            contains: "npy_truncated.npy", "shape [10, 37] of dtype <f4 needs 1480 bytes, found 1200")
        assertThrowsMessage(try NPY.read(contentsOf: TestFiles.crafted("npy_bad_magic.npy")), contains: "not an npy file")
        assertThrowsMessage(try NPY.read(contentsOf: TestFiles.crafted("npy_overflow_shape.npy")),
                            contains: "shape [1099511627776, 1099511627776]", "more elements than can be addressed")
        assertThrowsMessage(try NPY.read(contentsOf: TestFiles.crafted("npy_negative_itemsize.npy")),
                            contains: "unsupported numpy dtype '<U-5'")
        XCTAssertEqual(try NPY.readArray(contentsOf: TestFiles.crafted("npy_fortran_empty_huge.npy")).shape, [0, 1 << 40, 1 << 40])
        assertThrowsMessage(try NPY.read(contentsOf: TestFiles.crafted("npy_unsupported_dtype.npy")),
                            contains: "unsupported numpy dtype '<u2'")
        assertThrowsMessage(try NPY.read(contentsOf: TestFiles.crafted("npy_object_os_system.npy")),
                            contains: "refusing to call os.system (not on the allow-list)")
        assertThrowsMessage(try NPY.read(contentsOf: TestFiles.crafted("no_such.npy")), contains: "npy", "cannot open", "No such file")
        let headerOnly: [UInt8] = Array("\u{93}NUMPY".unicodeScalars.map { UInt8($0.value) }) + [1, 0, 10, 0] + Array("{'descr': ".utf8)
        assertThrowsMessage(try headerOnly.withUnsafeBytes { try NPY.decode($0, name: "cut") }, contains: "npy: cut", "malformed header")
        assertThrowsMessage(try [UInt8](headerOnly.prefix(9)).withUnsafeBytes { try NPY.decode($0, name: "cut") }, contains: "truncated")
        let listShape = Self.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': [2], }") + [UInt8](repeating: 0, count: 8)
        assertThrowsMessage(try listShape.withUnsafeBytes { try NPY.decode($0, name: "list") },
                            contains: "unexpected header entry 'shape': [2] (numpy writes")
    }

    /// The size an npz member must have (header plus data): zero data for an empty array whatever its other dimensions.
    func testFileSizeFromTheHeader() throws {
        let empty = Self.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776, 0), }")
        XCTAssertEqual(try empty.withUnsafeBytes { try NPY.fileSize(prefix: $0, name: "empty") }, empty.count)
        let pair = try NPY.header(for: try NDArray(floats: [1, 2], shape: [2]))
        XCTAssertEqual(try pair.withUnsafeBytes { try NPY.fileSize(prefix: $0, name: "pair") }, pair.count + 8)
    }
}
