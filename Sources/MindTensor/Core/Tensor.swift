import CKernels

/// A float32 n-dimensional array with reverse-mode autograd, PyTorch-style. A tensor is a view
/// (shape, strides, offset) on a reference-counted `Storage`; reshape of contiguous data,
/// transpose, permute, narrow and expand are free views, every other op writes a new contiguous
/// tensor. Ops live in extensions, one file per family (`Ops/`), and record themselves on the
/// autograd tape when an input requires a gradient.
public final class Tensor {
    public let shape: [Int]
    public let strides: [Int]
    /// Element offset of this view into its storage.
    public let offset: Int
    /// Never reassigned: `var` only so that `viewsStorageAlone` can ask whether anything else holds it.
    @exclusivity(unchecked) public private(set) var storage: Storage
    public let numel: Int

    /// The node that produced this tensor (nil for leaves and for tensors created without grad).
    public internal(set) var gradFn: Node?
    /// Accumulated gradient of a leaf after `backward()`.
    public var grad: Tensor?
    /// A leaf that accumulates a gradient (a trainable parameter or input).
    public internal(set) var isGradLeaf = false

    /// A view on existing storage. Callers guarantee the view lies inside the storage.
    init(storage: Storage, shape: [Int], strides: [Int], offset: Int) {
        self.storage = storage
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.numel = shape.reduce(1, *)
    }

    /// A new contiguous tensor with uninitialised contents.
    public static func empty(_ shape: [Int], op: String = "empty") throws -> Tensor {
        let n = try Shape.elementCount(shape, op: op)
        return Tensor(storage: try Storage(count: n), shape: shape, strides: Shape.contiguousStrides(shape), offset: 0)
    }

    public var rank: Int { shape.count }

    /// Whether no other tensor (a view, a copy saved for a backward pass) shares this tensor's storage.
    func viewsStorageAlone() -> Bool { isKnownUniquelyReferenced(&storage) }

    /// True when elements are laid out row-major without gaps (size-1 dimensions may have any stride).
    public var isContiguous: Bool {
        if numel == 0 { return true }
        var expected = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] != 1 {
            if strides[d] != expected { return false }
            expected *= shape[d]
        }
        return true
    }

    /// Pointer to the first element. Only meaningful as a flat buffer when `isContiguous`.
    public var data: UnsafeMutablePointer<Float> { storage.base + offset }

    /// Whether gradients flow to or through this tensor.
    public var requiresGrad: Bool { isGradLeaf || gradFn != nil }

    public var isLeaf: Bool { gradFn == nil }

    /// Marks a leaf as a trainable variable (PyTorch's `requires_grad_()`).
    @discardableResult
    public func requiresGrad(_ flag: Bool = true) throws -> Tensor {
        if gradFn != nil {
            if flag { return self }
            throw TensorError("requires_grad: cannot turn off gradients of a non-leaf tensor (use detach())")
        }
        isGradLeaf = flag
        return self
    }

    /// The same data without autograd history (shares storage).
    public func detach() -> Tensor {
        Tensor(storage: storage, shape: shape, strides: strides, offset: offset)
    }

    /// The elements in row-major order.
    public func toArray() throws -> [Float] {
        if isContiguous { return Array(UnsafeBufferPointer(start: data, count: numel)) }
        return try contiguousCopy().toArray()
    }

    /// The single value of a one-element tensor.
    public func item() throws -> Float {
        guard numel == 1 else {
            throw TensorError("item: tensor of shape \(Shape.describe(shape)) has \(numel) elements, expected exactly 1")
        }
        return storage.base[offset]
    }

    /// Element at a full index (0-based), bounds-checked.
    public func value(at index: [Int]) throws -> Float {
        storage.base[try storageIndex(index, op: "value")]
    }

    /// Writes one element in place (a no-grad, version-bumping write).
    public func setValue(_ v: Float, at index: [Int]) throws {
        try checkInPlace("setValue")
        storage.base[try storageIndex(index, op: "setValue")] = v
        storage.version += 1
    }

    func storageIndex(_ index: [Int], op: String) throws -> Int {
        guard index.count == rank else {
            throw TensorError("\(op): index has \(index.count) components, tensor has \(rank) dimensions")
        }
        var p = offset
        for d in 0..<rank {
            let i = index[d] < 0 ? index[d] + shape[d] : index[d]
            if i < 0 || i >= shape[d] {
                throw TensorError("\(op): index \(index[d]) is out of range for dimension \(d) of size \(shape[d])")
            }
            p += i * strides[d]
        }
        return p
    }

    /// A contiguous copy of this view, without autograd (kernels use it to normalise inputs).
    func contiguousCopy() throws -> Tensor {
        // Can still fail: an expanded view may describe far more elements than its storage holds.
        let out = try Tensor.empty(shape)
        if numel > 0 { copyStrided(into: out.data) }
        return out
    }

    func copyStrided(into dst: UnsafeMutablePointer<Float>) {
        let s64 = shape.map(Int64.init), st64 = strides.map(Int64.init)
        mv_copy_strided(Int32(rank), s64, data, st64, dst)
    }

    /// In-place writes are refused on tensors that take part in autograd, as PyTorch does for
    /// leaves; this keeps saved tensors and gradients consistent.
    public func checkInPlace(_ op: String) throws {
        if GradMode.isEnabled && requiresGrad {
            throw TensorError("\(op): in-place operation on a tensor that requires grad (use mv.no_grad or detach())")
        }
    }

    /// Records a write to the storage, so autograd can tell that a tensor it saved has changed. Code that writes
    /// through `data` from outside MindTensor (the MPI collectives) calls it after writing.
    public func bumpVersion() { storage.version += 1 }
}
