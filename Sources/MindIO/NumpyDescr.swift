/// numpy dtype descriptors ("<f4", "|b1", ">i8", "<U6", "|O") and decoding of raw array data into
/// MindIO's canonical values. Shared by the npy reader and numpy array reconstruction in pickles.
struct NumpyDescr: Equatable {
    enum Kind: Equatable {
        case numeric(DType)
        /// UTF-32 text of `characters` code units per element.
        case unicode(characters: Int)
        /// NUL-padded bytes of `length` per element ("S"/"a").
        case byteString(length: Int)
        /// Python objects (pickled; no fixed byte layout).
        case object
    }

    let kind: Kind
    let bigEndian: Bool
    let itemSize: Int
    /// The descriptor as written in the file, for messages.
    let text: String

    /// Parses a descriptor; a missing or '=' byte-order mark means native, i.e. little-endian here.
    init(_ descr: String, context: String) throws {
        var body = Substring(descr)
        var bigEndian = false
        if let first = body.first, "<>|=".contains(first) {
            bigEndian = first == ">"
            body = body.dropFirst()
        }
        guard let code = body.first else {
            throw MindIOError("\(context): empty numpy dtype descriptor")
        }
        let sizeText = body.dropFirst()
        let size = sizeText.isEmpty ? nil : Int(sizeText)
        guard sizeText.allSatisfy({ ("0"..."9").contains($0) }), sizeText.isEmpty || size != nil else {
            throw MindIOError("\(context): unsupported numpy dtype '\(descr)'")
        }
        let kind: Kind
        let itemSize: Int
        switch (code, size) {
        case ("f", 2): (kind, itemSize) = (.numeric(.float16), 2)
        case ("f", 4): (kind, itemSize) = (.numeric(.float32), 4)
        case ("f", 8): (kind, itemSize) = (.numeric(.float64), 8)
        case ("i", 1): (kind, itemSize) = (.numeric(.int8), 1)
        case ("i", 2): (kind, itemSize) = (.numeric(.int16), 2)
        case ("i", 4): (kind, itemSize) = (.numeric(.int32), 4)
        case ("i", 8): (kind, itemSize) = (.numeric(.int64), 8)
        case ("u", 1): (kind, itemSize) = (.numeric(.uint8), 1)
        case ("b", 1), ("?", nil): (kind, itemSize) = (.numeric(.bool), 1)
        case ("O", nil), ("O", 4), ("O", 8): (kind, itemSize) = (.object, 8)
        case ("U", let characters?):
            let (bytes, overflow) = characters.multipliedReportingOverflow(by: 4)
            guard !overflow else { throw MindIOError("\(context): numpy dtype '\(descr)' is too wide") }
            (kind, itemSize) = (.unicode(characters: characters), bytes)
        case ("S", let length?), ("a", let length?):
            (kind, itemSize) = (.byteString(length: length), length)
        case ("u", _):
            throw MindIOError("\(context): unsupported numpy dtype '\(descr)': MindIO has no unsigned 16/32/64-bit type")
        default:
            throw MindIOError("\(context): unsupported numpy dtype '\(descr)'")
        }
        self.kind = kind
        self.bigEndian = bigEndian
        self.itemSize = itemSize
        self.text = descr
    }

    /// The npy descriptor numpy writes for `dtype` (bfloat16 has no numpy equivalent).
    static func descr(for dtype: DType, context: String) throws -> String {
        switch dtype {
        case .float32: return "<f4"
        case .float16: return "<f2"
        case .float64: return "<f8"
        case .int64: return "<i8"
        case .int32: return "<i4"
        case .int16: return "<i2"
        case .int8: return "|i1"
        case .uint8: return "|u1"
        case .bool: return "|b1"
        case .bfloat16:
            throw MindIOError("\(context): numpy has no bfloat16 dtype; convert the array to float32 first")
        }
    }

    /// Decodes `raw` (exactly the array's bytes) as an array of `shape` into `.array` (numeric) or
    /// `.objectArray` of `.string`/`.bytes` (text). Object dtypes carry no raw layout and are refused.
    func decode(_ raw: UnsafeRawBufferPointer, shape: [Int], fortranOrder: Bool, context: String) throws -> PickleValue {
        if kind == .object {
            throw MindIOError("\(context): object arrays have no raw byte layout")
        }
        let numel = try NDArray.elementCount(shape, context: context)
        let needed = try NDArray.byteCount(elementSize: itemSize, shape: shape, context: context)
        guard raw.count == needed else {
            throw MindIOError("\(context): shape \(shape) of dtype \(text) needs \(needed) bytes, found \(raw.count)")
        }
        var bytes: [UInt8]
        // With at most one element there is nothing to reorder (and the strides of an empty array with
        // huge other dimensions would not even be computable).
        if fortranOrder && shape.count > 1 && numel > 1 {
            bytes = gatherStrided(raw, elementSize: itemSize, shape: shape, strides: fortranStrides(shape), offset: 0)
        } else {
            bytes = [UInt8](raw)
        }
        switch kind {
        case .numeric(let dtype):
            if bigEndian {
                byteSwapElements(&bytes, elementSize: itemSize)
            }
            return .array(NDArray(validatedDType: dtype, shape: shape, numel: numel, bytes: bytes))
        case .unicode(let characters):
            return .objectArray(shape: shape, elements: try decodeUnicode(bytes, count: numel, characters: characters, context: context))
        case .byteString(let length):
            let elements = (0..<numel).map { index -> PickleValue in
                let start = index * length
                var end = start + length
                while end > start && bytes[end - 1] == 0 {
                    end -= 1
                }
                return .bytes(Array(bytes[start..<end]))
            }
            return .objectArray(shape: shape, elements: elements)
        case .object:
            throw MindIOError("\(context): object arrays have no raw byte layout")
        }
    }

    /// numpy strips trailing NULs from each fixed-width UTF-32 element.
    private func decodeUnicode(_ bytes: [UInt8], count: Int, characters: Int, context: String) throws -> [PickleValue] {
        var elements: [PickleValue] = []
        elements.reserveCapacity(count)
        try bytes.withUnsafeBytes { raw in
            for index in 0..<count {
                var scalars: [Unicode.Scalar] = []
                for position in 0..<characters {
                    let unit = raw.loadUnaligned(fromByteOffset: (index * characters + position) * 4, as: UInt32.self)
                    let code = bigEndian ? UInt32(bigEndian: unit) : UInt32(littleEndian: unit)
                    guard let scalar = Unicode.Scalar(code) else {
                        throw MindIOError("\(context): element \(index) holds an invalid code point 0x\(String(code, radix: 16))")
                    }
                    scalars.append(scalar)
                }
                while scalars.last == "\0" {
                    scalars.removeLast()
                }
                var text = ""
                text.unicodeScalars.append(contentsOf: scalars)
                elements.append(.string(text))
            }
        }
        return elements
    }
}

