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
        try state.bind(table, "linear", doc: """
            mv.nn.functional.linear(input, weight [, bias]) -> Tensor
            input·weightᵀ + bias over the last dimension (torch.nn.functional.linear): weight [out, in], bias [out], input [..., in].
            """) { args in
            let x = try args.tensor(1, "input"), weight = try args.tensor(2, "weight")
            return try args.returning(tensor: try x.linear(weight: weight, bias: try args.optionalTensor(3, "bias")))
        }
        try state.bind(table, "conv1d", doc: """
            mv.nn.functional.conv1d(input, weight [, bias [, options]]) -> Tensor
            1-D cross-correlation of input [N, C, L] with weight [O, C, k] plus bias [O], giving [N, O, L'] (torch.nn.functional.conv1d).
            stride = 1  -- step between kernel positions
            padding = 0  -- zeros added at both ends of L
            L' = (L + 2·padding - k) / stride + 1, rounded down. Pass nil as bias to give options without one.
            """) { args in
            let x = try args.tensor(1, "input"), weight = try args.tensor(2, "weight"), bias = try args.optionalTensor(3, "bias")
            let options = try args.options(4)
            let stride = try options.integer("stride", default: 1, min: 1, max: LayerArguments.maxStrideOrPadding)
            let padding = try options.integer("padding", default: 0, min: 0, max: LayerArguments.maxStrideOrPadding)
            return try args.returning(tensor: try x.conv1d(weight: weight, bias: bias, stride: stride, padding: padding))
        }
        try state.bind(table, "conv2d", doc: """
            mv.nn.functional.conv2d(input, weight [, bias [, options]]) -> Tensor
            2-D cross-correlation of input [N, C, H, W] with weight [O, C, kh, kw] plus bias [O], giving [N, O, H', W'] (torch.nn.functional.conv2d).
            stride = 1  -- step between kernel positions: one integer or {height, width}
            padding = 0  -- zeros added on each side: one integer or {height, width}
            H' = (H + 2·padding - kh) / stride + 1, rounded down (W' likewise). No dilation or groups.
            """) { args in
            let x = try args.tensor(1, "input"), weight = try args.tensor(2, "weight"), bias = try args.optionalTensor(3, "bias")
            let options = try args.options(4)
            let stride = try pair(options, "stride", default: 1, min: 1, args)
            let padding = try pair(options, "padding", default: 0, min: 0, args)
            return try args.returning(tensor: try x.conv2d(weight: weight, bias: bias, stride: stride,
                                                           padding: Padding2D(padding.0, padding.1)))
        }
        try state.bind(table, "layer_norm", doc: """
            mv.nn.functional.layer_norm(input, normalized_shape [, weight [, bias [, eps]]]) -> Tensor
            Normalises the last dimension to mean 0 and variance 1, then ·weight + bias (torch.nn.functional.layer_norm); eps defaults to 1e-5.
            normalized_shape must be the size of the last dimension (an integer or {size}); weight and bias are [size] tensors or nil.
            """) { args in
            let x = try args.tensor(1, "input")
            let shape = args.type(2) == .table ? try args.integerArray(2, "normalized_shape", min: 1, max: Shape.maxElements)
                : [try args.integer(2, "normalized_shape", min: 1, max: Shape.maxElements)]
            guard shape.count == 1, shape[0] == x.shape.last else {
                throw args.error("normalized_shape \(shape) must be the size of the last dimension of \(Shape.describe(x.shape)) (only the last dimension is normalised)")
            }
            let (weight, bias) = (try args.optionalTensor(3, "weight"), try args.optionalTensor(4, "bias"))
            return try args.returning(tensor: try x.layerNorm(weight: weight, bias: bias, eps: try eps(args, 5)))
        }
        try state.bind(table, "group_norm", doc: """
            mv.nn.functional.group_norm(input, num_groups [, weight [, bias [, eps]]]) -> Tensor
            Normalises input [N, C, ...] over each of num_groups groups of channels, then ·weight + bias per channel (torch.nn.functional.group_norm).
            C must be divisible by num_groups; weight and bias are [C] tensors or nil; eps defaults to 1e-5.
            """) { args in
            let x = try args.tensor(1, "input")
            let groups = try args.integer(2, "num_groups", min: 1, max: Shape.maxElements)
            let (weight, bias) = (try args.optionalTensor(3, "weight"), try args.optionalTensor(4, "bias"))
            return try args.returning(tensor: try x.groupNorm(groups: groups, weight: weight, bias: bias, eps: try eps(args, 5)))
        }
        try state.bind(table, "dropout", doc: """
            mv.nn.functional.dropout(input [, p [, training]]) -> Tensor
            Zeroes each element with probability p (default 0.5) and scales the rest by 1/(1-p) (torch.nn.functional.dropout).
            training defaults to true, as in PyTorch: pass false (or the module's training flag) to make it the identity. p must be in [0, 1).
            """) { args in
            let x = try args.tensor(1, "input")
            let p = Float(try args.optionalNumber(2, "p") ?? 0.5)
            return try args.returning(tensor: try x.dropout(p, training: try args.optionalBool(3, "training") ?? true))
        }
        try state.bind(table, "embedding", doc: """
            mv.nn.functional.embedding(indices, weight) -> Tensor
            The rows of weight [num_embeddings, dim] at the 1-based indices (a tensor of any shape), giving indices' shape + [dim].
            As torch.nn.functional.embedding but 1-based: index 1 is the first row. Differentiable in weight.
            """) { args in
            let weight = try args.tensor(2, "weight")
            guard weight.rank == 2 else { throw args.argumentError(2, "weight", expected: "a 2-D [num_embeddings, dim] tensor") }
            let indices = try args.indexTensor(1, "indices", bound: weight.shape[0])
            return try args.returning(tensor: try Tensor.embedding(indices, weight: weight))
        }
        try state.bind(table, "mse_loss", doc: """
            mv.nn.functional.mse_loss(input, target [, options]) -> Tensor
            (input - target)² reduced over all elements (torch.nn.functional.mse_loss).
            reduction = "mean"  -- "mean" or "sum" (a 0-d tensor), or "none" (the squared errors, input's shape)
            input and target must have the same shape (no broadcasting).
            """) { args in
            try args.returning(tensor: try args.tensor(1, "input").mseLoss(try args.tensor(2, "target"), reduction: lossReduction(args.options(3), args)))
        }
        try state.bind(table, "l1_loss", doc: """
            mv.nn.functional.l1_loss(input, target [, options]) -> Tensor
            |input - target| reduced over all elements (torch.nn.functional.l1_loss).
            reduction = "mean"  -- "mean" or "sum" (a 0-d tensor), or "none" (the absolute errors, input's shape)
            input and target must have the same shape (no broadcasting).
            """) { args in
            try args.returning(tensor: try args.tensor(1, "input").l1Loss(try args.tensor(2, "target"), reduction: lossReduction(args.options(3), args)))
        }
        try state.bind(table, "cross_entropy", doc: """
            mv.nn.functional.cross_entropy(input, target [, options]) -> Tensor
            -log softmax(input)[target] for logits [N, C] and classes [N], reduced over the batch (torch.nn.functional.cross_entropy).
            reduction = "mean"  -- "mean" or "sum" (a 0-d tensor), or "none" (the per-sample losses [N])
            label_smoothing = 0  -- ε in [0, 1]: the target is 1 - ε on the class plus ε/C on every class, as PyTorch
            target holds 1-based class numbers 1...C. No class weights or ignore_index.
            """) { args in
            let logits = try args.tensor(1, "input")
            guard logits.rank == 2 else {
                throw args.error("argument #1 'input': expected logits of shape [N, C], got shape \(Shape.describe(logits.shape))")
            }
            let target = try args.indexTensor(2, "target", bound: logits.shape[1])
            let options = try args.options(3)
            return try args.returning(tensor: try logits.crossEntropy(target, reduction: lossReduction(options, args),
                                                                      labelSmoothing: try options.number("label_smoothing", default: 0)))
        }
        try state.bind(table, "attention", doc: """
            mv.nn.functional.attention(query, key, value, heads [, options]) -> Tensor
            Multi-head softmax(q·kᵀ·scale)·v: query [B, Tq, D], key [B, Tk, D] and value [B, Tk, Dv] split into heads, giving [B, Tq, Dv].
            scale = 1/sqrt(D/heads)  -- multiplies q·kᵀ before the softmax
            D and Dv must be divisible by heads; head h uses the h-th block of D/heads features (PyTorch's view(B, T, heads, -1)). No mask or dropout.
            """) { args in
            let (q, k, v) = (try args.tensor(1, "query"), try args.tensor(2, "key"), try args.tensor(3, "value"))
            let heads = try args.integer(4, "heads", min: 1, max: Shape.maxElements)
            let options = try args.options(5)
            let scale = try options.number("scale").map(Float.init)
            return try args.returning(tensor: try Tensor.attention(query: q, key: k, value: v, heads: heads, scale: scale))
        }
        try state.bind(table, "gelu", doc: """
            mv.nn.functional.gelu(input [, approximate]) -> Tensor
            x·Φ(x) element-wise (torch.nn.functional.gelu): the exact erf form, or with approximate "tanh" (or true) the tanh form.
            """) { args in
            let x = try args.tensor(1, "input")
            return try args.returning(tensor: try x.gelu(approximate: try TensorMath.geluApproximation(try args.value(2, "approximate")) {
                args.argumentError(2, "approximate", expected: "'none', 'tanh' or a boolean")
            }))
        }
        let unary: [(String, UnaryOp, String)] = [("relu", .relu, "max(x, 0)"), ("silu", .silu, "x·sigmoid(x) (swish)"),
                                                  ("sigmoid", .sigmoid, "1/(1+e⁻ˣ)"), ("tanh", .tanh, "tanh x")]
        for (name, op, formula) in unary {
            try state.bind(table, name, doc: """
                mv.nn.functional.\(name)(input) -> Tensor
                Element-wise \(formula), as torch.nn.functional.\(name); the same as input:\(name)().
                """) { args in try args.returning(tensor: try args.tensor(1, "input").unary(op)) }
        }
        try state.bind(table, "softmax", doc: """
            mv.nn.functional.softmax(input, dim) -> Tensor
            exp(x) / sum(exp(x)) along dim (required; 1-based, negative from the end), as torch.nn.functional.softmax.
            """) { args in
            let x = try args.tensor(1, "input")
            return try args.returning(tensor: try x.softmax(try args.dimension(2, rank: Swift.max(x.rank, 1))))
        }
        try state.bind(table, "log_softmax", doc: """
            mv.nn.functional.log_softmax(input, dim) -> Tensor
            log(softmax(x)) along dim (required; 1-based, negative from the end), computed stably, as torch.nn.functional.log_softmax.
            """) { args in
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

    /// The `reduction =` option of the losses.
    static func lossReduction(_ options: LuaOptions, _ args: LuaArgs) throws -> LossReduction {
        let name = try options.string("reduction", default: "mean")
        guard let reduction = LossReduction(rawValue: name) else {
            throw args.error("option 'reduction': expected \"mean\", \"sum\" or \"none\", got \"\(name)\"")
        }
        return reduction
    }
}
