import Foundation
import MindIO
import MindTensor
import XCTest

/// The reference fixtures, found by walking up from this file to `shared/fixtures` (the repository's
/// sibling in CI and development).
enum Fixtures {
    static let root: URL? = {
        var directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while directory.path != "/" {
            let candidate = directory.appendingPathComponent("shared/fixtures")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            directory = directory.deletingLastPathComponent()
        }
        return nil
    }()

    static func url(_ relative: String) throws -> URL {
        guard let root else { throw XCTSkip("shared/fixtures not found next to the repository") }
        return root.appendingPathComponent(relative)
    }

    /// All arrays of an .npz fixture by name.
    static func npz(_ relative: String) throws -> [String: NDArray] {
        let archive = try NPZ.read(contentsOf: url(relative))
        var out: [String: NDArray] = [:]
        for (name, value) in archive.entries { if case .array(let a) = value { out[name] = a } }
        return out
    }

    static func tensor(_ arrays: [String: NDArray], _ key: String) throws -> Tensor {
        try XCTUnwrap(arrays[key], "fixture array \(key)").tensor(name: key)
    }

    static func int(_ arrays: [String: NDArray], _ key: String) throws -> Int {
        Int(try XCTUnwrap(arrays[key], key).doubles()[0])
    }

    static func double(_ arrays: [String: NDArray], _ key: String) throws -> Double {
        try XCTUnwrap(arrays[key], key).doubles()[0]
    }
}

/// max |a - b| / max |b|, the fixtures' comparison rule.
func relativeError(_ a: Tensor, _ b: Tensor) throws -> Float {
    XCTAssertEqual(a.shape, b.shape)
    let x = try a.toArray(), y = try b.toArray()
    let scale = y.map { Swift.abs($0) }.max() ?? 0
    let diff = zip(x, y).map { Swift.abs($0 - $1) }.max() ?? 0
    return scale > 0 ? diff / scale : diff
}
