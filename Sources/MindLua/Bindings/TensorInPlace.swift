import MindTensor

/// In-place updates `add_ sub_ mul_ div_ clamp_ fill_ zero_ copy_`, returning the tensor itself. They follow the
/// engine's rules: refused on tensors that take part in autograd unless gradients are off (`mv.no_grad`), and the
/// other operand must broadcast to the target's shape. Views write through to the tensor they view.
enum TensorInPlace {
    /// The note every in-place method's help ends with.
    static let rules = """
        In place, returning t: refused while t requires grad and grad mode is on (use mv.no_grad); a view writes into its base tensor.
        """

    static func define(_ type: LuaUserdataType<Tensor>) {
        type.bound("add_", doc: """
            t:add_(other [, alpha]) -> t
            t += alpha·other (torch.Tensor.add_); other is a Tensor or a number that broadcasts to t's shape, alpha defaults to 1.
            \(rules)
            """) { t, args in try add(t, args, sign: 1) }
        type.bound("sub_", doc: """
            t:sub_(other [, alpha]) -> t
            t -= alpha·other (torch.Tensor.sub_); other is a Tensor or a number that broadcasts to t's shape, alpha defaults to 1.
            \(rules)
            """) { t, args in try add(t, args, sign: -1) }
        type.bound("mul_", doc: """
            t:mul_(other) -> t
            t *= other element-wise (torch.Tensor.mul_); other is a Tensor or a number that broadcasts to t's shape.
            \(rules)
            """) { t, args in
            if args.type(1) == .number, t.isContiguous {
                try t.scaleInPlace(Float(try args.number(1, "other")))
                return try args.returning(tensor: t)
            }
            let other = try args.tensorOrNumber(1, "other")
            return try assign(t, args) { try t * other }
        }
        type.bound("div_", doc: """
            t:div_(other) -> t
            t /= other element-wise (torch.Tensor.div_); other is a Tensor or a number that broadcasts to t's shape.
            \(rules)
            """) { t, args in
            if args.type(1) == .number, t.isContiguous {
                try t.scaleInPlace(1 / Float(try args.number(1, "other")))
                return try args.returning(tensor: t)
            }
            let other = try args.tensorOrNumber(1, "other")
            return try assign(t, args) { try t / other }
        }
        type.bound("clamp_", doc: """
            t:clamp_([min] [, max]) -> t
            Limits every element of t to [min, max] (torch.Tensor.clamp_); either bound may be nil, not both.
            \(rules)
            """) { t, args in try assign(t, args) { try TensorMath.clamped(t, args) } }
        type.bound("fill_", doc: """
            t:fill_(value) -> t
            Sets every element of t to the number value (torch.Tensor.fill_).
            \(rules)
            """) { t, args in
            try t.fill(Float(try args.number(1, "value")))
            return try args.returning(tensor: t)
        }
        type.bound("zero_", doc: """
            t:zero_() -> t
            Sets every element of t to 0 (torch.Tensor.zero_).
            \(rules)
            """) { t, args in
            try t.zero()
            return try args.returning(tensor: t)
        }
        type.bound("copy_", doc: """
            t:copy_(source) -> t
            Copies source's values into t, broadcasting source to t's shape (torch.Tensor.copy_); t keeps its identity and storage.
            \(rules)
            Writing through a view fills part of a tensor: t:narrow(1, 2, 3):copy_(u).
            """) { t, args in
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
