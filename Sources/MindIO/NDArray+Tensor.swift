import MindTensor

/// The bridge between file arrays and engine tensors. MindTensor is float32-only, so integer arrays
/// become float tensors; that is exact up to 2^24, far beyond any index MindVis uses, and anything
/// larger is refused rather than silently rounded.
extension NDArray {
    public func tensor(name: String = "array") throws -> Tensor {
        if !dtype.isFloatingPoint {
            let limit: Int64 = 1 << 24
            if let bad = try int64s().first(where: { $0 > limit || $0 < -limit }) {
                throw MindIOError("\(name): \(dtype.rawValue) value \(bad) cannot be held exactly by a float32 tensor (limit 2^24)")
            }
        }
        return try Tensor(floats(), shape: shape)
    }

    /// A float32 array of the tensor's values (contiguous, row-major).
    public init(_ tensor: Tensor) throws {
        try self.init(floats: tensor.toArray(), shape: tensor.shape)
    }
}

extension StateDict {
    /// The named arrays as tensors, in checkpoint order.
    public func namedTensors() throws -> [(name: String, tensor: Tensor)] {
        try tensors.map { ($0.name, try $0.array.tensor(name: $0.name)) }
    }
}
