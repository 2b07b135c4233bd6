import CKernels

/// In-place updates, outside autograd: optimizers, EMA, loading weights, and user code under no-grad.
/// Each bumps the storage version so a tensor saved for backward cannot be changed unnoticed.
extension Tensor {
    /// `other` materialised in this tensor's shape (broadcast if needed), contiguous.
    private func source(for op: String, _ other: Tensor, needsContiguousTarget: Bool = true) throws -> Tensor {
        try checkInPlace(op)
        if needsContiguousTarget && !isContiguous {
            throw TensorError("\(op): in-place update needs a contiguous tensor, got a view of shape \(Shape.describe(shape))")
        }
        guard try Shape.broadcast(shape, other.shape, op: op) == shape else {
            throw TensorError("\(op): \(Shape.describe(other.shape)) cannot be broadcast to the in-place target \(Shape.describe(shape))")
        }
        // A source in this tensor's own storage at another place (t[2..6] += t[1..5]) would be read after parts of it
        // were written: copy it first, so the update acts on the values before it, as mul_ and div_ do.
        let elsewhereInPlace = other.storage === storage && (other.offset != offset || other.strides != strides)
        return other.shape == shape && !elsewhereInPlace ? try other.contiguousIfNeeded() : try other.expand(shape).contiguousCopy()
    }

    /// `self += alpha * other`.
    public func addInPlace(_ other: Tensor, alpha: Float = 1) throws {
        let src = try source(for: "add_", other)
        mv_axpy(alpha, src.data, data, Int64(numel))
        bumpVersion()
    }

    /// `self = other` (broadcast), keeping this tensor's identity: how weights are loaded into parameters.
    /// Works on views too (`t:narrow(1, 2, 3):copy_(u)` writes into `t`).
    public func copyFrom(_ other: Tensor) throws {
        // An expanded view's elements share memory: which copied value each ends up with would depend on the order
        // of the writes (PyTorch refuses this too).
        if let d = shape.indices.first(where: { shape[$0] > 1 && strides[$0] == 0 }) {
            throw TensorError("copy_: the target \(Shape.describe(shape)) is an expanded view (dimension \(d + 1) repeats one element), so its elements share memory; copy into a clone")
        }
        let src = try source(for: "copy_", other, needsContiguousTarget: false)
        if isContiguous {
            mv_copy(src.data, data, Int64(numel))
        } else {
            mv_scatter_strided(Int32(rank), shape.map(Int64.init), src.data, data, strides.map(Int64.init), 0)
        }
        bumpVersion()
    }

    public func fill(_ value: Float) throws {
        try checkInPlace("fill_")
        if isContiguous {
            mv_fill(data, value, Int64(numel))
        } else {
            let filled = try Tensor.full(shape, value)
            mv_scatter_strided(Int32(rank), shape.map(Int64.init), filled.data, data, strides.map(Int64.init), 0)
        }
        bumpVersion()
    }

    public func zero() throws { try fill(0) }

    public func scaleInPlace(_ s: Float) throws {
        try checkInPlace("mul_")
        guard isContiguous else {
            throw TensorError("mul_: in-place update needs a contiguous tensor, got a view of shape \(Shape.describe(shape))")
        }
        mv_scale_inplace(data, s, Int64(numel))
        bumpVersion()
    }
}
