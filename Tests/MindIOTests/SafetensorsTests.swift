import Foundation
import XCTest
@testable import MindIO

/// One small array of every dtype, including a scalar and an empty array.
func sampleArrays() throws -> [NamedArray] {
    func pattern(_ count: Int, seed: UInt8) -> [UInt8] { (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ Int(seed)) } }
    return [
        ("f32", try NDArray(floats: [1.5, -2, 0, 3.25, .infinity, -0.0], shape: [2, 3])),
        ("f16", try NDArray(dtype: .float16, shape: [3], bytes: pattern(6, seed: 1))),
        ("bf16", try NDArray(dtype: .bfloat16, shape: [2, 1], bytes: pattern(4, seed: 2))),
        ("f64", try NDArray(doubles: [1e300, -0.5], shape: [2])),
        ("i64", try NDArray(int64s: [Int64.min, -1, 0, Int64.max], shape: [4])),
        ("i32", try NDArray(dtype: .int32, shape: [2], bytes: pattern(8, seed: 3))),
        ("i16", try NDArray(dtype: .int16, shape: [1, 2], bytes: pattern(4, seed: 4))),
        ("i8", try NDArray(dtype: .int8, shape: [3], bytes: [0x80, 0x7F, 0x01])),
        ("u8", try NDArray(uint8s: [0, 128, 255], shape: [3])),
        ("bool", try NDArray(bools: [true, false, true, true], shape: [2, 2])),
        ("scalar", try NDArray(floats: [42], shape: [])),
        ("empty", try NDArray(floats: [], shape: [0, 4])),
    ]
}

final class SafetensorsTests: XCTestCase {
    func testReadsReferenceFile() throws {
        let file = try SafetensorsFile(contentsOf: TestFiles.fixture("reference/mae.safetensors"))
        XCTAssertEqual(file.entries.count, 50)
        XCTAssertEqual(file.metadata, [:])
        XCTAssertTrue(file.entries.allSatisfy { $0.dtype == .float32 })
        XCTAssertEqual(file.names, file.names.sorted(), "the reference writer lays tensors out by name")
        let cls = try file.array(named: "cls_token")
        XCTAssertEqual(cls.shape, [1, 1, 32])
        XCTAssertEqual(Array(cls.floats().prefix(3)), [0.18099578, 0.20243326, -0.23908322])
        assertThrowsMessage(try file.array(named: "missing"), contains: "no tensor named 'missing'")
    }

    func testRoundTripEveryDTypeWithMetadata() throws {
        let directory = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("all.safetensors")
        let arrays = try sampleArrays()
        let metadata = ["format": "pt", "note": "quote \" backslash \\ newline \n ünïcode"]
        try Safetensors.write(arrays, metadata: metadata, to: url)
        let (readBack, readMetadata) = try Safetensors.read(contentsOf: url)
        XCTAssertEqual(readMetadata, metadata)
        XCTAssertEqual(readBack.map(\.name), arrays.map(\.name), "file order is the order written")
        for ((name, expected), (_, actual)) in zip(arrays, readBack) {
            XCTAssertEqual(actual, expected, name)
        }
        // Header padded to 8 bytes, so the data buffer is aligned.
        let bytes = try Data(contentsOf: url)
        let headerLength = bytes.prefix(8).withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
        XCTAssertEqual(headerLength % 8, 0)
        // Writing again replaces the file atomically and leaves no temporary files.
        try Safetensors.write(Array(arrays.prefix(1)), to: url)
        XCTAssertEqual(try Safetensors.read(contentsOf: url).arrays.map(\.name), ["f32"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["all.safetensors"])
    }

    /// A reader holds its own copy of the file: another process truncating the file (a run rewriting its
    /// checkpoint) cannot pull the bytes away. With a memory map this read raised SIGBUS and killed the process.
    func testReaderSurvivesTheFileBeingTruncatedUnderIt() throws {
        let directory = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("big.safetensors")
        let values = (0..<(1 << 18)).map { Float($0) * 0.5 }
        try Safetensors.write([("w", try NDArray(floats: values, shape: [512, 512]))], to: url)
        let file = try SafetensorsFile(contentsOf: url)
        XCTAssertEqual(truncate(url.path, 0), 0)
        XCTAssertEqual(try file.array(named: "w").floats(), values)
    }

    /// A FIFO (or device) named as a checkpoint is refused at once instead of blocking the reader forever.
    func testNonRegularFilesAreRefused() throws {
        let directory = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fifo = directory.appendingPathComponent("pipe.safetensors")
        XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
        assertThrowsMessage(try SafetensorsFile(contentsOf: fifo), contains: "safetensors", "pipe.safetensors", "not a regular file")
        assertThrowsMessage(try NPZ.read(contentsOf: directory), contains: "npz", "is a directory")
    }

    func testWriterRejectsDuplicateAndReservedNames() throws {
        let directory = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("bad.safetensors")
        let array = try NDArray(floats: [1], shape: [1])
        assertThrowsMessage(try Safetensors.write([("a", array), ("a", array)], to: url), contains: "duplicate tensor name 'a'")
        assertThrowsMessage(try Safetensors.write([("__metadata__", array)], to: url), contains: "reserved")
        XCTAssertFalse(FileManager.default.fileExists(atPath: url.path))
    }

    func testHostileAndBrokenFiles() {
        let cases: [(String, [String])] = [
            ("st_truncated.safetensors", ["tensor 'b'", "out of range for a 35-byte data buffer"]),
            ("st_offsets_out_of_range.safetensors", ["data_offsets [4, 12] out of range for a 8-byte data buffer"]),
            ("st_overlap.safetensors", ["tensor 'b' at data_offsets [4, 8] overlaps tensor 'a'"]),
            ("st_hole.safetensors", ["hole in the data buffer: bytes 4..<8"]),
            ("st_size_mismatch.safetensors", ["F32 shape [3] needs 12 bytes, data_offsets [0, 8] span 8"]),
            ("st_overflow_shape.safetensors", ["shape [1099511627776, 1099511627776]", "more elements than can be addressed"]),
            ("st_unsupported_dtype.safetensors", ["unsupported dtype U16"]),
            ("st_duplicate_name.safetensors", ["duplicate key \"a\""]),
            ("st_not_json.safetensors", ["invalid JSON", "expected 'null'"]),
            ("st_header_longer_than_file.safetensors", ["runs past the end of the"]),
            ("st_header_huge.safetensors", ["header length 1099511627776 exceeds the 100000000-byte limit"]),
            // Another format is named as such, not read as a huge header length.
            ("npy_bool_scalar.npy", ["is not a safetensors file but a NumPy .npy array"]),
        ]
        for (name, fragments) in cases {
            for fragment in fragments {
                assertThrowsMessage(try SafetensorsFile(contentsOf: TestFiles.crafted(name)), contains: "safetensors:", name, fragment)
            }
        }
        assertThrowsMessage(try SafetensorsFile(data: Data([1, 0, 0]), name: "tiny"), contains: "too short")
        assertThrowsMessage(try SafetensorsFile(data: Data([2, 0, 0, 0, 0, 0, 0, 0]) + Data("[]".utf8), name: "array"),
                            contains: "does not start with a JSON object")
    }
}
