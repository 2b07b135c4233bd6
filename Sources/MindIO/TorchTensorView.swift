/// Torch storages and tensor views as the unpickler records them, and their materialisation into
/// contiguous NDArrays. Views are validated when the pickle creates them (so errors point at the
/// pickle), but bytes are only touched when the whole object is materialised: the legacy format stores
/// the storages after the pickle.

/// A storage named by a persistent id: `('storage', torch.FloatStorage, key, location, numel[, view])`.
struct TorchStorageRef: Equatable {
    let key: String
    let dtype: DType
    let location: String
    /// Elements in the whole storage `key`, as the pickle declares it.
    let storageElementCount: Int
    /// Pre-1.0 legacy files could name a view of a storage: it starts `elementOffset` elements in.
    let elementOffset: Int
    /// Elements visible through this reference.
    let elementCount: Int

    static func parse(persistentID pid: PickleValue, context: String) throws -> TorchStorageRef {
        guard case .tuple(let fields) = pid, fields.count == 5 || fields.count == 6,
              fields[0] == .string("storage") else {
            throw MindIOError("\(context): unsupported persistent id \(pid) (expected ('storage', type, key, location, numel))")
        }
        guard case .global(let module, let typeName) = fields[1], module == "torch",
              let dtype = PickleAllowList.torchStorageTypes[typeName] else {
            throw MindIOError("\(context): persistent id names storage type \(fields[1]), not a torch storage class")
        }
        guard let key = fields[2].asString, let location = fields[3].asString,
              case .int(let declaredCount) = fields[4], declaredCount >= 0, let storageCount = Int(exactly: declaredCount) else {
            throw MindIOError("\(context): malformed storage persistent id \(pid)")
        }
        // Every later size computation on this storage stays below this product.
        _ = try NDArray.byteCount(dtype: dtype, shape: [storageCount], context: "\(context): storage '\(key)'")
        var offset = 0
        var count = storageCount
        if fields.count == 6, fields[5] != .none {
            // Legacy view metadata: (view_key, offset, view_size), in elements of the root storage.
            guard case .tuple(let view) = fields[5], view.count == 3,
                  case .int(let viewOffset) = view[1], case .int(let viewSize) = view[2],
                  viewOffset >= 0, viewSize >= 0, viewOffset <= Int64(storageCount),
                  viewSize <= Int64(storageCount) - viewOffset else {
                throw MindIOError("\(context): storage view metadata \(fields[5]) does not fit storage '\(key)' of \(storageCount) elements")
            }
            offset = Int(viewOffset)
            count = Int(viewSize)
        }
        return TorchStorageRef(key: key, dtype: dtype, location: location, storageElementCount: storageCount,
                               elementOffset: offset, elementCount: count)
    }
}

/// Where storage bytes come from (zip entries or the legacy file's tail).
protocol TorchStorageSource {
    /// Runs `body` over the bytes of the whole storage `ref.key`, which hold exactly
    /// `ref.storageElementCount * ref.dtype.byteSize` bytes (the source checks this).
    func withStorageBytes<Result>(of ref: TorchStorageRef, _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result
    /// Storages written by a big-endian machine need their elements byte-swapped.
    var isBigEndian: Bool { get }
    /// Sum of all storage sizes, the base of the materialisation budget.
    var totalStorageBytes: Int { get }
}

/// `_rebuild_tensor_v2(storage, storage_offset, size, stride, …)`; offsets and strides in elements.
struct TorchTensorView {
    let storage: TorchStorageRef
    let offset: Int
    let shape: [Int]
    let strides: [Int]
    let numel: Int
    let byteCount: Int

    init(storage: TorchStorageRef, offset: Int, shape: [Int], strides: [Int], context: String) throws {
        let description = "tensor view (offset \(offset), size \(shape), stride \(strides)) of storage '\(storage.key)'"
        guard strides.count == shape.count else {
            throw MindIOError("\(context): \(description): size and stride have different lengths")
        }
        guard offset >= 0, strides.allSatisfy({ $0 >= 0 }) else {
            throw MindIOError("\(context): \(description): negative offset or stride")
        }
        let numel = try NDArray.elementCount(shape, context: "\(context): \(description)")
        let byteCount = try NDArray.byteCount(dtype: storage.dtype, shape: shape, context: "\(context): \(description)")
        if numel == 0 {
            guard offset <= storage.elementCount else {
                throw MindIOError("\(context): \(description): offset beyond the storage's \(storage.elementCount) elements")
            }
        } else {
            // Index of the last element addressed: offset + sum((size - 1) * stride), overflow-checked.
            var last = offset
            for (size, stride) in zip(shape, strides) {
                let (step, overflow) = (size - 1).multipliedReportingOverflow(by: stride)
                let (sum, overflowSum) = last.addingReportingOverflow(step)
                guard !overflow, !overflowSum else {
                    throw MindIOError("\(context): \(description): extent overflows")
                }
                last = sum
            }
            guard last < storage.elementCount else {
                throw MindIOError("\(context): \(description) reaches element \(last), but the storage has \(storage.elementCount) elements")
            }
        }
        self.storage = storage
        self.offset = offset
        self.shape = shape
        self.strides = strides
        self.numel = numel
        self.byteCount = byteCount
    }

    /// A whole storage seen as a flat tensor (a storage pickled on its own).
    init(wholeStorage storage: TorchStorageRef) {
        self.storage = storage
        self.offset = 0
        self.shape = [storage.elementCount]
        self.strides = [1]
        self.numel = storage.elementCount
        self.byteCount = storage.elementCount * storage.dtype.byteSize
    }

    /// Copies the view into a contiguous array of the storage's dtype.
    func materialize(from source: TorchStorageSource) throws -> NDArray {
        let elementSize = storage.dtype.byteSize
        var bytes = try source.withStorageBytes(of: storage) { raw -> [UInt8] in
            let start = storage.elementOffset * elementSize
            let visible = UnsafeRawBufferPointer(rebasing: raw[start..<(start + storage.elementCount * elementSize)])
            return gatherStrided(visible, elementSize: elementSize, shape: shape, strides: strides, offset: offset)
        }
        if source.isBigEndian {
            byteSwapElements(&bytes, elementSize: elementSize)
        }
        return NDArray(validatedDType: storage.dtype, shape: shape, numel: numel, bytes: bytes)
    }
}
