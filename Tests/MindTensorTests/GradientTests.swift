import XCTest
@testable import MindTensor

/// Every differentiable op against central differences (see GradCheck.swift for the tolerance).
final class GradientTests: XCTestCase {
    func testBinaryOpsWithBroadcasting() throws {
        for (name, op) in [("add", BinaryOp.add), ("sub", .sub), ("mul", .mul), ("maximum", .maximum), ("minimum", .minimum)] {
            try checkGradients(name, inputs: [randomInput([3, 4], seed: 1), randomInput([4], seed: 2)]) { try $0[0].binary(op, $0[1]) }
            try checkGradients(name + " column", inputs: [randomInput([2, 1, 3], seed: 3), randomInput([4, 1], seed: 4)]) {
                try $0[0].binary(op, $0[1])
            }
        }
        try checkGradients("div", inputs: [randomInput([3, 4], seed: 5), randomInput([3, 1], seed: 6, lo: 0.5, hi: 2)]) { try $0[0] / $0[1] }
        try checkGradients("pow tensor", inputs: [randomInput([5], seed: 7, lo: 0.5, hi: 2), randomInput([5], seed: 8)]) { try $0[0].pow($0[1]) }
        try checkGradients("scalar ops", inputs: [randomInput([2, 3], seed: 9)]) { try (2 - $0[0] * 3) / 4 + 1 }
    }

    func testUnaryOps() throws {
        let ops: [(String, (Tensor) throws -> Tensor)] = [
            ("neg", { try $0.neg() }), ("exp", { try $0.exp() }), ("tanh", { try $0.tanh() }),
            ("sigmoid", { try $0.sigmoid() }), ("silu", { try $0.silu() }), ("gelu", { try $0.gelu() }),
            ("gelu tanh", { try $0.gelu(approximate: true) }), ("sin", { try $0.sin() }), ("cos", { try $0.cos() }),
            ("pow 3", { try $0.pow(3) }), ("square", { try $0.pow(2) }),
        ]
        for (name, f) in ops {
            try checkGradients(name, inputs: [randomInput([4, 5], seed: 11, lo: -2, hi: 2)]) { try f($0[0]) }
        }
        // Ops with kinks or restricted domains, sampled away from the kink.
        try checkGradients("log", inputs: [randomInput([10], seed: 12, lo: 0.5, hi: 3)]) { try $0[0].log() }
        try checkGradients("sqrt", inputs: [randomInput([10], seed: 13, lo: 0.5, hi: 3)]) { try $0[0].sqrt() }
        try checkGradients("abs", inputs: [Tensor([-1.5, -0.7, 0.4, 1.2, 2.0])]) { try $0[0].abs() }
        try checkGradients("relu", inputs: [Tensor([-1.5, -0.7, 0.4, 1.2, 2.0])]) { try $0[0].relu() }
        try checkGradients("clamp", inputs: [Tensor([-1.5, -0.7, 0.4, 1.2, 2.0])]) { try $0[0].clamp(min: -1, max: 1) }
    }

    func testReductions() throws {
        let x = { try randomInput([3, 4, 5], seed: 21) }
        try checkGradients("sum all", inputs: [x()]) { try $0[0].sum() }
        try checkGradients("sum dims", inputs: [x()]) { try $0[0].sum(dims: [0, 2]) }
        try checkGradients("sum keepdim", inputs: [x()]) { try $0[0].sum(1, keepDim: true) }
        try checkGradients("mean", inputs: [x()]) { try $0[0].mean(-1) }
        try checkGradients("var", inputs: [x()]) { try $0[0].variance(dims: [1]) }
        try checkGradients("max dim", inputs: [x()]) { try $0[0].max(1).values }
        try checkGradients("min all", inputs: [x()]) { try $0[0].min() }
    }

    func testViewsAndJoins() throws {
        let x = { try randomInput([2, 3, 4], seed: 31) }
        try checkGradients("reshape", inputs: [x()]) { try $0[0].reshape([6, -1]) }
        try checkGradients("transpose", inputs: [x()]) { try $0[0].transpose(0, 2) * 1 }
        try checkGradients("permute", inputs: [x()]) { try $0[0].permute([2, 0, 1]).contiguous() }
        try checkGradients("narrow", inputs: [x()]) { try $0[0].narrow(2, start: 1, length: 2) }
        try checkGradients("select", inputs: [x()]) { try $0[0].select(1, 2) }
        try checkGradients("expand", inputs: [randomInput([3, 1], seed: 32)]) { try $0[0].expand([2, 3, 4]) }
        try checkGradients("repeat", inputs: [randomInput([2, 3], seed: 33)]) { try $0[0].repeated([2, 1, 3]) }
        try checkGradients("squeeze", inputs: [randomInput([2, 1, 3], seed: 34)]) { try $0[0].squeeze(1).unsqueeze(0) }
        try checkGradients("cat", inputs: [x(), randomInput([2, 1, 4], seed: 35)]) { try Tensor.cat($0, dim: 1) }
        try checkGradients("stack", inputs: [x(), randomInput([2, 3, 4], seed: 36)]) { try Tensor.stack($0, dim: 3) }
        try checkGradients("chunk", inputs: [x()]) { try $0[0].chunk(3, dim: 2)[1] * 2 }
    }

    func testIndexing() throws {
        let index = try Tensor([2, 0, 1, 1, 3, 0], shape: [2, 3, 1]).expand([2, 3, 5]).contiguous()
        try checkGradients("gather", inputs: [randomInput([2, 4, 5], seed: 41)]) { try $0[0].gather(1, index: index) }
        // The same index left as a broadcast view takes the row-copy path.
        let rowIndex = try Tensor([2, 0, 1, 1, 3, 0], shape: [2, 3, 1]).expand([2, 3, 5])
        try checkGradients("gather rows", inputs: [randomInput([2, 4, 5], seed: 41)]) { try $0[0].gather(1, index: rowIndex) }
        try checkGradients("index_select", inputs: [randomInput([4, 3], seed: 42)]) { try $0[0].indexSelect(0, index: Tensor([3, 1, 3])) }
        try checkGradients("embedding", inputs: [randomInput([5, 3], seed: 43)]) {
            try Tensor.embedding(Tensor([4, 0, 4, 2], shape: [2, 2]), weight: $0[0])
        }
        let mask = try Tensor([1, 0, 0, 1, 1, 0], shape: [2, 3])
        try checkGradients("where", inputs: [randomInput([2, 3], seed: 44), randomInput([3], seed: 45)]) {
            try Tensor.where(mask, $0[0], $0[1])
        }
        try checkGradients("masked_fill", inputs: [randomInput([2, 3], seed: 46)]) { try $0[0].maskedFill(mask, -5) }
    }

    func testMatmulShapes() throws {
        try checkGradients("matmul 2d", inputs: [randomInput([3, 4], seed: 51), randomInput([4, 5], seed: 52)]) { try $0[0].matmul($0[1]) }
        try checkGradients("matmul batched x 2d", inputs: [randomInput([2, 3, 4], seed: 53), randomInput([4, 2], seed: 54)]) {
            try $0[0].matmul($0[1])
        }
        try checkGradients("matmul broadcast batch", inputs: [randomInput([2, 1, 3, 4], seed: 55), randomInput([3, 4, 2], seed: 56)]) {
            try $0[0].matmul($0[1])
        }
        try checkGradients("matmul transposed views", inputs: [randomInput([4, 3], seed: 57), randomInput([5, 4], seed: 58)]) {
            try $0[0].t().matmul($0[1].t())
        }
        try checkGradients("matmul vectors", inputs: [randomInput([4], seed: 59), randomInput([4, 3], seed: 60)]) { try $0[0].matmul($0[1]) }
        try checkGradients("dot", inputs: [randomInput([4], seed: 61), randomInput([4], seed: 62)]) { try $0[0].matmul($0[1]) }
    }

    func testLinearSoftmaxNorms() throws {
        try checkGradients("linear", inputs: [randomInput([2, 3, 4], seed: 71), randomInput([5, 4], seed: 72), randomInput([5], seed: 73)]) {
            try $0[0].linear(weight: $0[1], bias: $0[2])
        }
        try checkGradients("softmax last", inputs: [randomInput([3, 5], seed: 74)]) { try $0[0].softmax(-1) }
        try checkGradients("softmax scaled dim0", inputs: [randomInput([3, 5], seed: 75)]) { try $0[0].softmax(0, scale: 0.5) }
        try checkGradients("log_softmax", inputs: [randomInput([3, 5], seed: 76)]) { try $0[0].logSoftmax(1) }
        try checkGradients("layer_norm", inputs: [randomInput([3, 6], seed: 77), randomInput([6], seed: 78), randomInput([6], seed: 79)]) {
            try $0[0].layerNorm(weight: $0[1], bias: $0[2])
        }
        try checkGradients("layer_norm no affine", inputs: [randomInput([2, 2, 5], seed: 80)]) { try $0[0].layerNorm(weight: nil, bias: nil) }
        try checkGradients("group_norm", inputs: [randomInput([2, 4, 3, 3], seed: 81), randomInput([4], seed: 82), randomInput([4], seed: 83)]) {
            try $0[0].groupNorm(groups: 2, weight: $0[1], bias: $0[2])
        }
        try checkGradients("geglu", inputs: [randomInput([3, 2, 10], seed: 87, lo: -3, hi: 3)]) { try $0[0].geglu() }
        try checkGradients("group_norm_silu", inputs: [randomInput([2, 4, 3, 3], seed: 84), randomInput([4], seed: 85), randomInput([4], seed: 86)]) {
            try $0[0].groupNormSiLU(groups: 2, weight: $0[1], bias: $0[2])
        }
    }

    func testConvolutionsAndResampling() throws {
        try checkGradients("conv2d 3x3 pad 1", inputs: [randomInput([2, 3, 5, 5], seed: 91), randomInput([4, 3, 3, 3], seed: 92), randomInput([4], seed: 93)]) {
            try $0[0].conv2d(weight: $0[1], bias: $0[2], padding: Padding2D(1))
        }
        try checkGradients("conv2d stride 2 asymmetric pad", inputs: [randomInput([1, 2, 6, 6], seed: 94), randomInput([3, 2, 3, 3], seed: 95)]) {
            try $0[0].conv2d(weight: $0[1], bias: nil, stride: (2, 2), padding: Padding2D(top: 0, bottom: 1, left: 0, right: 1))
        }
        try checkGradients("conv2d 1x1", inputs: [randomInput([2, 3, 4, 4], seed: 96), randomInput([5, 3, 1, 1], seed: 97), randomInput([5], seed: 98)]) {
            try $0[0].conv2d(weight: $0[1], bias: $0[2])
        }
        try checkGradients("conv1d patch", inputs: [randomInput([2, 1, 32], seed: 99), randomInput([6, 1, 16], seed: 100), randomInput([6], seed: 101)]) {
            try $0[0].conv1d(weight: $0[1], bias: $0[2], stride: 16)
        }
        try checkGradients("conv1d k=1 token mixing", inputs: [randomInput([2, 5, 3], seed: 102), randomInput([4, 5, 1], seed: 103)]) {
            try $0[0].conv1d(weight: $0[1], bias: nil)
        }
        try checkGradients("upsample", inputs: [randomInput([1, 2, 3, 3], seed: 104)]) { try $0[0].upsampleNearest2x() }
        try checkGradients("pad2d", inputs: [randomInput([1, 2, 3, 3], seed: 105)]) {
            try $0[0].pad2d(Padding2D(top: 1, bottom: 0, left: 2, right: 1), value: 0.5)
        }
    }

    func testAttention() throws {
        try checkGradients("self attention from qkv", inputs: [randomInput([2, 5, 12], seed: 111)]) {
            try Tensor.selfAttention(qkv: $0[0], heads: 2)
        }
        try checkGradients("cross attention", inputs: [randomInput([2, 3, 8], seed: 112), randomInput([2, 4, 8], seed: 113), randomInput([2, 4, 6], seed: 114)]) {
            try Tensor.attention(query: $0[0], key: $0[1], value: $0[2], heads: 2)
        }
        try checkGradients("attention on strided slices", inputs: [randomInput([1, 4, 9], seed: 115)]) {
            let parts = try $0[0].chunk(3, dim: 2)
            return try Tensor.attention(query: parts[0], key: parts[1], value: parts[2], heads: 1)
        }
    }

    func testLossesAndDropout() throws {
        let target = try randomInput([3, 4], seed: 121)
        try checkGradients("mse", inputs: [randomInput([3, 4], seed: 122)]) { try $0[0].mseLoss(target) }
        try checkGradients("l1", inputs: [randomInput([3, 4], seed: 123)]) { try $0[0].l1Loss(target) }
        try checkGradients("cross entropy", inputs: [randomInput([3, 5], seed: 124)]) { try $0[0].crossEntropy(Tensor([4, 0, 2])) }
        // Dropout with a fixed generator per evaluation so the mask is the same in every call.
        try checkGradients("dropout", inputs: [randomInput([20], seed: 125)]) { try $0[0].dropout(0.3, training: true, generator: Generator(seed: 5)) }
    }

    func testLayersThroughModules() throws {
        let mha = try MultiheadAttention(dim: 8, heads: 2, generator: Generator(seed: 1))
        try checkGradients("MultiheadAttention input", inputs: [randomInput([2, 3, 8], seed: 131)]) { try mha($0[0]) }
        let cross = try CrossAttention(queryDim: 6, contextDim: 4, heads: 2, headDim: 3, generator: Generator(seed: 2))
        let context = try randomInput([2, 5, 4], seed: 132)
        try checkGradients("CrossAttention input", inputs: [randomInput([2, 3, 6], seed: 133)]) { try cross.forward($0[0], context: context) }
        // Parameter gradients of a module: perturb the parameters themselves.
        let lin = try Linear(4, 3, generator: Generator(seed: 3))
        let x = try randomInput([5, 4], seed: 134)
        try checkGradients("Linear parameters", inputs: lin.parameters()) { _ in try lin(x).tanh() }
        let gn = try GroupNorm(2, 4)
        try checkGradients("GroupNorm parameters", inputs: gn.parameters()) { _ in try gn(randomInput([2, 4, 2, 2], seed: 135)) }
        let seq = Sequential(try Linear(3, 4, generator: Generator(seed: 4)), GELU(), try LayerNorm(4), try Linear(4, 2, generator: Generator(seed: 5)))
        try checkGradients("Sequential parameters", inputs: seq.parameters()) { _ in try seq(randomInput([3, 3], seed: 136)) }
    }
}
