import MindTensor

/// Arithmetic (operators with numbers on either side, broadcasting), comparisons as 0/1 tensors, elementwise
/// functions and activations, the matrix product, reductions (1-based dimensions, 1-based indices from
/// max/min/argmax/argmin) and softmax.
enum TensorMath {
    static func define(_ type: LuaUserdataType<Tensor>) {
        defineOperators(type)
        defineBinaryMethods(type)
        defineUnaryMethods(type)
        defineReductions(type)
        type.bound("matmul", doc: """
            t:matmul(other) -> Tensor
            The matrix product with torch.matmul's rules: a 1-D operand is promoted to a matrix, leading batch dimensions broadcast.
            [n, k] x [k, m] -> [n, m]; [b, n, k] x [k, m] -> [b, n, m]; [n, k] x [k] -> [n]; two 1-D tensors give their dot product (0-d).
            0-d operands are an error (use mul); inner sizes must agree.
            """) { t, args in try args.returning(tensor: try t.matmul(try args.tensor(1, "other"))) }
        type.bound("mm", doc: """
            t:mm(other) -> Tensor
            The same as t:matmul(other); unlike torch.mm it also accepts 1-D and batched operands.
            """) { t, args in try args.returning(tensor: try t.matmul(try args.tensor(1, "other"))) }
        type.bound("softmax", doc: """
            t:softmax(dim) -> Tensor
            exp(x) / sum(exp(x)) along dim (required; 1-based, negative from the end), computed max-subtracted, as torch.softmax.
            """) { t, args in
            try args.returning(tensor: try t.softmax(try args.dimension(1, rank: Swift.max(t.rank, 1))))
        }
        type.bound("log_softmax", doc: """
            t:log_softmax(dim) -> Tensor
            log(softmax(x)) along dim (required; 1-based, negative from the end), computed stably, as torch.log_softmax.
            """) { t, args in
            try args.returning(tensor: try t.logSoftmax(try args.dimension(1, rank: Swift.max(t.rank, 1))))
        }
        type.bound("logsumexp", doc: """
            t:logsumexp(dim [, keepdim]) -> Tensor
            log(sum(exp(x))) along dim (required; 1-based, negative from the end), computed stably, as torch.logsumexp; its gradient is the softmax.
            """) { t, args in
            try args.returning(tensor: try t.logSumExp(try args.dimension(1, rank: Swift.max(t.rank, 1)),
                                                       keepDim: try args.optionalBool(2, "keepdim") ?? false))
        }
    }

    static func install(_ state: LuaState) throws {
        try state.bind("mv", "matmul", doc: """
            mv.matmul(input, other) -> Tensor
            The matrix product input·other with torch.matmul's rules (1-D promotion, broadcast batch dimensions); see help "Tensor:matmul".
            """) { args in
            try args.returning(tensor: try args.tensor(1, "input").matmul(try args.tensor(2, "other")))
        }
        try state.bind("mv", "where", doc: """
            mv.where(condition, input, other) -> Tensor
            input where condition is non-zero, other elsewhere (torch.where); input and other may be numbers, all three broadcast.
            The gradient flows to input and other, not to condition. Masks come from comparisons: mv.where(x:gt(0), x, 0).
            """) { args in
            let condition = try args.tensor(1, "condition")
            let a = try args.tensorOrNumber(2, "input"), b = try args.tensorOrNumber(3, "other")
            return try args.returning(tensor: try Tensor.where(condition, a, b))
        }
    }

    // MARK: Operators and binary methods

    private static func defineOperators(_ type: LuaUserdataType<Tensor>) {
        let operators: [(LuaMetamethod, BinaryOp)] = [(.add, .add), (.sub, .sub), (.mul, .mul), (.div, .div)]
        for (event, op) in operators {
            type.boundOperator(event) { args in
                try args.returning(tensor: try args.tensorOrNumber(1, "lhs").binary(op, try args.tensorOrNumber(2, "rhs")))
            }
        }
        type.boundOperator(.pow) { args in
            // t ^ 2 takes the scalar-exponent kernel; 2 ^ t and t ^ u broadcast.
            if args.type(1) == .userdata && args.type(2) == .number {
                return try args.returning(tensor: try args.tensor(1, "base").pow(Float(try args.number(2, "exponent"))))
            }
            return try args.returning(tensor: try args.tensorOrNumber(1, "base").binary(.pow, try args.tensorOrNumber(2, "exponent")))
        }
        type.boundOperator(.unm) { args in try args.returning(tensor: try args.tensor(1, "operand").neg()) }
    }

    private static func defineBinaryMethods(_ type: LuaUserdataType<Tensor>) {
        // add/sub take PyTorch's optional alpha: t + alpha * other.
        type.bound("add", doc: """
            t:add(other [, alpha]) -> Tensor
            t + alpha·other element-wise with broadcasting (torch.add, the + operator); other is a Tensor or a number, alpha defaults to 1.
            """) { t, args in try args.returning(tensor: try t.add(try scaledOperand(args))) }
        type.bound("sub", doc: """
            t:sub(other [, alpha]) -> Tensor
            t - alpha·other element-wise with broadcasting (torch.sub, the - operator); other is a Tensor or a number, alpha defaults to 1.
            """) { t, args in try args.returning(tensor: try t.sub(try scaledOperand(args))) }
        // Name, operation, and what it computes for help.
        let binary: [(String, BinaryOp, String)] = [
            ("mul", .mul, "t·other element-wise (torch.mul, the * operator)"),
            ("div", .div, "t / other element-wise, true division (torch.div, the / operator)"),
            ("maximum", .maximum, "The element-wise larger of t and other (torch.maximum; nan propagates; a tie gives each half the gradient)"),
            ("minimum", .minimum, "The element-wise smaller of t and other (torch.minimum; nan propagates; a tie gives each half the gradient)"),
            ("eq", .eq, "1 where t == other, 0 elsewhere (torch.eq): a float mask without gradient"),
            ("ne", .ne, "1 where t ~= other, 0 elsewhere (torch.ne): a float mask without gradient"),
            ("lt", .lt, "1 where t < other, 0 elsewhere (torch.lt): a float mask without gradient"),
            ("le", .le, "1 where t <= other, 0 elsewhere (torch.le): a float mask without gradient"),
            ("gt", .gt, "1 where t > other, 0 elsewhere (torch.gt): a float mask without gradient"),
            ("ge", .ge, "1 where t >= other, 0 elsewhere (torch.ge): a float mask without gradient"),
        ]
        let comparisonNote = "\nLua's == on two tensors tests identity and < raises an error: compare values with these methods."
        for (name, op, summary) in binary {
            let note = ["eq", "ne", "lt", "le", "gt", "ge"].contains(name) ? comparisonNote : ""
            type.bound(name, doc: """
                t:\(name)(other) -> Tensor
                \(summary); other is a Tensor or a number, broadcast with t.\(note)
                """) { t, args in try args.returning(tensor: try t.binary(op, try args.tensorOrNumber(1, "other"))) }
        }
        type.bound("pow", doc: """
            t:pow(exponent) -> Tensor
            t raised to exponent element-wise (torch.pow, the ^ operator); exponent is a number or a Tensor broadcast with t.
            A negative base with a non-integer exponent gives nan.
            """) { t, args in
            if args.type(1) == .number { return try args.returning(tensor: try t.pow(Float(try args.number(1, "exponent")))) }
            return try args.returning(tensor: try t.pow(try args.tensor(1, "exponent")))
        }
        type.bound("equal", doc: """
            t:equal(other) -> boolean
            Whether other has the same shape and exactly the same values (torch.equal); nan never equals nan.
            """) { t, args in
            let other = try args.tensor(1, "other")
            return try args.returning(t.shape == other.shape && (try t.toArray()) == (try other.toArray()))
        }
        type.bound("allclose", doc: """
            t:allclose(other [, rtol [, atol]]) -> boolean
            Whether |t - other| <= atol + rtol·|other| for every element (torch.allclose); rtol defaults to 1e-5, atol to 1e-8.
            Different shapes give false (no broadcasting, unlike PyTorch); nan is never close, equal infinities are.
            """) { t, args in
            let other = try args.tensor(1, "other")
            let rtol = try args.optionalNumber(2, "rtol") ?? 1e-5, atol = try args.optionalNumber(3, "atol") ?? 1e-8
            guard t.shape == other.shape else { return try args.returning(false) }
            let close = zip(try t.toArray(), try other.toArray()).allSatisfy { a, b in
                Swift.abs(Double(a) - Double(b)) <= atol + rtol * Swift.abs(Double(b)) || a == b
            }
            return try args.returning(close)
        }
    }

    /// Argument 1 times the optional `alpha` (argument 2).
    private static func scaledOperand(_ args: LuaArgs) throws -> Tensor {
        let other = try args.tensorOrNumber(1, "other")
        guard let alpha = try args.optionalNumber(2, "alpha") else { return other }
        return try other * Float(alpha)
    }

    // MARK: Elementwise functions

    private static func defineUnaryMethods(_ type: LuaUserdataType<Tensor>) {
        // Name, operation, and the element-wise function for help.
        let unary: [(String, UnaryOp, String)] = [
            ("neg", .neg, "-x, the negation (torch.neg, the unary - operator)"),
            ("exp", .exp, "eˣ (torch.exp)"),
            ("log", .log, "ln x, the natural logarithm (torch.log): -inf at 0, nan below"),
            ("sqrt", .sqrt, "√x (torch.sqrt): nan for x < 0"),
            ("abs", .abs, "|x| (torch.abs)"),
            ("tanh", .tanh, "tanh x, the hyperbolic tangent (torch.tanh)"),
            ("sigmoid", .sigmoid, "1/(1+e⁻ˣ), the logistic sigmoid (torch.sigmoid)"),
            ("relu", .relu, "max(x, 0) (torch.relu); the gradient is 0 for x <= 0"),
            ("silu", .silu, "x·sigmoid(x), SiLU or swish (torch.nn.functional.silu)"),
            ("sin", .sin, "sin x, x in radians (torch.sin)"),
            ("cos", .cos, "cos x, x in radians (torch.cos)"),
            ("sign", .sign, "-1, 0 or 1 by the sign of x (torch.sign); the gradient is 0"),
        ]
        for (name, op, summary) in unary {
            type.bound(name, doc: """
                t:\(name)() -> Tensor
                Element-wise \(summary).
                """) { t, args in try args.returning(tensor: try t.unary(op)) }
        }
        type.bound("gelu", doc: """
            t:gelu([approximate]) -> Tensor
            x·Φ(x) element-wise, the Gaussian error linear unit (torch.nn.functional.gelu), in the exact erf form by default.
            approximate: "none", false or nil for the erf form; "tanh" or true for 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
            """) { t, args in
            try args.returning(tensor: try t.gelu(approximate: try geluApproximation(try args.value(1, "approximate")) {
                args.argumentError(1, "approximate", expected: "'none', 'tanh' or a boolean")
            }))
        }
        type.bound("clamp", doc: """
            t:clamp([min] [, max]) -> Tensor
            Limits every element to [min, max] (torch.clamp); either bound may be nil, not both; min > max is an error.
            The gradient passes where min <= x <= max. t:clamp(0) is relu; t:clamp(nil, 1) only caps.
            """) { t, args in try args.returning(tensor: try clamped(t, args)) }
    }

    /// `clamp(min, max)` with either bound nil (not both), as PyTorch.
    static func clamped(_ t: Tensor, _ args: LuaArgs) throws -> Tensor {
        let low = try args.optionalNumber(1, "min"), high = try args.optionalNumber(2, "max")
        guard low != nil || high != nil else { throw args.error("at least one of min and max must be given") }
        return try t.clamp(min: low.map(Float.init) ?? -.infinity, max: high.map(Float.init) ?? .infinity)
    }

    /// GELU's `approximate`: nil/false/"none" for the exact erf form, true/"tanh" for the tanh form.
    static func geluApproximation(_ value: LuaValue, _ failure: () -> Error) throws -> Bool {
        switch value {
        case .nil, .boolean(false), .string("none"): return false
        case .boolean(true), .string("tanh"): return true
        default: throw failure()
        }
    }

    // MARK: Reductions

    private static func defineReductions(_ type: LuaUserdataType<Tensor>) {
        type.bound("sum", doc: """
            t:sum([dim [, keepdim]]) -> Tensor
            The sum of all elements (a 0-d tensor), or along dim (1-based, negative from the end), as torch.sum.
            dim may be a table of dimensions, t:sum({1, 2}); keepdim true keeps each reduced dimension with size 1.
            """) { t, args in
            let keep = try args.optionalBool(2, "keepdim") ?? false
            guard let dims = try reductionDims(t, args, keepDim: keep) else { return try args.returning(tensor: try t.sum()) }
            return try args.returning(tensor: try t.sum(dims: dims, keepDim: keep))
        }
        type.bound("mean", doc: """
            t:mean([dim [, keepdim]]) -> Tensor
            The arithmetic mean of all elements (a 0-d tensor), or along dim (1-based, negative from the end), as torch.mean.
            dim may be a table of dimensions; keepdim true keeps reduced dimensions with size 1. An empty reduction is an error.
            """) { t, args in
            let keep = try args.optionalBool(2, "keepdim") ?? false
            guard let dims = try reductionDims(t, args, keepDim: keep) else { return try args.returning(tensor: try t.mean()) }
            return try args.returning(tensor: try t.mean(dims: dims, keepDim: keep))
        }
        type.bound("var", doc: """
            t:var([dim [, keepdim [, correction]]]) -> Tensor
            The variance of all elements, or along dim (1-based; a table for several), dividing by N - correction, as torch.var.
            correction defaults to 1 (Bessel's, PyTorch's default); 0 gives the population variance: t:var(nil, false, 0).
            Fewer than correction + 1 elements is an error.
            """) { t, args in try args.returning(tensor: try variance(t, args)) }
        type.bound("std", doc: """
            t:std([dim [, keepdim [, correction]]]) -> Tensor
            The standard deviation: the square root of t:var with the same arguments (correction 1 by default), as torch.std.
            Where it is 0 (a constant slice) its gradient is 0, as PyTorch's.
            """) { t, args in
            let (dims, keep, correction) = try varianceArguments(t, args)
            return try args.returning(tensor: try t.standardDeviation(dims: dims, correction: correction, keepDim: keep))
        }
        type.bound("norm", doc: """
            t:norm([p [, dim [, keepdim]]]) -> Tensor
            The p-norm (default 2, the Euclidean norm) of all elements, or along dim (1-based; keepdim keeps it as size 1), as torch.norm; differentiable.
            Where it is 0 (an all-zero vector) its gradient is 0, as PyTorch's.
            """) { t, args in
            let p = try args.optionalNumber(1, "p") ?? 2
            guard p > 0, p.isFinite else { throw args.argumentError(1, "p", expected: "a positive finite number") }
            let keep = try args.optionalBool(3, "keepdim") ?? false
            let dims = try reductionDims(t, args, at: 2, keepDim: keep)
            return try args.returning(tensor: try t.norm(p: Float(p), dims: dims, keepDim: keep))
        }
        for isMin in [false, true] {
            let (name, extreme) = isMin ? ("min", "smallest") : ("max", "largest")
            type.bound(name, doc: """
                t:\(name)([dim [, keepdim]]) -> Tensor [, Tensor]
                The \(extreme) element (0-d), or along dim (1-based, negative from the end) the \(extreme) values and their 1-based positions, as torch.\(name).
                t:\(name)(other) with a Tensor is the element-wise t:\(isMin ? "minimum" : "maximum")(other).
                On ties along dim the position, and the gradient, go to the first \(extreme) element; over all elements the gradient is split evenly among the tied ones (as torch).
                """) { t, args in
                if args.type(1) == .userdata {
                    let other = try args.tensor(1, "other")
                    return try args.returning(tensor: isMin ? try t.minimum(other) : try t.maximum(other))
                }
                guard let d = try args.optionalDimension(1, rank: Swift.max(t.rank, 1)) else {
                    return try args.returning(tensor: isMin ? try t.min() : try t.max())
                }
                let keep = try args.optionalBool(2, "keepdim") ?? false
                let (values, indices) = isMin ? try t.min(d, keepDim: keep) : try t.max(d, keepDim: keep)
                return try args.returning(values, try indices + 1)
            }
            type.bound("arg" + name, doc: """
                t:arg\(name)([dim [, keepdim]]) -> Tensor
                The 1-based position of the \(extreme) element in the flattened tensor (0-d), or along dim, as torch.arg\(name); ties give the first.
                Positions are float tensors holding integers, like every index MindVis returns.
                """) { t, args in
                guard let d = try args.optionalDimension(1, rank: Swift.max(t.rank, 1)) else {
                    let flat = try t.flatten()
                    return try args.returning(tensor: try (isMin ? flat.argmin(0) : flat.argmax(0)) + 1)
                }
                let keep = try args.optionalBool(2, "keepdim") ?? false
                return try args.returning(tensor: try (isMin ? t.argmin(d, keepDim: keep) : t.argmax(d, keepDim: keep)) + 1)
            }
        }
    }

    /// The dimensions a reduction's `dim` argument (at `index`) names; nil for all of them when it is nil or `{}`, as
    /// torch — except with keepdim, where every dimension is listed so that each stays with size 1 ([1, 1] for a
    /// matrix, as torch.sum(x, dim=None, keepdim=True)).
    private static func reductionDims(_ t: Tensor, _ args: LuaArgs, at index: Int = 1, keepDim: Bool) throws -> [Int]? {
        var dims: [Int]?
        if args.type(index) == .table {
            let listed = try args.dimensionArray(index, "dim", rank: t.rank)
            dims = listed.isEmpty ? nil : listed
        } else if !args.isNil(index) {
            dims = [try args.dimension(index, rank: t.rank)]
        }
        if dims == nil && keepDim && t.rank > 0 { return Array(0..<t.rank) }
        return dims
    }

    /// var([dim [, keepdim [, correction]]]); correction 1 (Bessel) by default, as PyTorch.
    private static func variance(_ t: Tensor, _ args: LuaArgs) throws -> Tensor {
        let (dims, keep, correction) = try varianceArguments(t, args)
        return try t.variance(dims: dims, correction: correction, keepDim: keep)
    }

    private static func varianceArguments(_ t: Tensor, _ args: LuaArgs) throws -> (dims: [Int]?, keepDim: Bool, correction: Int) {
        let keep = try args.optionalBool(2, "keepdim") ?? false
        return (try reductionDims(t, args, keepDim: keep), keep, try args.optionalInteger(3, "correction", min: 0, max: Shape.maxElements) ?? 1)
    }
}
