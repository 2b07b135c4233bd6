import MindTensor

/// `mv.optim.EMA(params, {decay = 0.9999, warmup = true})`: an exponential moving average of parameters (latent
/// diffusion's LitEma). `ema:update()` after each optimizer step, `ema:copy_to()` writes the averages into the
/// parameters; `ema.decay` (the current, warmed-up decay), `ema.num_updates`, `ema.shadows` (the averages).
enum EMABindings: LuaBindingSet {
    static let emaType: LuaUserdataType<ParameterEMA> = {
        let type = LuaUserdataType<ParameterEMA>(name: "EMA", doc: "an exponential moving average of parameters from mv.optim.EMA: ema:update() after each step, ema:copy_to() to use it")
        type.bound("update", doc: """
            ema:update()
            Moves every average toward its parameter: shadow = decay·shadow + (1 - decay)·p, with decay = ema.decay; then counts the update.
            Call it after each opt:step().
            """) { ema, args in
            try ema.update()
            return .none
        }
        type.bound("copy_to", doc: """
            ema:copy_to()
            Writes the averages into the parameters in place (LitEma's copy_to), e.g. before evaluating or saving the averaged model.
            The training values are overwritten: save them first (p:clone()) to continue training.
            """) { ema, args in
            try ema.copyToParameters()
            return .none
        }
        type.property("decay", doc: """
            ema.decay -> number
            The decay the next update uses: min(decay, (1 + n)/(10 + n)) for n = ema.num_updates + 1 with warmup (LitEma counts the update first: 2/11 for the first), else the decay option.
            """, get: { ema, args in try args.returning(Double(ema.currentDecay)) })
        type.property("num_updates", doc: """
            ema.num_updates -> integer
            How many times ema:update() has run.
            """, get: { ema, args in try args.returning(ema.updates) })
        type.property("shadows", doc: """
            ema.shadows -> {Tensor, ...}
            The averaged tensors, one per parameter in order (the live averages, not copies); they start as copies of the parameters.
            """, get: { ema, args in try args.returning(tensors: ema.shadows) })
        type.toString { "EMA(decay=\($0.decay), warmup=\($0.warmup), \($0.shadows.count) tensors, \($0.updates) updates)" }
        return type
    }()

    static func install(_ state: LuaState) throws {
        try state.register(emaType)
        try state.bind("mv.optim", "EMA", doc: """
            mv.optim.EMA(params [, options]) -> EMA
            An exponential moving average of the tensors params (an array, e.g. model:parameters()), as latent diffusion's LitEma.
            decay = 0.9999  -- weight of the old average in each update, in [0, 1]
            warmup = true  -- use min(decay, (1 + n)/(10 + n)) after n updates, so early averages follow the parameters
            """) { args in
            let params = try args.tensorArray(1, "params")
            let options = try args.options(2)
            let ema = try ParameterEMA(params, decay: Float(try options.number("decay", default: 0.9999)),
                                       warmup: try options.bool("warmup", default: true))
            return try args.returning(object: ema)
        }
    }
}
