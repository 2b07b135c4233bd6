import MindTensor

/// In-place updates `add_ sub_ mul_ div_ clamp_ fill_ zero_ copy_`, returning the tensor itself. They follow the
/// engine's rules: refused on tensors that take part in autograd unless gradients are off (`mv.no_grad`), and the
/// other operand must broadcast to the target's shape. Views write through to the tensor they view.
enum TensorInPlace {
    static func define(_ type: LuaUserdataType<Tensor>) {
        type.bound("add_") { t, args in try add(t, args, sign: 1) }
        type.bound("sub_") { t, args in try add(t, args, sign: -1) }
        type.bound("mul_") { t, args in
            if args.type(1) == .number, t.isContiguous {
                try t.scaleInPlace(Float(try args.number(1, "other")))
                return try args.returning(tensor: t)
            }
            let other = try args.tensorOrNumber(1, "other")
            return try assign(t, args) { try t * other }
        }
        type.bound("div_") { t, args in
            if args.type(1) == .number, t.isContiguous {
                try t.scaleInPlace(1 / Float(try args.number(1, "other")))
                return try args.returning(tensor: t)
            }
            let other = try args.tensorOrNumber(1, "other")
            return try assign(t, args) { try t / other }
        }
        type.bound("clamp_") { t, args in try assign(t, args) { try TensorMath.clamped(t, args) } }
        type.bound("fill_") { t, args in
            try t.fill(Float(try args.number(1, "value")))
            return try args.returning(tensor: t)
        }
        type.bound("zero_") { t, args in
            try t.zero()
            return try args.returning(tensor: t)
        }
        type.bound("copy_") { t, args in
            try t.copyFrom(try args.tensor(1, "source"))
            return try args.returning(tensor: t)
        }
    }

    /// `t += sign * alpha * other`: the engine's fused update when `t` is contiguous, otherwise through a copy.
    private static func add(_ t: Tensor, _ args: LuaArgs, sign: Float) throws -> LuaReturn {
        let other = try args.tensorOrNumber(1, "other")
        let alpha = sign * Float(try args.optionalNumber(2, "alpha") ?? 1)
        if t.isContiguous {
            try t.addInPlace(other, alpha: alpha)
            return try args.returning(tensor: t)
        }
        return try assign(t, args) { try t + other * alpha }
    }

    /// Writes `value()` (computed without recording gradients) into `t`.
    private static func assign(_ t: Tensor, _ args: LuaArgs, _ value: () throws -> Tensor) throws -> LuaReturn {
        let result = try withNoGrad(value)
        try t.copyFrom(result)
        return try args.returning(tensor: t)
    }
}
