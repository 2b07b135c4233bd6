import MindTensor

enum LinearBinding: LuaBindingSet {
    static func install(_ state: LuaState) throws {
        try state.bind("mv.nn", "Linear", doc: """
            mv.nn.Linear(in_features, out_features [, options]) -> Module
            Applies y = x·Wᵀ + b to the last dimension, as torch.nn.Linear (weight [out, in], Kaiming-uniform init).
            bias = true  -- learn the additive bias b
            """) { args in
            let (i, o) = (try LayerArguments.size(args, 1, "in_features"), try LayerArguments.size(args, 2, "out_features"))
            let options = try args.options(3)
            return try args.returning(module: try Linear(i, o, bias: try options.bool("bias", default: true)))
        }
    }
}
