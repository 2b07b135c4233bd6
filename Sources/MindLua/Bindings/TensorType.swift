import MindTensor

/// The `Tensor` userdata type and the installer of everything tensor-related in `mv`.
///
/// Other binding files read tensors with `args.tensor(i, "name")` and push them with `args.push(tensor:)` /
/// `args.returning(tensor:)`; bodies registered through `state.bind` / `type.bound` get memory charging and
/// labelled engine errors (`BindingCall`). Each concept adds its methods in its own file (`TensorMath`,
/// `TensorViews`, `TensorIndexing`, `TensorInPlace`, `AutogradBindings`, `TensorPrinting`, `TensorTables`).
public enum TensorBindings: LuaBindingSet {
    static let installOrder = LuaInstallOrder.tensor

    public static let tensorType: LuaUserdataType<Tensor> = {
        let type = LuaUserdataType<Tensor>(name: "Tensor", doc: "a float32 n-dimensional array with autograd (+ - * / ^ broadcast and take numbers; t[i], t[{i, {a, b}}] index from 1; one element is a number, or a 0-d tensor when t requires grad so the gradient flows)")
        defineGeometry(type)
        TensorTables.define(type)
        TensorMath.define(type)
        TensorInPlace.define(type)
        TensorViews.define(type)
        TensorIndexing.define(type)
        AutogradBindings.define(type)
        TensorPrinting.define(type)
        type.freeMethod()
        return type
    }()

    public static func install(_ state: LuaState) throws {
        try state.register(tensorType)
        try state.document("Tensor:free", """
            t:free()
            Drops this Lua value's hold on the tensor now instead of at garbage collection, as leaving the scope of local t <close> does.
            The memory returns once nothing else (a view, a .grad, a module) shares the storage; any later use of t is an error.
            A module's own parameter or buffer (m.weight, m:parameters()) cannot be freed: it lives as long as the module, and <close> leaves it alone.
            """)
        try TensorConstructors.install(state)
        try TensorMath.install(state)
        try TensorViews.install(state)
        try TensorIndexing.install(state)
        try TensorPrinting.install(state)
        try AutogradBindings.install(state)
        try MemoryBindings.install(state)
        try state.bind("mv", "is_tensor", doc: """
            mv.is_tensor(value) -> boolean
            Whether value is a usable Tensor (torch.is_tensor): false for any other value, including a freed tensor.
            """) { args in
            try args.returning(args.count >= 1 && (try? args.tensor(1)) != nil)
        }
    }

    /// shape, size, dim, numel, `#t`, is_contiguous.
    private static func defineGeometry(_ type: LuaUserdataType<Tensor>) {
        type.method("shape", doc: """
            t:shape() -> {integer, ...}
            The sizes of t's dimensions as an array ({} for a 0-d tensor); prints as [2, 3] and compares by value (==), like torch.Size.
            """) { t, args in try args.returning(t.shape) }
        type.method("size", doc: """
            t:size([dim]) -> {integer, ...} | integer
            With no argument the same as t:shape(); with dim (1-based, negative from the end) the size of that dimension.
            """) { t, args in
            guard let d = try args.optionalDimension(1, rank: t.rank) else { return try args.returning(t.shape) }
            return try args.returning(t.shape[d < 0 ? d + t.rank : d])
        }
        type.method("dim", doc: """
            t:dim() -> integer
            The number of dimensions (0 for a scalar tensor), as torch.Tensor.dim; at most 8.
            """) { t, args in try args.returning(t.rank) }
        type.method("numel", doc: """
            t:numel() -> integer
            The number of elements: the product of the sizes (1 for a 0-d tensor, 0 if any size is 0).
            """) { t, args in try args.returning(t.numel) }
        type.method("is_contiguous", doc: """
            t:is_contiguous() -> boolean
            Whether t's elements lie row-major without gaps in its storage; false for most transposed, expanded or narrowed views.
            t:view and in-place updates such as add_ need contiguous tensors; t:contiguous() makes a contiguous copy when needed.
            """) { t, args in try args.returning(t.isContiguous) }
        type.method("stride", doc: """
            t:stride([dim]) -> {integer, ...} | integer
            The step in elements between neighbours along each dimension, or along dim (1-based, negative from the end).
            A contiguous [2, 3] tensor has strides {3, 1}; an expanded dimension has stride 0.
            """) { t, args in
            guard let d = try args.optionalDimension(1, rank: t.rank) else { return try args.returning(t.strides) }
            return try args.returning(t.strides[d < 0 ? d + t.rank : d])
        }
        type.length { t in
            guard let first = t.shape.first else { throw LuaBindingError("Tensor:__len: a 0-d tensor has no length") }
            return first
        }
    }
}
