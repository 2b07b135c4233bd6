import Foundation
import XCTest
@testable import MindIO

final class NDArrayTests: XCTestCase {
    func testValidation() throws {
        assertThrowsMessage(try NDArray(dtype: .float32, shape: [2, 3], bytes: [0, 0, 0]), contains: "needs 24 bytes, got 3")
        assertThrowsMessage(try NDArray(dtype: .float32, shape: [-1], bytes: []), contains: "negative dimension")
        assertThrowsMessage(try NDArray(dtype: .float64, shape: [1 << 40, 1 << 40], bytes: []), contains: "more elements than can be addressed")
        assertThrowsMessage(try NDArray(dtype: .float64, shape: [1 << 61], bytes: []), contains: "more bytes than can be addressed")
        assertThrowsMessage(try NDArray(floats: [1, 2], shape: [3]), contains: "3 elements, got 2 values")
        let scalar = try NDArray(int64s: [9], shape: [])
        XCTAssertEqual(scalar.numel, 1)
        XCTAssertEqual(try NDArray(uint8s: [], shape: [0, 5]).numel, 0)
    }

    func testHalfAndBFloat16Conversion() throws {
        // 1.0, -2.0, smallest subnormal, largest finite, +inf, -0.0, NaN
        let halfBits: [UInt16] = [0x3C00, 0xC000, 0x0001, 0x7BFF, 0x7C00, 0x8000, 0x7E00]
        let half = try NDArray(dtype: .float16, shape: [7], bytes: halfBits.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        let floats = half.floats()
        XCTAssertEqual(Array(floats.prefix(6)), [1, -2, 0x1p-24, 65504, .infinity, -0.0])
        XCTAssertEqual(floats[5].sign, .minus)
        XCTAssertTrue(floats[6].isNaN)
        XCTAssertEqual(half.bools(), [true, true, true, true, true, false, true])
        let bf16 = try NDArray(dtype: .bfloat16, shape: [3], bytes: [0x80, 0x3F, 0xC0, 0xBF, 0x49, 0x40])
        XCTAssertEqual(bf16.floats(), [1, -1.5, 3.140625])
        XCTAssertEqual(bf16.doubles(), [1, -1.5, 3.140625])
    }

    func testIntegerConversions() throws {
        let int8 = try NDArray(dtype: .int8, shape: [3], bytes: [0xFF, 0x80, 0x7F])
        XCTAssertEqual(try int8.int64s(), [-1, -128, 127])
        XCTAssertEqual(int8.floats(), [-1, -128, 127])
        let int16 = try NDArray(dtype: .int16, shape: [2], bytes: [0x00, 0x80, 0xFF, 0x7F])
        XCTAssertEqual(try int16.int64s(), [-32768, 32767])
        let int32 = try NDArray(dtype: .int32, shape: [1], bytes: [0xFE, 0xFF, 0xFF, 0xFF])
        XCTAssertEqual(int32.doubles(), [-2])
        let bools = try NDArray(bools: [true, false], shape: [2])
        XCTAssertEqual(try bools.int64s(), [1, 0])
        XCTAssertEqual(bools.floats(), [1, 0])
        XCTAssertEqual(try NDArray(doubles: [3, -4e18], shape: [2]).int64s(), [3, -4_000_000_000_000_000_000])
        assertThrowsMessage(try NDArray(floats: [1, 2.5], shape: [2]).int64s(), contains: "element 1 is 2.5")
        assertThrowsMessage(try NDArray(doubles: [1e19], shape: [1]).int64s(), contains: "not an integer in Int64 range")
        assertThrowsMessage(try NDArray(floats: [.nan], shape: [1]).int64s(), contains: "element 0 is nan")
    }
}
