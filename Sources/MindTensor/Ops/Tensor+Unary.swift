import Foundation
import CKernels

/// Elementwise math and activations, each one vectorised kernel forward and one backward.
public enum UnaryOp: Int32 {
    case neg, exp, log, sqrt, abs, tanh, sigmoid, relu, silu, geluErf, geluTanh, sin, cos, sign

    /// Activations whose backward would recompute the expensive part of the forward (erf, exp).
    var derivativeInForward: Bool { self == .geluErf || self == .geluTanh || self == .silu }

    var name: String {
        switch self {
        case .neg: "neg"
        case .exp: "exp"
        case .log: "log"
        case .sqrt: "sqrt"
        case .abs: "abs"
        case .tanh: "tanh"
        case .sigmoid: "sigmoid"
        case .relu: "relu"
        case .silu: "silu"
        case .geluErf: "gelu"
        case .geluTanh: "gelu_tanh"
        case .sin: "sin"
        case .cos: "cos"
        case .sign: "sign"
        }
    }
}

extension Tensor {
    public func unary(_ op: UnaryOp) throws -> Tensor {
        let x = try contiguousIfNeeded()
        let out = try Tensor.empty(shape, op: op.name)
        let n = numel
        if op.derivativeInForward && needsGrad {
            // The derivative costs as much as the function: compute both now, backward is one multiply.
            let derivative = try Tensor.empty(shape, op: op.name)
            Parallel.chunks(n) { r, _ in
                mv_unary_with_derivative(op.rawValue, x.data + r.lowerBound, out.data + r.lowerBound, derivative.data + r.lowerBound, Int64(r.count))
            }
            return out.recorded(op.name, inputs: [self]) { g in [try g.mul(derivative)] }
        }
        Parallel.chunks(n) { r, _ in mv_unary(op.rawValue, x.data + r.lowerBound, out.data + r.lowerBound, Int64(r.count)) }
        let sx = x.saved(), sy = out.saved()
        return out.recorded(op.name, inputs: [self]) { g in
            let xv = try sx.get(op.name), yv = try sy.get(op.name)
            let gc = try g.contiguousIfNeeded()
            let gx = try Tensor.empty(xv.shape)
            Parallel.chunks(n) { r, _ in
                let o = r.lowerBound
                mv_unary_backward(op.rawValue, xv.data + o, yv.data + o, gc.data + o, gx.data + o, Int64(r.count))
            }
            return [gx]
        }
    }

    public func neg() throws -> Tensor { try unary(.neg) }
    public func exp() throws -> Tensor { try unary(.exp) }
    public func log() throws -> Tensor { try unary(.log) }
    public func sqrt() throws -> Tensor { try unary(.sqrt) }
    public func abs() throws -> Tensor { try unary(.abs) }
    public func tanh() throws -> Tensor { try unary(.tanh) }
    public func sigmoid() throws -> Tensor { try unary(.sigmoid) }
    public func relu() throws -> Tensor { try unary(.relu) }
    public func silu() throws -> Tensor { try unary(.silu) }
    /// GELU; `approximate: false` is the exact erf form of timm's blocks, `true` the tanh form.
    public func gelu(approximate: Bool = false) throws -> Tensor { try unary(approximate ? .geluTanh : .geluErf) }
    public func sin() throws -> Tensor { try unary(.sin) }
    public func cos() throws -> Tensor { try unary(.cos) }
    public func sign() throws -> Tensor { try unary(.sign) }

    public static prefix func - (a: Tensor) throws -> Tensor { try a.neg() }

    /// `self ^ p` for a scalar exponent.
    public func pow(_ p: Float) throws -> Tensor {
        let x = try contiguousIfNeeded()
        let out = try Tensor.empty(shape, op: "pow")
        mv_pow_scalar(x.data, p, out.data, Int64(numel))
        let sx = x.saved()
        return out.recorded("pow", inputs: [self]) { g in
            let xv = try sx.get("pow"), gc = try g.contiguousIfNeeded()
            let gx = try Tensor.empty(xv.shape)
            mv_pow_scalar_backward(xv.data, p, gc.data, gx.data, Int64(xv.numel))
            return [gx]
        }
    }

    /// x^(1/p) of non-negative x (a sum of p-th powers: norms, and with p = 2 a standard deviation). Its derivative
    /// is infinite at 0, where PyTorch's norm and std take the gradient as 0 instead: so does this (0·∞ would make
    /// every gradient of an all-zero row NaN).
    public func normRoot(_ p: Float) throws -> Tensor {
        let x = try contiguousIfNeeded()
        let out = try Tensor.empty(shape, op: "norm")
        for i in 0..<numel { out.data[i] = p == 2 ? x.data[i].squareRoot() : Foundation.pow(x.data[i], 1 / p) }
        let sx = x.saved(), sy = out.saved()
        return out.recorded("norm", inputs: [self]) { g in
            let xv = try sx.get("norm"), yv = try sy.get("norm"), gc = try g.contiguousIfNeeded()
            let gx = try Tensor.empty(xv.shape)
            for i in 0..<xv.numel { gx.data[i] = yv.data[i] == 0 ? 0 : gc.data[i] * yv.data[i] / (p * xv.data[i]) }
            return [gx]
        }
    }

    /// Limits values to [low, high]; the gradient passes where the input lies inside (bounds included).
    public func clamp(min low: Float = -.infinity, max high: Float = .infinity) throws -> Tensor {
        // A NaN bound compares false with everything and would leave the input unchanged, hiding the bug that made it.
        guard !low.isNaN && !high.isNaN else { throw TensorError("clamp: bounds must be numbers, got min \(low), max \(high)") }
        guard !(low > high) else { throw TensorError("clamp: min \(low) is greater than max \(high)") }
        let x = try contiguousIfNeeded()
        let out = try Tensor.empty(shape, op: "clamp")
        mv_clamp(x.data, low, high, out.data, Int64(numel))
        let sx = x.saved()
        return out.recorded("clamp", inputs: [self]) { g in
            let xv = try sx.get("clamp"), gc = try g.contiguousIfNeeded()
            let gx = try Tensor.empty(xv.shape)
            mv_clamp_backward(xv.data, low, high, gc.data, gx.data, Int64(xv.numel))
            return [gx]
        }
    }

    /// Elementwise selection: `condition != 0 ? a : b`, all three broadcast together.
    public static func `where`(_ condition: Tensor, _ a: Tensor, _ b: Tensor) throws -> Tensor {
        let shape = try Shape.broadcast(try Shape.broadcast(condition.shape, a.shape, op: "where"), b.shape, op: "where")
        let c = try condition.broadcastView(to: shape).contiguousIfNeeded()
        let av = try a.broadcastView(to: shape).contiguousIfNeeded()
        let bv = try b.broadcastView(to: shape).contiguousIfNeeded()
        let out = try Tensor.empty(shape, op: "where")
        mv_where(c.data, av.data, bv.data, out.data, Int64(out.numel))
        let needA = a.needsGrad, needB = b.needsGrad
        return out.recorded("where", inputs: [a, b]) { g in
            let zeros = try Tensor.zeros(g.shape)
            return [needA ? try Tensor.where(c, g, zeros).sumTo(a.shape) : nil,
                    needB ? try Tensor.where(c, zeros, g).sumTo(b.shape) : nil]
        }
    }

    /// `value` where `mask` is non-zero, `self` elsewhere.
    public func maskedFill(_ mask: Tensor, _ value: Float) throws -> Tensor {
        try Tensor.where(mask, Tensor(scalar: value), self)
    }
}
