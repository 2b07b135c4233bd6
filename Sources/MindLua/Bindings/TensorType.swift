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
        let type = LuaUserdataType<Tensor>(name: "Tensor")
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
        try TensorConstructors.install(state)
        try TensorMath.install(state)
        try TensorViews.install(state)
        try TensorIndexing.install(state)
        try TensorPrinting.install(state)
        try AutogradBindings.install(state)
        try MemoryBindings.install(state)
        try state.register(table: "mv", name: "is_tensor") { args in
            try args.returning(args.count >= 1 && (try? args.tensor(1)) != nil)
        }
    }

    /// shape, size, dim, numel, `#t`, is_contiguous.
    private static func defineGeometry(_ type: LuaUserdataType<Tensor>) {
        type.method("shape") { t, args in try args.returning(t.shape) }
        type.method("size") { t, args in
            guard let d = try args.optionalDimension(1, rank: t.rank) else { return try args.returning(t.shape) }
            return try args.returning(t.shape[d < 0 ? d + t.rank : d])
        }
        type.method("dim") { t, args in try args.returning(t.rank) }
        type.method("numel") { t, args in try args.returning(t.numel) }
        type.method("is_contiguous") { t, args in try args.returning(t.isContiguous) }
        type.method("stride") { t, args in
            guard let d = try args.optionalDimension(1, rank: t.rank) else { return try args.returning(t.strides) }
            return try args.returning(t.strides[d < 0 ? d + t.rank : d])
        }
        type.length { t in
            guard let first = t.shape.first else { throw LuaBindingError("Tensor:__len: a 0-d tensor has no length") }
            return first
        }
    }
}
