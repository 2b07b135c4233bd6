import Foundation

/// A typed n-dimensional array in canonical form: C order (row-major), little-endian element bytes,
/// exactly `numel * dtype.byteSize` bytes. Every reader converts Fortran-order and big-endian sources to
/// this form, so consumers never see another layout.
public struct NDArray: Equatable, Sendable {
    public let dtype: DType
    public let shape: [Int]
    public let bytes: [UInt8]
    /// Product of `shape` (1 for a scalar of shape `[]`).
    public let numel: Int

    /// Validates that `shape` is non-negative, its element count does not overflow, and `bytes` has
    /// exactly the size the shape needs.
    public init(dtype: DType, shape: [Int], bytes: [UInt8]) throws {
        let needed = try NDArray.byteCount(dtype: dtype, shape: shape, context: "NDArray")
        guard bytes.count == needed else {
            throw MindIOError("NDArray: \(dtype.rawValue) shape \(shape) needs \(needed) bytes, got \(bytes.count)")
        }
        self.init(validatedDType: dtype, shape: shape, numel: needed / max(dtype.byteSize, 1), bytes: bytes)
    }

    /// For readers that have already checked `bytes.count == numel * dtype.byteSize`.
    init(validatedDType dtype: DType, shape: [Int], numel: Int, bytes: [UInt8]) {
        self.dtype = dtype
        self.shape = shape
        self.numel = numel
        self.bytes = bytes
    }

    public init(floats: [Float], shape: [Int]) throws {
        try self.init(dtype: .float32, shape: shape, elements: floats)
    }

    /// Half precision (IEEE binary16), each value rounded to nearest even; values beyond ±65504 become ±inf.
    /// Halves the size of weights shipped with the project (the loaders widen them back to float32).
    public init(halvesFrom floats: [Float], shape: [Int]) throws {
        try self.init(dtype: .float16, shape: shape, elements: floats.map { Float16($0).bitPattern })
    }

    public init(doubles: [Double], shape: [Int]) throws {
        try self.init(dtype: .float64, shape: shape, elements: doubles)
    }

    public init(int64s: [Int64], shape: [Int]) throws {
        try self.init(dtype: .int64, shape: shape, elements: int64s)
    }

    public init(uint8s: [UInt8], shape: [Int]) throws {
        try self.init(dtype: .uint8, shape: shape, bytes: uint8s)
    }

    public init(bools: [Bool], shape: [Int]) throws {
        try self.init(dtype: .bool, shape: shape, bytes: bools.map { $0 ? 1 : 0 })
    }

    private init<Element: BitwiseCopyable>(dtype: DType, shape: [Int], elements: [Element]) throws {
        let numel = try NDArray.elementCount(shape, context: "NDArray")
        guard elements.count == numel else {
            throw MindIOError("NDArray: shape \(shape) has \(numel) elements, got \(elements.count) values")
        }
        let bytes = elements.withUnsafeBytes { [UInt8]($0) }
        self.init(validatedDType: dtype, shape: shape, numel: numel, bytes: bytes)
    }

    // MARK: Size arithmetic shared by every reader

    /// Product of `shape`, refusing negative dimensions and overflow. `context` prefixes the error.
    static func elementCount(_ shape: [Int], context: String) throws -> Int {
        var count = 1
        for dimension in shape {
            guard dimension >= 0 else {
                throw MindIOError("\(context): shape \(shape) has a negative dimension")
            }
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw MindIOError("\(context): shape \(shape) has more elements than can be addressed")
            }
            count = product
        }
        return count
    }

    /// `elementCount(shape) * dtype.byteSize`, overflow-checked.
    static func byteCount(dtype: DType, shape: [Int], context: String) throws -> Int {
        try byteCount(elementSize: dtype.byteSize, shape: shape, context: context)
    }

    static func byteCount(elementSize: Int, shape: [Int], context: String) throws -> Int {
        let count = try elementCount(shape, context: context)
        let (bytes, overflow) = count.multipliedReportingOverflow(by: elementSize)
        guard !overflow else {
            throw MindIOError("\(context): shape \(shape) needs more bytes than can be addressed")
        }
        return bytes
    }

    // MARK: Element conversions

    /// All elements as Float, converting from any dtype (bool -> 0/1; int64/float64 round to nearest).
    public func floats() -> [Float] {
        switch dtype {
        case .float32: return reinterpreted(as: Float.self)
        case .float16: return mapped(UInt16.self) { floatFromHalfBits($0) }
        case .bfloat16: return mapped(UInt16.self) { floatFromBFloat16Bits($0) }
        case .float64: return mapped(Double.self) { Float($0) }
        case .int64: return mapped(Int64.self) { Float($0) }
        case .int32: return mapped(Int32.self) { Float($0) }
        case .int16: return mapped(Int16.self) { Float($0) }
        case .int8: return mapped(Int8.self) { Float($0) }
        case .uint8: return mapped(UInt8.self) { Float($0) }
        case .bool: return mapped(UInt8.self) { $0 == 0 ? 0 : 1 }
        }
    }

    /// All elements as Double (exact for every dtype except int64 beyond 2^53).
    public func doubles() -> [Double] {
        switch dtype {
        case .float32: return mapped(Float.self) { Double($0) }
        case .float16: return mapped(UInt16.self) { Double(floatFromHalfBits($0)) }
        case .bfloat16: return mapped(UInt16.self) { Double(floatFromBFloat16Bits($0)) }
        case .float64: return reinterpreted(as: Double.self)
        case .int64: return mapped(Int64.self) { Double($0) }
        case .int32: return mapped(Int32.self) { Double($0) }
        case .int16: return mapped(Int16.self) { Double($0) }
        case .int8: return mapped(Int8.self) { Double($0) }
        case .uint8: return mapped(UInt8.self) { Double($0) }
        case .bool: return mapped(UInt8.self) { $0 == 0 ? 0 : 1 }
        }
    }

    /// All elements as Int64. Integer and bool dtypes convert exactly; floating dtypes only when every
    /// element is a finite integral value in Int64's range (otherwise this throws naming the element).
    public func int64s() throws -> [Int64] {
        switch dtype {
        case .int64: return reinterpreted(as: Int64.self)
        case .int32: return mapped(Int32.self) { Int64($0) }
        case .int16: return mapped(Int16.self) { Int64($0) }
        case .int8: return mapped(Int8.self) { Int64($0) }
        case .uint8: return mapped(UInt8.self) { Int64($0) }
        case .bool: return mapped(UInt8.self) { $0 == 0 ? 0 : 1 }
        case .float32, .float16, .bfloat16, .float64:
            let values = doubles()
            var result = [Int64]()
            result.reserveCapacity(values.count)
            for (index, value) in values.enumerated() {
                // 2^63 is exactly representable; Int64's range is [-2^63, 2^63).
                guard value.isFinite, value.rounded(.towardZero) == value,
                      value >= -0x1p63, value < 0x1p63 else {
                    throw MindIOError("NDArray.int64s: \(dtype.rawValue) element \(index) is \(value), not an integer in Int64 range")
                }
                result.append(Int64(value))
            }
            return result
        }
    }

    /// All elements as Bool (non-zero is true) for any dtype.
    public func bools() -> [Bool] {
        switch dtype {
        case .bool, .uint8, .int8: return mapped(UInt8.self) { $0 != 0 }
        case .float16, .bfloat16, .int16:
            // Mask the sign bit so that -0.0 in the float formats counts as false.
            let mask: UInt16 = dtype == .int16 ? 0xFFFF : 0x7FFF
            return mapped(UInt16.self) { $0 & mask != 0 }
        case .float32: return mapped(Float.self) { $0 != 0 }
        case .float64: return mapped(Double.self) { $0 != 0 }
        case .int32: return mapped(Int32.self) { $0 != 0 }
        case .int64: return mapped(Int64.self) { $0 != 0 }
        }
    }

    /// Same-layout copy out of the byte buffer (the host is little-endian, see MindIOError.swift).
    private func reinterpreted<Element: BitwiseCopyable>(as type: Element.Type) -> [Element] {
        [Element](unsafeUninitializedCapacity: numel) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: raw)
            }
            initialized = numel
        }
    }

    /// Element-wise conversion; generic and inlined so each call site compiles to a plain typed loop.
    @inline(__always)
    private func mapped<Source: BitwiseCopyable, Result>(_ source: Source.Type,
                                                        _ convert: (Source) -> Result) -> [Result] {
        let stride = MemoryLayout<Source>.stride
        return [Result](unsafeUninitializedCapacity: numel) { buffer, initialized in
            bytes.withUnsafeBytes { raw in
                for index in 0..<numel {
                    buffer[index] = convert(raw.loadUnaligned(fromByteOffset: index * stride, as: Source.self))
                }
            }
            initialized = numel
        }
    }
}

extension NDArray: CustomStringConvertible {
    public var description: String {
        "NDArray(\(dtype.rawValue), shape: \(shape))"
    }
}
