import MindTensor

/// `mv.optim.EMA(params, {decay = 0.9999, warmup = true})`: an exponential moving average of parameters (latent
/// diffusion's LitEma). `ema:update()` after each optimizer step, `ema:copy_to()` writes the averages into the
/// parameters; `ema.decay` (the current, warmed-up decay), `ema.num_updates`, `ema.shadows` (the averages).
enum EMABindings: LuaBindingSet {
    static let emaType: LuaUserdataType<ParameterEMA> = {
        let type = LuaUserdataType<ParameterEMA>(name: "EMA")
        type.bound("update") { ema, args in
            try ema.update()
            return .none
        }
        type.bound("copy_to") { ema, args in
            try ema.copyToParameters()
            return .none
        }
        type.property("decay", get: { ema, args in try args.returning(Double(ema.currentDecay)) })
        type.property("num_updates", get: { ema, args in try args.returning(ema.updates) })
        type.property("shadows", get: { ema, args in try args.returning(tensors: ema.shadows) })
        type.toString { "EMA(decay=\($0.decay), warmup=\($0.warmup), \($0.shadows.count) tensors, \($0.updates) updates)" }
        return type
    }()

    static func install(_ state: LuaState) throws {
        try state.register(emaType)
        try state.bind("mv.optim", "EMA") { args in
            let params = try args.tensorArray(1, "params")
            let options = try args.options(2, allowed: ["decay", "warmup"])
            let ema = try ParameterEMA(params, decay: Float(try options.number("decay", default: 0.9999)),
                                       warmup: try options.bool("warmup", default: true))
            return try args.returning(object: ema)
        }
    }
}
