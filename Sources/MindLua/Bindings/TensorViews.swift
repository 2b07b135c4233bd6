import MindTensor

/// Shape and layout: reshape/view, transpose/permute, narrow/select, squeeze/unsqueeze, expand, repeat/tile,
/// flatten, contiguous, chunk/split/unbind (Lua arrays of views) and `mv.cat`/`mv.stack`. Views share storage
/// with their input; all dimensions and starts are 1-based.
enum TensorViews {
    /// chunk/split/unbind return one Lua value per piece; more pieces than this are refused.
    static let maxPieces = 1 << 20

    static func define(_ type: LuaUserdataType<Tensor>) {
        type.bound("reshape") { t, args in try args.returning(tensor: try t.reshape(try args.sizesAllowingInference(from: 1))) }
        type.bound("view") { t, args in
            let shape = try args.sizesAllowingInference(from: 1)
            guard t.isContiguous else {
                throw args.error("the tensor \(Shape.describe(t.shape)) is not contiguous (a transposed, expanded or narrowed view); use reshape, or contiguous() first")
            }
            return try args.returning(tensor: try t.reshape(shape))
        }
        type.bound("transpose") { t, args in
            try args.returning(tensor: try t.transpose(try args.dimension(1, "dim0", rank: t.rank),
                                                       try args.dimension(2, "dim1", rank: t.rank)))
        }
        type.bound("t") { t, args in try args.returning(tensor: try t.t()) }
        type.bound("permute") { t, args in try args.returning(tensor: try t.permute(try args.dimensionList(from: 1, rank: t.rank))) }
        type.bound("narrow") { t, args in
            let d = try args.dimension(1, rank: t.rank)
            let size = t.shape[d < 0 ? d + t.rank : d]
            let start = try args.position(2, "start", size: size, allowEnd: true)
            let length = try args.integer(3, "length", min: 0, max: size - start)
            return try args.returning(tensor: try t.narrow(d, start: start, length: length))
        }
        type.bound("select") { t, args in
            let d = try args.dimension(1, rank: t.rank)
            let index = try args.position(2, "index", size: t.shape[d < 0 ? d + t.rank : d])
            return try args.returning(tensor: try t.select(d, index))
        }
        type.bound("squeeze") { t, args in try args.returning(tensor: try t.squeeze(try args.optionalDimension(1, rank: t.rank))) }
        type.bound("unsqueeze") { t, args in try args.returning(tensor: try t.unsqueeze(try args.dimension(1, rank: t.rank + 1))) }
        type.bound("expand") { t, args in try args.returning(tensor: try t.expand(try args.sizesAllowingInference(from: 1))) }
        type.bound("expand_as") { t, args in try args.returning(tensor: try t.expand(try args.tensor(1, "other").shape)) }
        type.bound("repeat") { t, args in try args.returning(tensor: try repeated(t, try args.sizes(from: 1, "repeats"), args)) }
        type.bound("tile") { t, args in
            let repeats = try args.sizes(from: 1, "repeats")
            let padded = [Int](repeating: 1, count: Swift.max(0, t.rank - repeats.count)) + repeats
            return try args.returning(tensor: try repeated(t, padded, args))
        }
        type.bound("flatten") { t, args in
            if t.rank == 0 { return try args.returning(tensor: try t.flatten()) }
            let start = try args.optionalDimension(1, "start_dim", rank: t.rank) ?? 0
            let end = try args.optionalDimension(2, "end_dim", rank: t.rank) ?? -1
            guard (start + t.rank) % t.rank <= (end + t.rank) % t.rank else {
                throw args.error("start_dim comes after end_dim")
            }
            return try args.returning(tensor: try t.flatten(from: start, to: end))
        }
        type.bound("contiguous") { t, args in try args.returning(tensor: try t.contiguous()) }
        type.bound("chunk") { t, args in
            let count = try args.integer(1, "chunks", min: 1, max: maxPieces)
            return try args.returning(tensors: try t.chunk(count, dim: try args.optionalDimension(2, rank: t.rank) ?? 0))
        }
        type.bound("split") { t, args in
            let size = try args.integer(1, "split_size", min: 1, max: Shape.maxElements)
            let d = try args.optionalDimension(2, rank: t.rank) ?? 0
            if t.rank > 0 { try checkPieces((t.shape[d < 0 ? d + t.rank : d] + size - 1) / size, args) }
            return try args.returning(tensors: try t.split(size, dim: d))
        }
        type.bound("unbind") { t, args in
            guard t.rank > 0 else { throw args.error("a 0-d tensor has no dimension to unbind") }
            let d = try args.optionalDimension(1, rank: t.rank) ?? 0
            let size = t.shape[d < 0 ? d + t.rank : d]
            try checkPieces(size, args)
            return try args.returning(tensors: try (0..<size).map { try t.select(d, $0) })
        }
    }

    static func install(_ state: LuaState) throws {
        for stacking in [false, true] {
            try state.bind("mv", stacking ? "stack" : "cat") { args in
                let tensors = try args.tensorArray(1, "tensors")
                let rank = (tensors.first?.rank ?? 0) + (stacking ? 1 : 0)
                let d = try args.optionalDimension(2, rank: rank) ?? 0
                return try args.returning(tensor: stacking ? try Tensor.stack(tensors, dim: d) : try Tensor.cat(tensors, dim: d))
            }
        }
    }

    private static func checkPieces(_ count: Int, _ args: LuaArgs) throws {
        guard count <= maxPieces else { throw args.error("\(count) pieces are too many (at most \(maxPieces))") }
    }

    /// PyTorch's repeat, with the result size checked for overflow before the engine multiplies sizes.
    private static func repeated(_ t: Tensor, _ repeats: [Int], _ args: LuaArgs) throws -> Tensor {
        guard repeats.count >= t.rank else {
            throw args.error("\(repeats.count) repeat counts given for a tensor with \(t.rank) dimensions (use tile to repeat the last dimensions only)")
        }
        let padded = [Int](repeating: 1, count: repeats.count - t.rank) + t.shape
        var result: [Int] = []
        for (r, s) in zip(repeats, padded) {
            let (size, overflow) = r.multipliedReportingOverflow(by: s)
            guard !overflow, size <= Shape.maxElements else {
                throw args.error("repeating \(Shape.describe(t.shape)) by \(repeats) gives too many elements")
            }
            result.append(size)
        }
        _ = try Shape.elementCount(result, op: "repeat")
        return try t.repeated(repeats)
    }
}
