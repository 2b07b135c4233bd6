import Foundation
import CKernels

/// Adam and AdamW with PyTorch's exact update (torch.optim.Adam / AdamW, amsgrad off):
/// m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps).
/// AdamW decays decoupled (p *= 1 - lr*wd first); Adam adds wd*p to the gradient. The betas are doubles, as PyTorch's
/// Python floats: 1 - b2 formed from a float32 b2 is off by 1.3e-5 (b2 0.999) to 1.7e-4 (0.9999) relative, and
/// exp_avg_sq with it.
public final class Adam: Optimizer {
    public let groups: [ParamGroup]
    public let beta1: Double, beta2: Double, eps: Float
    public let decoupledWeightDecay: Bool
    var exp_avg: [Int: Tensor] = [:]
    var exp_avg_sq: [Int: Tensor] = [:]
    var steps: [Int: Int] = [:]

    public init(groups: [ParamGroup], betas: (Double, Double) = (0.9, 0.999), eps: Float = 1e-8, decoupledWeightDecay: Bool) throws {
        let name = decoupledWeightDecay ? "AdamW" : "Adam"
        try validateGroups(groups, optimizer: name)
        guard (0..<1).contains(betas.0), (0..<1).contains(betas.1) else {
            throw TensorError("\(name): betas must lie in [0, 1), got (\(betas.0), \(betas.1))")
        }
        guard eps >= 0 else { throw TensorError("\(name): eps must be non-negative, got \(eps)") }
        self.groups = groups
        (beta1, beta2, self.eps, self.decoupledWeightDecay) = (betas.0, betas.1, eps, decoupledWeightDecay)
    }

    /// torch.optim.AdamW defaults: betas (0.9, 0.999), eps 1e-8, weight decay 0.01.
    public static func adamW(_ params: [Tensor], lr: Float = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Float = 1e-8,
                             weightDecay: Float = 0.01) throws -> Adam {
        try Adam(groups: [ParamGroup(params: params, lr: lr, weightDecay: weightDecay)], betas: betas, eps: eps, decoupledWeightDecay: true)
    }

    public static func adam(_ params: [Tensor], lr: Float = 1e-3, betas: (Double, Double) = (0.9, 0.999), eps: Float = 1e-8,
                            weightDecay: Float = 0) throws -> Adam {
        try Adam(groups: [ParamGroup(params: params, lr: lr, weightDecay: weightDecay)], betas: betas, eps: eps, decoupledWeightDecay: false)
    }

    public func step() throws {
        var index = 0
        for group in groups {
            for p in group.params {
                defer { index += 1 }
                guard let g = try gradient(of: p, index: index) else { continue }
                let m = try exp_avg[index] ?? Tensor.zeros(p.shape)
                let v = try exp_avg_sq[index] ?? Tensor.zeros(p.shape)
                exp_avg[index] = m
                exp_avg_sq[index] = v
                let t = (steps[index] ?? 0) + 1
                steps[index] = t
                let bc1 = 1 - Foundation.pow(beta1, Double(t)), bc2 = 1 - Foundation.pow(beta2, Double(t))
                // Element-wise, so splitting a large parameter over the workers gives the same bits.
                Parallel.chunks(p.numel) { r, _ in
                    let o = r.lowerBound
                    mv_adam_step(p.data + o, g.data + o, m.data + o, v.data + o, Int64(r.count), group.lr, beta1, beta2, eps,
                                 group.weightDecay, decoupledWeightDecay ? 1 : 0, bc1, bc2)
                }
                p.bumpVersion()
            }
        }
    }

    public func stateDict() throws -> [(name: String, tensor: Tensor)] {
        var out: [(String, Tensor)] = []
        for i in steps.keys.sorted() {
            if let m = exp_avg[i], let v = exp_avg_sq[i], let t = steps[i] {
                out += [("\(i).step", Tensor(scalar: Float(t))), ("\(i).exp_avg", m), ("\(i).exp_avg_sq", v)]
            }
        }
        return out
    }

    public func loadStateDict(_ state: [(name: String, tensor: Tensor)]) throws {
        var m: [Int: Tensor] = [:], v: [Int: Tensor] = [:], s: [Int: Int] = [:]
        for (name, t) in state {
            let (i, field) = try parseStateKey(name)
            switch field {
            case "exp_avg": m[i] = try checkedState(t, index: i, name: name)
            case "exp_avg_sq": v[i] = try checkedState(t, index: i, name: name)
            case "step":
                let value = try t.item()
                guard value >= 0, value.rounded() == value, value <= Float(Shape.maxElements) else { throw TensorError("optimizer state: \(name) must be a step count, got \(value)") }
                s[i] = Int(value)
            default: throw TensorError("optimizer state: unknown field '\(field)' in '\(name)' (expected step, exp_avg, exp_avg_sq)")
            }
        }
        guard Set(m.keys) == Set(v.keys), Set(m.keys) == Set(s.keys) else {
            throw TensorError("optimizer state: every parameter needs step, exp_avg and exp_avg_sq together")
        }
        (exp_avg, exp_avg_sq, steps) = (m, v, s)
    }
}
