import MindTensor

/// Shape and layout: reshape/view, transpose/permute, narrow/select, squeeze/unsqueeze, expand, repeat/tile,
/// flatten, contiguous, chunk/split/unbind (Lua arrays of views) and `mv.cat`/`mv.stack`. Views share storage
/// with their input; all dimensions and starts are 1-based.
enum TensorViews {
    /// chunk/split/unbind return one Lua value per piece; more pieces than this are refused.
    static let maxPieces = 1 << 20

    static func define(_ type: LuaUserdataType<Tensor>) {
        type.bound("reshape", doc: """
            t:reshape(size...) -> Tensor
            The same elements in a new shape (torch.reshape): a view of contiguous t, a copy otherwise; one size may be -1 (inferred).
            Sizes as arguments or a table: t:reshape(2, -1) or t:reshape{2, -1}. The element count must not change.
            """) { t, args in try args.returning(tensor: try t.reshape(try args.sizesAllowingInference(from: 1))) }
        type.bound("view", doc: """
            t:view(size...) -> Tensor
            Like t:reshape, but always a view sharing t's storage; t must be contiguous (otherwise use reshape or contiguous() first).
            """) { t, args in
            let shape = try args.sizesAllowingInference(from: 1)
            guard t.isContiguous else {
                throw args.error("the tensor \(Shape.describe(t.shape)) is not contiguous (a transposed, expanded or narrowed view); use reshape, or contiguous() first")
            }
            return try args.returning(tensor: try t.reshape(shape))
        }
        type.bound("transpose", doc: """
            t:transpose(dim0, dim1) -> Tensor
            A view with dimensions dim0 and dim1 swapped (1-based, negative from the end), as torch.transpose (usually not contiguous).
            """) { t, args in
            try args.returning(tensor: try t.transpose(try args.dimension(1, "dim0", rank: t.rank),
                                                       try args.dimension(2, "dim1", rank: t.rank)))
        }
        type.bound("t", doc: """
            t:t() -> Tensor
            The transpose of a 2-D tensor, a view (torch.Tensor.t); other ranks are an error (use transpose).
            """) { t, args in try args.returning(tensor: try t.t()) }
        type.bound("permute", doc: """
            t:permute(dims...) -> Tensor
            A view with the dimensions reordered (torch.permute): result dimension i is t's dimension dims[i]; every dimension once, 1-based.
            t:permute(1, 3, 2) or t:permute{1, 3, 2}; an [N, H, W, C] image batch becomes [N, C, H, W] with t:permute(1, 4, 2, 3).
            """) { t, args in try args.returning(tensor: try t.permute(try args.dimensionList(from: 1, rank: t.rank))) }
        type.bound("narrow", doc: """
            t:narrow(dim, start, length) -> Tensor
            A view of length entries of dim starting at position start (both 1-based; negative from the end), as torch.narrow.
            t:narrow(1, 2, 3) holds rows 2, 3 and 4; start may be size + 1 with length 0 (an empty view).
            """) { t, args in
            let d = try args.dimension(1, rank: t.rank)
            let size = t.shape[d < 0 ? d + t.rank : d]
            let start = try args.position(2, "start", size: size, allowEnd: true)
            let length = try args.integer(3, "length", min: 0, max: size - start)
            return try args.returning(tensor: try t.narrow(d, start: start, length: length))
        }
        type.bound("select", doc: """
            t:select(dim, index) -> Tensor
            The view at position index (1-based, negative from the end) of dim, with that dimension removed (torch.select).
            t:select(1, i) is t[i] for a tensor of 2 or more dimensions.
            """) { t, args in
            let d = try args.dimension(1, rank: t.rank)
            let index = try args.position(2, "index", size: t.shape[d < 0 ? d + t.rank : d])
            return try args.returning(tensor: try t.select(d, index))
        }
        type.bound("squeeze", doc: """
            t:squeeze([dim]) -> Tensor
            A view without size-1 dimensions (torch.squeeze); with dim (1-based) only that one, and t unchanged if its size is not 1.
            """) { t, args in try args.returning(tensor: try t.squeeze(try args.optionalDimension(1, rank: t.rank))) }
        type.bound("unsqueeze", doc: """
            t:unsqueeze(dim) -> Tensor
            A view with a new size-1 dimension at position dim (1...t:dim() + 1; -1 appends one at the end), as torch.unsqueeze.
            """) { t, args in try args.returning(tensor: try t.unsqueeze(try args.dimension(1, rank: t.rank + 1))) }
        type.bound("expand", doc: """
            t:expand(size...) -> Tensor
            A view repeating size-1 dimensions to the given sizes without copying (torch.Tensor.expand); -1 keeps a size.
            New leading dimensions may be added: a [3] tensor expands to {2, 3}. Expanded dimensions have stride 0 (write to a clone).
            """) { t, args in try args.returning(tensor: try t.expand(try args.sizesAllowingInference(from: 1))) }
        type.bound("expand_as", doc: """
            t:expand_as(other) -> Tensor
            t:expand(other:shape()): a view of t broadcast to other's shape (torch.Tensor.expand_as).
            """) { t, args in try args.returning(tensor: try t.expand(try args.tensor(1, "other").shape)) }
        type.bound("repeat", doc: """
            t:repeat(repeats...) -> Tensor
            A copy tiling t repeats[i] times along dimension i (torch.Tensor.repeat); extra leading counts add dimensions.
            At least t:dim() counts are needed: mv.tensor{1, 2}:repeat(2, 2) is [[1, 2, 1, 2], [1, 2, 1, 2]]. Use tile for fewer.
            """) { t, args in try args.returning(tensor: try repeated(t, try args.sizes(from: 1, "repeats"), args)) }
        type.bound("tile", doc: """
            t:tile(repeats...) -> Tensor
            Like t:repeat, but fewer counts than dimensions apply to the last ones (torch.tile): t:tile(2) repeats the last dimension.
            """) { t, args in
            let repeats = try args.sizes(from: 1, "repeats")
            let padded = [Int](repeating: 1, count: Swift.max(0, t.rank - repeats.count)) + repeats
            return try args.returning(tensor: try repeated(t, padded, args))
        }
        type.bound("flatten", doc: """
            t:flatten([start_dim [, end_dim]]) -> Tensor
            Merges dimensions start_dim..end_dim (default 1 and -1: all) into one, as torch.flatten; a view when t is contiguous.
            A 0-d tensor becomes a 1-element 1-D tensor. x:flatten(2) keeps the batch dimension.
            """) { t, args in
            if t.rank == 0 { return try args.returning(tensor: try t.flatten()) }
            let start = try args.optionalDimension(1, "start_dim", rank: t.rank) ?? 0
            let end = try args.optionalDimension(2, "end_dim", rank: t.rank) ?? -1
            guard (start + t.rank) % t.rank <= (end + t.rank) % t.rank else {
                throw args.error("start_dim comes after end_dim")
            }
            return try args.returning(tensor: try t.flatten(from: start, to: end))
        }
        type.bound("contiguous", doc: """
            t:contiguous() -> Tensor
            t itself when its elements are laid out row-major without gaps, else a contiguous copy (torch.Tensor.contiguous).
            """) { t, args in try args.returning(tensor: try t.contiguous()) }
        type.bound("chunk", doc: """
            t:chunk(chunks [, dim]) -> {Tensor, ...}
            Splits dim (default 1) into views of ceil(size / chunks) entries, the last smaller (torch.chunk); may give fewer than chunks.
            """) { t, args in
            let count = try args.integer(1, "chunks", min: 1, max: maxPieces)
            return try args.returning(tensors: try t.chunk(count, dim: try args.optionalDimension(2, rank: t.rank) ?? 0))
        }
        type.bound("split", doc: """
            t:split(split_size [, dim]) -> {Tensor, ...}
            Splits dim (default 1) into views of split_size entries, the last smaller (torch.split with an integer size).
            A list of sizes is not supported; use t:narrow for uneven pieces.
            """) { t, args in
            let size = try args.integer(1, "split_size", min: 1, max: Shape.maxElements)
            let d = try args.optionalDimension(2, rank: t.rank) ?? 0
            if t.rank > 0 { try checkPieces((t.shape[d < 0 ? d + t.rank : d] + size - 1) / size, args) }
            return try args.returning(tensors: try t.split(size, dim: d))
        }
        type.bound("unbind", doc: """
            t:unbind([dim]) -> {Tensor, ...}
            The views at every position of dim (default 1), each with that dimension removed (torch.unbind): a [3, 4] tensor gives three [4] rows.
            """) { t, args in
            guard t.rank > 0 else { throw args.error("a 0-d tensor has no dimension to unbind") }
            let d = try args.optionalDimension(1, rank: t.rank) ?? 0
            let size = t.shape[d < 0 ? d + t.rank : d]
            try checkPieces(size, args)
            return try args.returning(tensors: try (0..<size).map { try t.select(d, $0) })
        }
    }

    static func install(_ state: LuaState) throws {
        let docs = [
            "cat": """
                mv.cat(tensors [, dim]) -> Tensor
                Concatenates an array of tensors along an existing dimension dim (default 1; negative from the end), as torch.cat.
                All tensors have the same rank and equal sizes outside dim: mv.cat({a, b}, 2) joins [2, 3] and [2, 5] into [2, 8].
                """,
            "stack": """
                mv.stack(tensors [, dim]) -> Tensor
                Joins an array of equally shaped tensors along a new dimension dim (default 1: the front), as torch.stack.
                Three [2, 3] tensors stack to [3, 2, 3]; with dim 3 (or -1) to [2, 3, 3].
                """,
        ]
        for stacking in [false, true] {
            let name = stacking ? "stack" : "cat"
            try state.bind("mv", name, doc: docs[name]) { args in
                let tensors = try args.tensorArray(1, "tensors")
                guard !tensors.isEmpty else { throw args.error("argument #1 'tensors': expected a non-empty array of tensors, got an empty one") }
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
