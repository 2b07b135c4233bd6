import Foundation
import XCTest
@testable import MindIO

/// numpy itself reads what MindIO writes (skipped when python3 with numpy is unavailable).
final class NumpyInteropTests: XCTestCase {
    func testNumpyLoadsOurNPYAndNPZ() throws {
        let directory = try TestFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let arrays = try sampleArrays().filter { $0.array.dtype != .bfloat16 }
        for (name, array) in arrays {
            try NPY.write(array, to: directory.appendingPathComponent(name + ".npy"))
        }
        try NPZ.write(arrays, to: directory.appendingPathComponent("stored.npz"))
        try NPZ.write(arrays, to: directory.appendingPathComponent("deflated.npz"), compressed: true)
        let script = """
        import sys, json, os
        try:
            import numpy as np
        except ImportError:
            sys.exit(3)
        d = \(String(reflecting: directory.path))
        out = {}
        for name in \(arrays.map(\.name)):
            a = np.load(os.path.join(d, name + '.npy'))
            out[name] = [a.dtype.str, list(a.shape), [x if np.isfinite(x) else None for x in a.astype('f8').ravel().tolist()]]
        for kind in ['stored', 'deflated']:
            z = np.load(os.path.join(d, kind + '.npz'))
            out[kind] = [k for k in z.files if np.array_equal(z[k], np.load(os.path.join(d, k + '.npy')))]
        print(json.dumps(out))
        """
        guard let output = try runPythonWithNumpy(script) else {
            throw XCTSkip("python3 with numpy is not available")
        }
        let parsed = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8), options: [.fragmentsAllowed]) as? [String: Any])
        let descr: [DType: String] = [.float32: "<f4", .float16: "<f2", .float64: "<f8", .int64: "<i8", .int32: "<i4",
                                      .int16: "<i2", .int8: "|i1", .uint8: "|u1", .bool: "|b1"]
        for (name, array) in arrays {
            let entry = try XCTUnwrap(parsed[name] as? [Any], name)
            XCTAssertEqual(entry[0] as? String, descr[array.dtype], name)
            XCTAssertEqual(entry[1] as? [Int], array.shape, name)
            let values = try XCTUnwrap(entry[2] as? [Any], name).map { ($0 as? NSNumber)?.doubleValue ?? .infinity }
            let expected = array.doubles()
            XCTAssertEqual(values.count, expected.count, name)
            for (actual, wanted) in zip(values, expected) where wanted.isFinite {
                XCTAssertEqual(actual, wanted, name)
            }
        }
        XCTAssertEqual(parsed["stored"] as? [String], arrays.map(\.name))
        XCTAssertEqual(parsed["deflated"] as? [String], arrays.map(\.name))
    }
}
