import MindTensor

enum NormalizationBindings: LuaBindingSet {
    static func install(_ state: LuaState) throws {
        try state.bind("mv.nn", "LayerNorm", doc: """
            mv.nn.LayerNorm(normalized_shape [, options]) -> Module
            Normalises the last dimension to zero mean and unit variance, then scales and shifts (torch.nn.LayerNorm); normalized_shape is its size, or {size}.
            eps = 1e-5  -- added to the variance
            elementwise_affine = true  -- learn weight and bias
            """) { args in
            // torch.nn.LayerNorm takes a shape: one dimension, the last, is what this layer normalises.
            let d: Int
            if args.type(1) == .table {
                let shape = try args.integerArray(1, "normalized_shape", min: 1, max: Shape.maxElements)
                guard shape.count == 1 else {
                    throw args.error("normalized_shape: only the last dimension is normalised here; give its size or {size}, got \(shape.count) sizes")
                }
                d = shape[0]
            } else {
                d = try LayerArguments.size(args, 1, "normalized_shape")
            }
            let options = try args.options(2)
            return try args.returning(module: try LayerNorm(d, eps: try LayerArguments.eps(options, args),
                                                            affine: try options.bool("elementwise_affine", default: true)))
        }
        try state.bind("mv.nn", "GroupNorm", doc: """
            mv.nn.GroupNorm(num_groups, num_channels [, options]) -> Module
            Normalises [N, C, ...] over groups of channels and all positions, then scales and shifts per channel (torch.nn.GroupNorm).
            eps = 1e-5  -- added to the variance (the LDM's VQ and transformer blocks use 1e-6)
            affine = true  -- learn per-channel weight and bias
            """) { args in
            let (groups, channels) = (try LayerArguments.size(args, 1, "num_groups"), try LayerArguments.size(args, 2, "num_channels"))
            let options = try args.options(3)
            return try args.returning(module: try GroupNorm(groups, channels, eps: try LayerArguments.eps(options, args),
                                                            affine: try options.bool("affine", default: true)))
        }
    }
}
