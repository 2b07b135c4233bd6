import Foundation
import XCTest
@testable import MindIO

/// Seeded random corruption of valid files: every reader must either succeed or throw MindIOError —
/// a trap would crash the test process. Deterministic (fixed seed), a few seconds in total.
final class MutationTests: XCTestCase {
    /// xorshift64*; the seed makes every run mutate the same bytes.
    private struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state ^= state >> 12
            state ^= state << 25
            state ^= state >> 27
            return Int((state &* 2_685_821_657_736_338_717) % UInt64(max(bound, 1)))
        }
    }

    private func mutations(of original: [UInt8], count: Int, seed: UInt64) -> [[UInt8]] {
        var generator = Generator(state: seed)
        return (0..<count).map { round in
            var bytes = original
            switch round % 4 {
            case 0:
                bytes = Array(bytes.prefix(generator.next(bytes.count)))
            case 1:
                for _ in 0...generator.next(4) {
                    bytes[generator.next(bytes.count)] = UInt8(truncatingIfNeeded: generator.next(256))
                }
            case 2:
                // Interesting integers (lengths, counts) written over a random position.
                let values: [UInt64] = [0, 1, 0xFF, 0xFFFF, 0xFFFF_FFFF, 0x7FFF_FFFF, UInt64.max, 1 << 40]
                let value = values[generator.next(values.count)]
                let position = generator.next(bytes.count)
                for offset in 0..<min(8, bytes.count - position) {
                    bytes[position + offset] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(offset)))
                }
            default:
                let position = generator.next(bytes.count)
                bytes.insert(contentsOf: [UInt8](repeating: UInt8(truncatingIfNeeded: generator.next(256)), count: generator.next(16)), at: position)
            }
            return bytes
        }
    }

    private func survive(_ label: String, _ body: () throws -> Void) {
        do {
            try body()
        } catch is MindIOError {
        } catch {
            XCTFail("\(label): non-MindIO error \(error)")
        }
    }

    func testCorruptedInMemoryFormats() throws {
        let directory = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let safetensorsURL = directory.appendingPathComponent("sample.safetensors")
        try Safetensors.write(try sampleArrays(), metadata: ["k": "v"], to: safetensorsURL)
        let safetensors = [UInt8](try Data(contentsOf: safetensorsURL))
        for (index, bytes) in mutations(of: safetensors, count: 600, seed: 1).enumerated() {
            survive("safetensors \(index)") { _ = try SafetensorsFile(data: Data(bytes), name: "m").arrays() }
        }
        for name in ["npy_fortran_i2.npy", "npy_v3_unicode.npy", "npy_object_list.npy", "npy_big_endian_unicode.npy"] {
            let original = [UInt8](try Data(contentsOf: TestFiles.crafted(name)))
            for (index, bytes) in mutations(of: original, count: 300, seed: 2).enumerated() {
                survive("\(name) \(index)") { _ = try bytes.withUnsafeBytes { try NPY.decode($0, name: "m") } }
            }
        }
        for name in ["pickle_numpy_p2.pkl", "pickle_numpy_p4.pkl", "pickle_builtins_p5.pkl", "pickle_inert_class.pkl"] {
            let original = [UInt8](try Data(contentsOf: TestFiles.crafted(name)))
            for (index, bytes) in mutations(of: original, count: 400, seed: 3).enumerated() {
                survive("\(name) \(index)") { _ = try bytes.withUnsafeBytes { try Pickle.load($0, name: "m") } }
            }
        }
    }

    func testCorruptedArchives() throws {
        let directory = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let cases: [(String, String, (URL) throws -> Void)] = [
            ("npz_compressed_mixed.npz", "m.npz", { _ = try NPZ.read(contentsOf: $0) }),
            ("npz_zip64.npz", "m.npz", { _ = try NPZ.read(contentsOf: $0) }),
            ("torch_views.pth", "m.pth", { _ = try TorchCheckpoint.load(contentsOf: $0) }),
            ("torch_legacy.pt", "m.pt", { _ = try TorchCheckpoint.load(contentsOf: $0) }),
        ]
        for (name, target, load) in cases {
            let original = [UInt8](try Data(contentsOf: TestFiles.crafted(name)))
            let url = directory.appendingPathComponent(target)
            for (index, bytes) in mutations(of: original, count: 300, seed: 4).enumerated() {
                try Data(bytes).write(to: url)
                survive("\(name) \(index)") { try load(url) }
            }
        }
    }
}
