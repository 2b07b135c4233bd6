/// A bounds-checked forward reader over raw bytes. Every read that would run past the end throws a
/// `MindIOError` prefixed with `context`, so parsers of untrusted input never index out of range.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int
    let context: String

    init(_ bytes: UnsafeRawBufferPointer, offset: Int = 0, context: String) {
        self.bytes = bytes
        self.offset = offset
        self.context = context
    }

    var remaining: Int { bytes.count - offset }
    var isAtEnd: Bool { offset >= bytes.count }

    mutating func readUInt8() throws -> UInt8 {
        try require(1)
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func readUInt16() throws -> UInt16 {
        UInt16(littleEndian: try load(UInt16.self))
    }

    mutating func readUInt32() throws -> UInt32 {
        UInt32(littleEndian: try load(UInt32.self))
    }

    mutating func readUInt64() throws -> UInt64 {
        UInt64(littleEndian: try load(UInt64.self))
    }

    mutating func readInt32() throws -> Int32 {
        Int32(littleEndian: try load(Int32.self))
    }

    mutating func readInt64() throws -> Int64 {
        Int64(littleEndian: try load(Int64.self))
    }

    /// Pickle's BINFLOAT stores a big-endian IEEE double.
    mutating func readBigEndianDouble() throws -> Double {
        Double(bitPattern: UInt64(bigEndian: try load(UInt64.self)))
    }

    /// A length read from the input, validated against what is left before any allocation happens.
    mutating func readBytes<Length: BinaryInteger>(count length: Length) throws -> UnsafeRawBufferPointer {
        guard length >= 0, let count = Int(exactly: length), count <= remaining else {
            throw MindIOError("\(context): truncated: need \(length) bytes at offset \(offset), only \(remaining) left")
        }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + count)])
    }

    /// Bytes up to (not including) the next newline, which is consumed. `maxLength` bounds the search.
    mutating func readLine(maxLength: Int) throws -> UnsafeRawBufferPointer {
        let limit = min(bytes.count, offset + maxLength + 1)
        var end = offset
        while end < limit, bytes[end] != UInt8(ascii: "\n") {
            end += 1
        }
        guard end < limit else {
            throw MindIOError("\(context): no newline within \(maxLength) bytes at offset \(offset)")
        }
        defer { offset = end + 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<end])
    }

    private func require(_ count: Int) throws {
        guard count <= remaining else {
            throw MindIOError("\(context): truncated: need \(count) bytes at offset \(offset), only \(remaining) left")
        }
    }

    private mutating func load<Value: FixedWidthInteger>(_ type: Value.Type) throws -> Value {
        let size = MemoryLayout<Value>.size
        try require(size)
        defer { offset += size }
        return bytes.loadUnaligned(fromByteOffset: offset, as: Value.self)
    }
}
