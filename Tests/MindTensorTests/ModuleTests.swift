import XCTest
@testable import MindTensor

private final class Block: Module, Layer {
    let norm1: LayerNorm, attn: MultiheadAttention, mlp: Sequential
    init(width: Int = 8) throws {
        norm1 = try LayerNorm(8)
        attn = try MultiheadAttention(dim: 8, heads: 2)
        mlp = Sequential(try Linear(8, 16), GELU(), try Linear(16, 8))
        super.init()
        registerModule("norm1", norm1)
        registerModule("attn", attn)
        registerModule("mlp", mlp)
    }
    func forward(_ x: Tensor) throws -> Tensor {
        let h = try x + attn(norm1(x))
        return try h + mlp(h)
    }
}

private final class Tiny: Module {
    let blocks: ModuleList<Block>
    let table: Tensor
    init(width: Int = 8) throws {
        table = try Tensor.zeros([1, 3])
        blocks = ModuleList([try Block(width: 8), try Block(width: 8)])
        super.init()
        try registerParameter("pos_embed", table, trainable: false)
        registerBuffer("counter", try Tensor.zeros([1]))
        registerModule("blocks", blocks)
    }
}

final class ModuleTests: XCTestCase {
    func testNamesFollowPyTorch() throws {
        let m = try Tiny(width: 3)
        let names = m.namedParameters().map(\.name)
        XCTAssertEqual(Array(names.prefix(7)), ["pos_embed", "blocks.0.norm1.weight", "blocks.0.norm1.bias", "blocks.0.attn.qkv.weight",
                                                "blocks.0.attn.qkv.bias", "blocks.0.attn.proj.weight", "blocks.0.attn.proj.bias"])
        XCTAssertTrue(names.contains("blocks.1.mlp.2.bias"))
        XCTAssertEqual(m.stateDict().map(\.name).prefix(2), ["pos_embed", "counter"])
        XCTAssertEqual(m.trainableParameters().count, m.parameters().count - 1, "frozen table gets no gradient")
    }

    func testLoadStateDictStrictMissingUnexpectedAndShapes() throws {
        let a = try Tiny(width: 3), b = try Tiny(width: 3)
        try b.loadStateDict(a.stateDict())
        for ((_, x), (_, y)) in zip(a.stateDict(), b.stateDict()) { XCTAssertEqual(try x.toArray(), try y.toArray()) }
        var partial = a.stateDict().filter { $0.name != "blocks.1.mlp.0.weight" }
        partial.append(("extra.weight", try Tensor.zeros([1])))
        assertThrows(["missing keys: blocks.1.mlp.0.weight", "unexpected keys: extra.weight"]) { try b.loadStateDict(partial) }
        // Hundreds of foreign keys are listed by their first 12 (a checkpoint of another model gave a 40 KB message).
        let foreign = try (0..<300).map { ("other.\($0)", try Tensor.zeros([1])) }
        assertThrows(["unexpected keys: other.0, other.1", "other.11 and 288 more"]) { try b.loadStateDict(a.stateDict() + foreign) }
        let (missing, unexpected) = try b.loadStateDict(partial, strict: false)
        XCTAssertEqual(missing, ["blocks.1.mlp.0.weight"])
        XCTAssertEqual(unexpected, ["extra.weight"])
        let prefixed = a.stateDict().map { ("model." + $0.name, $0.tensor) }
        XCTAssertEqual(try b.loadStateDict(prefixed, prefix: "model.").missing, [])
        var wrong = a.stateDict()
        wrong[1] = (wrong[1].name, try Tensor.zeros([2]))
        let before = try b.stateDict()[0].tensor.toArray()
        assertThrows(["counter", "[2]", "[1]"]) { try b.loadStateDict(wrong) }
        XCTAssertEqual(try b.stateDict()[0].tensor.toArray(), before, "a failed load changes nothing")
    }

    func testTrainEvalAndModulePathsInErrors() throws {
        let m = try Tiny(width: 3)
        m.eval()
        XCTAssertTrue(m.namedModules().allSatisfy { !$0.module.isTraining })
        m.train()
        XCTAssertTrue(m.blocks[1].mlp.isTraining)
        // Names come from registration only; a ModuleList lends its own name to its items.
        assertThrows(["blocks.1.norm1: layer_norm", "[2, 3, 5]"]) { _ = try m.blocks[1](Tensor.zeros([2, 3, 5])) }
        assertThrows(["attn.qkv: linear", "[2, 3, 5]"]) { _ = try m.blocks[0].attn(Tensor.zeros([2, 3, 5])) }
        do {
            _ = try m.blocks[0].mlp(Tensor.zeros([2, 5]))
            XCTFail("expected an error")
        } catch let e as TensorError {
            XCTAssertEqual(e.modulePath, ["mlp", "0"])
            XCTAssertTrue(e.description.hasPrefix("mlp.0: linear:"), e.description)
        }
        let unregistered = try Linear(3, 2)
        assertThrows(["linear"]) { _ = try unregistered(Tensor.zeros([2, 5])) }
        XCTAssertNil(unregistered.errorPathName)
    }

    func testDropoutOnlyInTraining() throws {
        let d = try Dropout(0.5, generator: Generator(seed: 3))
        let x = try Tensor.ones([1000])
        let y = try d(x).toArray()
        XCTAssertTrue(y.allSatisfy { $0 == 0 || $0 == 2 })
        XCTAssertEqual(Float(y.filter { $0 == 0 }.count) / 1000, 0.5, accuracy: 0.06)
        d.eval()
        XCTAssertEqual(try d(x).toArray(), try x.toArray())
    }
}
