import CKernels

/// An exponential moving average of parameters (shadow = decay*shadow + (1-decay)*p), as latent
/// diffusion's LitEma keeps; with `warmup` the decay ramps as min(decay, (1+n)/(10+n)), n counting this update
/// (LitEma increments num_updates first: the first update uses 2/11).
public final class ParameterEMA {
    public let decay: Float
    public let warmup: Bool
    public private(set) var updates = 0
    let params: [Tensor]
    public let shadows: [Tensor]

    public init(_ params: [Tensor], decay: Float = 0.9999, warmup: Bool = true) throws {
        guard decay >= 0 && decay <= 1 else { throw TensorError("EMA: decay must be in [0, 1], got \(decay)") }
        self.params = params
        self.decay = decay
        self.warmup = warmup
        shadows = try params.map { try $0.contiguousCopy() }
    }

    /// The decay the next update uses.
    public var currentDecay: Float {
        let n = updates + 1
        return warmup ? Swift.min(decay, Float(1 + n) / Float(10 + n)) : decay
    }

    public func update() throws {
        let d = currentDecay
        for (s, p) in zip(shadows, params) {
            let src = try p.contiguousIfNeeded()
            mv_ema_update(s.data, src.data, Int64(s.numel), d)
        }
        updates += 1
    }

    /// Continues from saved averages and update count (a resumed run must warm up exactly as before).
    public func restore(shadows saved: [Tensor], updates count: Int) throws {
        guard saved.count == shadows.count, count >= 0 else {
            throw TensorError("EMA: \(saved.count) saved averages for \(shadows.count) parameters (update count \(count))")
        }
        for (s, t) in zip(shadows, saved) {
            guard s.shape == t.shape else {
                throw TensorError("EMA: saved average of shape \(Shape.describe(t.shape)) for a parameter of shape \(Shape.describe(s.shape))")
            }
        }
        try withNoGrad { for (s, t) in zip(shadows, saved) { try s.copyFrom(t) } }
        updates = count
    }

    /// Writes the averaged values into the parameters (e.g. before evaluation).
    public func copyToParameters() throws {
        try withNoGrad { for (s, p) in zip(shadows, params) { try p.copyFrom(s) } }
    }
}
