import CKernels

/// Elementwise binary operations with NumPy broadcasting.
public enum BinaryOp: Int32 {
    case add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge

    var name: String {
        switch self {
        case .add: "add"
        case .sub: "sub"
        case .mul: "mul"
        case .div: "div"
        case .pow: "pow"
        case .maximum: "maximum"
        case .minimum: "minimum"
        case .eq: "eq"
        case .ne: "ne"
        case .lt: "lt"
        case .le: "le"
        case .gt: "gt"
        case .ge: "ge"
        }
    }

    /// Comparisons produce 0/1 masks and pass no gradient.
    var isComparison: Bool { rawValue >= BinaryOp.eq.rawValue }
}

extension Tensor {
    public func binary(_ op: BinaryOp, _ other: Tensor) throws -> Tensor {
        let outShape = try Shape.broadcast(shape, other.shape, op: op.name)
        let out = try Tensor.empty(outShape, op: op.name)
        if out.numel > 0 { Tensor.runBinary(op, self, other, into: out) }
        if op.isComparison { return out }
        let a = saved(), b = other.saved()
        let needA = needsGrad, needB = other.needsGrad
        return out.recorded(op.name, inputs: [self, other]) { g in
            let x = try a.get(op.name), y = try b.get(op.name)
            switch op {
            case .add:
                return [needA ? try g.sumTo(x.shape) : nil, needB ? try g.sumTo(y.shape) : nil]
            case .sub:
                return [needA ? try g.sumTo(x.shape) : nil, needB ? try g.sumTo(y.shape).neg() : nil]
            default:
                return [needA ? try Tensor.binaryGrad(op, input: 0, x, y, g) : nil,
                        needB ? try Tensor.binaryGrad(op, input: 1, x, y, g) : nil]
            }
        }
    }

    /// Runs the forward kernel, picking the contiguous, scalar or general strided path.
    static func runBinary(_ op: BinaryOp, _ a: Tensor, _ b: Tensor, into out: Tensor) {
        let n = Int64(out.numel)
        if a.shape == b.shape && a.isContiguous && b.isContiguous {
            Parallel.chunks(Int(n)) { r, _ in
                let o = r.lowerBound
                mv_binary_contiguous(op.rawValue, a.data + o, b.data + o, out.data + o, Int64(r.count))
            }
        } else if b.numel == 1 && a.shape == out.shape && a.isContiguous {
            let s = b.data.pointee
            Parallel.chunks(Int(n)) { r, _ in mv_binary_scalar_rhs(op.rawValue, a.data + r.lowerBound, s, out.data + r.lowerBound, Int64(r.count)) }
        } else if a.numel == 1 && b.shape == out.shape && b.isContiguous {
            let s = a.data.pointee
            Parallel.chunks(Int(n)) { r, _ in mv_binary_scalar_lhs(op.rawValue, s, b.data + r.lowerBound, out.data + r.lowerBound, Int64(r.count)) }
        } else {
            let sa = Shape.broadcastStrides(shape: a.shape, strides: a.strides, to: out.shape)
            let sb = Shape.broadcastStrides(shape: b.shape, strides: b.strides, to: out.shape)
            mv_binary_strided(op.rawValue, Int32(out.rank), out.shape.map(Int64.init),
                              a.data, sa.map(Int64.init), b.data, sb.map(Int64.init), out.data)
        }
    }

    /// Gradient of a broadcast binary op with respect to input `input`, reduced to that input's shape.
    static func binaryGrad(_ op: BinaryOp, input: Int32, _ a: Tensor, _ b: Tensor, _ g: Tensor) throws -> Tensor {
        let gc = try g.contiguousIfNeeded()
        let full = try Tensor.empty(g.shape)
        let sa = Shape.broadcastStrides(shape: a.shape, strides: a.strides, to: g.shape)
        let sb = Shape.broadcastStrides(shape: b.shape, strides: b.strides, to: g.shape)
        mv_binary_backward(op.rawValue, input, Int32(g.rank), g.shape.map(Int64.init),
                           a.data, sa.map(Int64.init), b.data, sb.map(Int64.init), gc.data, full.data)
        return try full.sumTo(input == 0 ? a.shape : b.shape)
    }

    /// Sums a broadcast gradient back down to `target` (the shape of the input that was broadcast).
    public func sumTo(_ target: [Int]) throws -> Tensor {
        if shape == target { return self }
        let lead = rank - target.count
        guard lead >= 0 else {
            throw TensorError("sumTo: cannot reduce \(Shape.describe(shape)) to the larger rank of \(Shape.describe(target))")
        }
        var dims: [Int] = Array(0..<lead)
        for i in 0..<target.count where target[i] == 1 && shape[lead + i] != 1 {
            dims.append(lead + i)
        }
        return try sum(dims: dims, keepDim: true).reshape(target)
    }

    public func add(_ o: Tensor) throws -> Tensor { try binary(.add, o) }
    public func sub(_ o: Tensor) throws -> Tensor { try binary(.sub, o) }
    public func mul(_ o: Tensor) throws -> Tensor { try binary(.mul, o) }
    public func div(_ o: Tensor) throws -> Tensor { try binary(.div, o) }
    public func pow(_ o: Tensor) throws -> Tensor { try binary(.pow, o) }
    public func maximum(_ o: Tensor) throws -> Tensor { try binary(.maximum, o) }
    public func minimum(_ o: Tensor) throws -> Tensor { try binary(.minimum, o) }

    public static func + (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.add, b) }
    public static func - (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.sub, b) }
    public static func * (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.mul, b) }
    public static func / (a: Tensor, b: Tensor) throws -> Tensor { try a.binary(.div, b) }
    public static func + (a: Tensor, b: Float) throws -> Tensor { try a.binary(.add, Tensor(scalar: b)) }
    public static func - (a: Tensor, b: Float) throws -> Tensor { try a.binary(.sub, Tensor(scalar: b)) }
    public static func * (a: Tensor, b: Float) throws -> Tensor { try a.binary(.mul, Tensor(scalar: b)) }
    public static func / (a: Tensor, b: Float) throws -> Tensor { try a.binary(.div, Tensor(scalar: b)) }
    public static func + (a: Float, b: Tensor) throws -> Tensor { try Tensor(scalar: a).binary(.add, b) }
    public static func - (a: Float, b: Tensor) throws -> Tensor { try Tensor(scalar: a).binary(.sub, b) }
    public static func * (a: Float, b: Tensor) throws -> Tensor { try Tensor(scalar: a).binary(.mul, b) }
    public static func / (a: Float, b: Tensor) throws -> Tensor { try Tensor(scalar: a).binary(.div, b) }
}
