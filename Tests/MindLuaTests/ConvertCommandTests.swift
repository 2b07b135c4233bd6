import Foundation
import MindIO
import XCTest

/// `mindvis convert`: reference checkpoints to safetensors, with key selection and prefix stripping.
final class ConvertCommandTests: CLITestCase {
    func fixture(_ name: String) throws -> String {
        let path = packageRoot().deletingLastPathComponent().appendingPathComponent("shared/fixtures/reference/" + name).path
        guard FileManager.default.fileExists(atPath: path) else { throw XCTSkip("fixtures not found at \(path)") }
        return path
    }

    func testConvertsTheReferenceCheckpoints() throws {
        let unet = try mindvis(["convert", try fixture("unet.ckpt"), "unet.safetensors", "--strip-prefix", "model.diffusion_model."])
        XCTAssertEqual(unet.status, 0, unet.stderr)
        XCTAssertTrue(unet.stdout.hasPrefix("kept 292 tensors"), unet.stdout)
        let converted = try Safetensors.read(contentsOf: workDirectory.appendingPathComponent("unet.safetensors"))
        let reference = try Safetensors.read(contentsOf: URL(fileURLWithPath: try fixture("unet.safetensors")))
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: converted.arrays.map { ($0.name, $0.array) }),
                       Dictionary(uniqueKeysWithValues: reference.arrays.map { ($0.name, $0.array) }))
        XCTAssertEqual(converted.metadata["stripped_prefix"], "model.diffusion_model.")

        let mae = try mindvis(["convert", try fixture("mae.pth"), "mae.safetensors", "--key", "model"])
        XCTAssertEqual(mae.status, 0, mae.stderr)
        let maeOut = try Safetensors.read(contentsOf: workDirectory.appendingPathComponent("mae.safetensors")).arrays
        XCTAssertEqual(maeOut.count, 50)
        XCTAssertEqual(maeOut.first?.name, "cls_token")
    }

    func testConvertErrors() throws {
        let missingKey = try mindvis(["convert", try fixture("mae.pth"), "x.safetensors", "--key", "weights"])
        XCTAssertEqual(missingKey.status, 1)
        XCTAssertTrue(missingKey.stderr.contains("no key 'weights'") && missingKey.stderr.contains("model"), missingKey.stderr)
        let typo = try mindvis(["convert", "a.pth", "b.safetensors", "--strip-prefx", "m."])
        XCTAssertEqual(typo.status, 2)
        XCTAssertTrue(typo.stderr.contains("did you mean '--strip-prefix'"), typo.stderr)
        XCTAssertEqual(try mindvis(["convert", "a.pth"]).status, 2)
        XCTAssertEqual(try mindvis(["convert", "a.pth", "b.bin"]).status, 2)
        let missing = try mindvis(["convert", "missing.pth", "b.safetensors"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("missing.pth"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: workDirectory.appendingPathComponent("x.safetensors").path), "nothing written on failure")
    }
}
