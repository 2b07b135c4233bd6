import MindIO
import MindTensor
import XCTest
@testable import MindVis

/// The first stage against outputs of the reference PyTorch code (`vq_io.npz`), with weights from
/// `vq.safetensors` and from the Lightning-style `vq.ckpt` (`{'state_dict': ...}`).
final class VQReferenceTests: XCTestCase {
    static func config(_ io: [String: NDArray]) throws -> VQConfig {
        func ints(_ key: String) throws -> ConfigValue { .list(try XCTUnwrap(io[key], key).doubles().map { .int(Int($0)) }) }
        let dd: [(String, ConfigValue)] = [
            ("double_z", .bool(try Fixtures.int(io, "double_z") != 0)), ("z_channels", .int(try Fixtures.int(io, "z_channels"))),
            ("resolution", .int(try Fixtures.int(io, "resolution"))), ("in_channels", .int(try Fixtures.int(io, "in_channels"))),
            ("out_ch", .int(try Fixtures.int(io, "out_ch"))), ("ch", .int(try Fixtures.int(io, "ch"))), ("ch_mult", try ints("ch_mult")),
            ("num_res_blocks", .int(try Fixtures.int(io, "num_res_blocks"))), ("attn_resolutions", try ints("attn_resolutions")),
            ("dropout", .double(try Fixtures.double(io, "dropout"))),
        ]
        return try VQConfig(["embed_dim": .int(try Fixtures.int(io, "embed_dim")), "n_embed": .int(try Fixtures.int(io, "n_embed")),
                             "ddconfig": .table(dd)])
    }

    func testEncodeQuantizeDecodeMatchReference() throws {
        let io = try Fixtures.npz("reference/vq_io.npz")
        for file in ["vq.safetensors", "vq.ckpt"] {
            let vq = try VQModel(Self.config(io))
            try vq.loadStateDict(StateDict.load(contentsOf: Fixtures.url("reference/" + file)).namedTensors())
            try withNoGrad {
                let h = try vq.encode(Fixtures.tensor(io, "image"))
                XCTAssertLessThan(try relativeError(h, Fixtures.tensor(io, "h")), 1e-4, "\(file) h")
                let (quant, _, indices) = try vq.quantize(Fixtures.tensor(io, "h"))
                XCTAssertEqual(try indices.toArray(), try Fixtures.tensor(io, "indices").toArray(), "\(file) indices")
                XCTAssertLessThan(try relativeError(quant, Fixtures.tensor(io, "quant")), 1e-4, "\(file) quant")
                let decoded = try vq.decode(h)
                XCTAssertLessThan(try relativeError(decoded, Fixtures.tensor(io, "decoded")), 1e-4, "\(file) decoded")
                let fromCodes = try vq.decodeCode(indices.reshape([2, 8, 8]))
                XCTAssertLessThan(try relativeError(fromCodes, Fixtures.tensor(io, "decoded")), 1e-4, "\(file) decode_code")
            }
        }
    }

    func testStateDictOrderAndNamesMatchReference() throws {
        let io = try Fixtures.npz("reference/vq_io.npz")
        let vq = try VQModel(Self.config(io))
        let reference = try StateDict.load(contentsOf: Fixtures.url("reference/vq.ckpt"))
        // The pickled state dict keeps PyTorch's registration order.
        XCTAssertEqual(vq.stateDict().map(\.name), reference.names)
    }
}
