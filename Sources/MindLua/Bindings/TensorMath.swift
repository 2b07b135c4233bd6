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
        type.bound("matmul") { t, args in try args.returning(tensor: try t.matmul(try args.tensor(1, "other"))) }
        type.bound("mm") { t, args in try args.returning(tensor: try t.matmul(try args.tensor(1, "other"))) }
        type.bound("softmax") { t, args in
            try args.returning(tensor: try t.softmax(try args.dimension(1, rank: Swift.max(t.rank, 1))))
        }
        type.bound("log_softmax") { t, args in
            try args.returning(tensor: try t.logSoftmax(try args.dimension(1, rank: Swift.max(t.rank, 1))))
        }
    }

    static func install(_ state: LuaState) throws {
        try state.bind("mv", "matmul") { args in
            try args.returning(tensor: try args.tensor(1, "input").matmul(try args.tensor(2, "other")))
        }
        try state.bind("mv", "where") { args in
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
        type.bound("add") { t, args in try args.returning(tensor: try t.add(try scaledOperand(args))) }
        type.bound("sub") { t, args in try args.returning(tensor: try t.sub(try scaledOperand(args))) }
        let binary: [(String, BinaryOp)] = [("mul", .mul), ("div", .div), ("maximum", .maximum), ("minimum", .minimum),
                                            ("eq", .eq), ("ne", .ne), ("lt", .lt), ("le", .le), ("gt", .gt), ("ge", .ge)]
        for (name, op) in binary {
            type.bound(name) { t, args in try args.returning(tensor: try t.binary(op, try args.tensorOrNumber(1, "other"))) }
        }
        type.bound("pow") { t, args in
            if args.type(1) == .number { return try args.returning(tensor: try t.pow(Float(try args.number(1, "exponent")))) }
            return try args.returning(tensor: try t.pow(try args.tensor(1, "exponent")))
        }
        type.bound("equal") { t, args in
            let other = try args.tensor(1, "other")
            return try args.returning(t.shape == other.shape && (try t.toArray()) == (try other.toArray()))
        }
        type.bound("allclose") { t, args in
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
        let unary: [(String, UnaryOp)] = [("neg", .neg), ("exp", .exp), ("log", .log), ("sqrt", .sqrt), ("abs", .abs),
                                          ("tanh", .tanh), ("sigmoid", .sigmoid), ("relu", .relu), ("silu", .silu),
                                          ("sin", .sin), ("cos", .cos), ("sign", .sign)]
        for (name, op) in unary {
            type.bound(name) { t, args in try args.returning(tensor: try t.unary(op)) }
        }
        type.bound("gelu") { t, args in
            try args.returning(tensor: try t.gelu(approximate: try geluApproximation(try args.value(1, "approximate")) {
                args.argumentError(1, "approximate", expected: "'none', 'tanh' or a boolean")
            }))
        }
        type.bound("clamp") { t, args in try args.returning(tensor: try clamped(t, args)) }
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
        type.bound("sum") { t, args in
            guard let dims = try reductionDims(t, args) else { return try args.returning(tensor: try t.sum()) }
            return try args.returning(tensor: try t.sum(dims: dims, keepDim: try args.optionalBool(2, "keepdim") ?? false))
        }
        type.bound("mean") { t, args in
            guard let dims = try reductionDims(t, args) else { return try args.returning(tensor: try t.mean()) }
            return try args.returning(tensor: try t.mean(dims: dims, keepDim: try args.optionalBool(2, "keepdim") ?? false))
        }
        type.bound("var") { t, args in try args.returning(tensor: try variance(t, args)) }
        type.bound("std") { t, args in try args.returning(tensor: try variance(t, args).sqrt()) }
        for isMin in [false, true] {
            type.bound(isMin ? "min" : "max") { t, args in
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
            type.bound(isMin ? "argmin" : "argmax") { t, args in
                guard let d = try args.optionalDimension(1, rank: Swift.max(t.rank, 1)) else {
                    let flat = try t.flatten()
                    return try args.returning(tensor: try (isMin ? flat.argmin(0) : flat.argmax(0)) + 1)
                }
                let keep = try args.optionalBool(2, "keepdim") ?? false
                return try args.returning(tensor: try (isMin ? t.argmin(d, keepDim: keep) : t.argmax(d, keepDim: keep)) + 1)
            }
        }
    }

    /// Argument 1 of sum/mean/var: nil (all dimensions), a dimension, or a table of dimensions.
    private static func reductionDims(_ t: Tensor, _ args: LuaArgs) throws -> [Int]? {
        if args.isNil(1) { return nil }
        if args.type(1) == .table { return try args.dimensionArray(1, "dim", rank: t.rank) }
        return [try args.dimension(1, rank: t.rank)]
    }

    /// var([dim [, keepdim [, correction]]]); correction 1 (Bessel) by default, as PyTorch.
    private static func variance(_ t: Tensor, _ args: LuaArgs) throws -> Tensor {
        let dims = try reductionDims(t, args)
        let keep = try args.optionalBool(2, "keepdim") ?? false
        let correction = try args.optionalInteger(3, "correction", min: 0, max: Shape.maxElements) ?? 1
        return try t.variance(dims: dims, correction: correction, keepDim: keep)
    }
}
