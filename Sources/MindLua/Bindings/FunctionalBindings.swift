import MindTensor

/// `mv.nn.functional` (also `mv.nn.F`): the layers as functions of explicit weights, PyTorch's argument order.
///
///     F.linear(x, weight [, bias])                     F.conv1d / conv2d(x, weight [, bias [, {stride, padding}]])
///     F.layer_norm(x, normalized_shape [, weight [, bias [, eps]]])
///     F.group_norm(x, num_groups [, weight [, bias [, eps]]])
///     F.dropout(x [, p = 0.5 [, training = true]])     F.embedding(indices, weight)      (1-based indices)
///     F.mse_loss(input, target)   F.l1_loss(input, target)   F.cross_entropy(logits [N, C], target [N], 1-based)
///     F.attention(q, k, v, heads [, {scale}])          F.gelu(x [, approximate])  relu silu sigmoid tanh
///     F.softmax(x, dim)   F.log_softmax(x, dim)
enum FunctionalBindings: LuaBindingSet {
    static let table = "mv.nn.functional"

    static func install(_ state: LuaState) throws {
        try state.bind(table, "linear") { args in
            let x = try args.tensor(1, "input"), weight = try args.tensor(2, "weight")
            return try args.returning(tensor: try x.linear(weight: weight, bias: try args.optionalTensor(3, "bias")))
        }
        try state.bind(table, "conv1d") { args in
            let x = try args.tensor(1, "input"), weight = try args.tensor(2, "weight"), bias = try args.optionalTensor(3, "bias")
            let options = try args.options(4, allowed: ["stride", "padding"])
            let stride = try options.integer("stride", default: 1, min: 1, max: LayerArguments.maxStrideOrPadding)
            let padding = try options.integer("padding", default: 0, min: 0, max: LayerArguments.maxStrideOrPadding)
            return try args.returning(tensor: try x.conv1d(weight: weight, bias: bias, stride: stride, padding: padding))
        }
        try state.bind(table, "conv2d") { args in
            let x = try args.tensor(1, "input"), weight = try args.tensor(2, "weight"), bias = try args.optionalTensor(3, "bias")
            let options = try args.options(4, allowed: ["stride", "padding"])
            let stride = try pair(options, "stride", default: 1, min: 1, args)
            let padding = try pair(options, "padding", default: 0, min: 0, args)
            return try args.returning(tensor: try x.conv2d(weight: weight, bias: bias, stride: stride,
                                                           padding: Padding2D(padding.0, padding.1)))
        }
        try state.bind(table, "layer_norm") { args in
            let x = try args.tensor(1, "input")
            let shape = args.type(2) == .table ? try args.integerArray(2, "normalized_shape", min: 1, max: Shape.maxElements)
                : [try args.integer(2, "normalized_shape", min: 1, max: Shape.maxElements)]
            guard shape.count == 1, shape[0] == x.shape.last else {
                throw args.error("normalized_shape \(shape) must be the size of the last dimension of \(Shape.describe(x.shape)) (only the last dimension is normalised)")
            }
            let (weight, bias) = (try args.optionalTensor(3, "weight"), try args.optionalTensor(4, "bias"))
            return try args.returning(tensor: try x.layerNorm(weight: weight, bias: bias, eps: try eps(args, 5)))
        }
        try state.bind(table, "group_norm") { args in
            let x = try args.tensor(1, "input")
            let groups = try args.integer(2, "num_groups", min: 1, max: Shape.maxElements)
            let (weight, bias) = (try args.optionalTensor(3, "weight"), try args.optionalTensor(4, "bias"))
            return try args.returning(tensor: try x.groupNorm(groups: groups, weight: weight, bias: bias, eps: try eps(args, 5)))
        }
        try state.bind(table, "dropout") { args in
            let x = try args.tensor(1, "input")
            let p = Float(try args.optionalNumber(2, "p") ?? 0.5)
            return try args.returning(tensor: try x.dropout(p, training: try args.optionalBool(3, "training") ?? true))
        }
        try state.bind(table, "embedding") { args in
            let weight = try args.tensor(2, "weight")
            guard weight.rank == 2 else { throw args.argumentError(2, "weight", expected: "a 2-D [num_embeddings, dim] tensor") }
            let indices = try args.indexTensor(1, "indices", bound: weight.shape[0])
            return try args.returning(tensor: try Tensor.embedding(indices, weight: weight))
        }
        try state.bind(table, "mse_loss") { args in
            try args.returning(tensor: try args.tensor(1, "input").mseLoss(try args.tensor(2, "target")))
        }
        try state.bind(table, "l1_loss") { args in
            try args.returning(tensor: try args.tensor(1, "input").l1Loss(try args.tensor(2, "target")))
        }
        try state.bind(table, "cross_entropy") { args in
            let logits = try args.tensor(1, "input")
            guard logits.rank == 2 else {
                throw args.error("argument #1 'input': expected logits of shape [N, C], got shape \(Shape.describe(logits.shape))")
            }
            return try args.returning(tensor: try logits.crossEntropy(try args.indexTensor(2, "target", bound: logits.shape[1])))
        }
        try state.bind(table, "attention") { args in
            let (q, k, v) = (try args.tensor(1, "query"), try args.tensor(2, "key"), try args.tensor(3, "value"))
            let heads = try args.integer(4, "heads", min: 1, max: Shape.maxElements)
            let options = try args.options(5, allowed: ["scale"])
            let scale = try options.number("scale").map(Float.init)
            return try args.returning(tensor: try Tensor.attention(query: q, key: k, value: v, heads: heads, scale: scale))
        }
        try state.bind(table, "gelu") { args in
            let x = try args.tensor(1, "input")
            return try args.returning(tensor: try x.gelu(approximate: try TensorMath.geluApproximation(try args.value(2, "approximate")) {
                args.argumentError(2, "approximate", expected: "'none', 'tanh' or a boolean")
            }))
        }
        let unary: [(String, UnaryOp)] = [("relu", .relu), ("silu", .silu), ("sigmoid", .sigmoid), ("tanh", .tanh)]
        for (name, op) in unary {
            try state.bind(table, name) { args in try args.returning(tensor: try args.tensor(1, "input").unary(op)) }
        }
        try state.bind(table, "softmax") { args in
            let x = try args.tensor(1, "input")
            return try args.returning(tensor: try x.softmax(try args.dimension(2, rank: Swift.max(x.rank, 1))))
        }
        try state.bind(table, "log_softmax") { args in
            let x = try args.tensor(1, "input")
            return try args.returning(tensor: try x.logSoftmax(try args.dimension(2, rank: Swift.max(x.rank, 1))))
        }
        try state.run(chunk: "mv.nn.F = mv.nn.functional", name: "=[mindvis functional]")
    }

    /// A stride or padding given as one integer or `{h, w}`.
    private static func pair(_ options: LuaOptions, _ key: String, default value: Int, min: Int, _ args: LuaArgs) throws -> (Int, Int) {
        let limit = LayerArguments.maxStrideOrPadding
        if case .array = try options.value(key) {
            let values = try options.integerArray(key, min: min, max: limit) ?? []
            guard values.count == 2 else { throw args.error("option '\(key)': expected one integer or {height, width}, got \(values.count) values") }
            return (values[0], values[1])
        }
        let single = try options.integer(key, default: value, min: min, max: limit)
        return (single, single)
    }

    private static func eps(_ args: LuaArgs, _ i: Int) throws -> Float {
        let eps = try args.optionalNumber(i, "eps") ?? 1e-5
        guard eps >= 0, eps.isFinite else { throw args.argumentError(i, "eps", expected: "a finite number >= 0") }
        return Float(eps)
    }
}
