import Foundation

/// A name with its array, in the order a file (or a caller) lists them.
public typealias NamedArray = (name: String, array: NDArray)

/// A validated safetensors file held in memory (see `FileContents` for why it is not mapped). Opening it
/// checks the header; tensor bytes are converted on demand, so picking a few tensors costs no conversions.
///
/// Layout (the safetensors format; DESIGN.md §5): u64-LE header length N, N bytes of JSON, then the byte buffer that the
/// `data_offsets` of every tensor index (relative to the buffer start, end exclusive).
public struct SafetensorsFile {
    public struct Entry: Equatable, Sendable {
        public let name: String
        public let dtype: DType
        public let shape: [Int]
        /// Byte range inside the data buffer (i.e. relative to the end of the header).
        public let byteRange: Range<Int>
    }

    /// Tensors in file order (ascending data offset).
    public let entries: [Entry]
    /// The `__metadata__` map (empty when absent).
    public let metadata: [String: String]
    private let data: Data
    private let bufferStart: Int
    private let indexByName: [String: Int]

    public init(contentsOf url: URL) throws {
        // Another tensor format would fail the header checks with a meaningless length: name the format instead.
        if let format = try? FileFormat.detect(url, context: "safetensors"), format != .safetensors {
            throw MindIOError("safetensors: \(url.path) is not a safetensors file but \(format.description) (mv.load reads it)")
        }
        try self.init(data: FileContents.read(url, context: "safetensors"), name: url.path)
    }

    /// Parses a file already in memory; `name` is used in error messages.
    public init(data: Data, name: String) throws {
        let context = "safetensors: \(name)"
        let parsed = try data.withUnsafeBytes { raw in try SafetensorsFile.parseHeader(raw, context: context) }
        self.data = data
        self.bufferStart = parsed.bufferStart
        self.entries = parsed.entries
        self.metadata = parsed.metadata
        var index: [String: Int] = [:]
        for (position, entry) in parsed.entries.enumerated() {
            index[entry.name] = position
        }
        self.indexByName = index
    }

    public var names: [String] { entries.map(\.name) }

    public func array(named name: String) throws -> NDArray {
        guard let position = indexByName[name] else {
            throw MindIOError("safetensors: no tensor named '\(name)' (the file has \(entries.count) tensors)")
        }
        return array(for: entries[position])
    }

    /// Copies one tensor out of the mapping (entries were bounds-checked when the header was parsed).
    public func array(for entry: Entry) -> NDArray {
        let start = bufferStart + entry.byteRange.lowerBound
        let end = bufferStart + entry.byteRange.upperBound
        let bytes = data.withUnsafeBytes { raw in [UInt8](UnsafeRawBufferPointer(rebasing: raw[start..<end])) }
        return NDArray(validatedDType: entry.dtype, shape: entry.shape,
                       numel: entry.byteRange.count / entry.dtype.byteSize, bytes: bytes)
    }

    /// Every tensor, in file order.
    public func arrays() -> [NamedArray] {
        entries.map { ($0.name, array(for: $0)) }
    }

    // MARK: Header validation

    private struct ParsedHeader {
        var entries: [Entry]
        var metadata: [String: String]
        var bufferStart: Int
    }

    private static func parseHeader(_ raw: UnsafeRawBufferPointer, context: String) throws -> ParsedHeader {
        guard raw.count >= 8 else {
            throw MindIOError("\(context): file is \(raw.count) bytes, too short for the 8-byte header length")
        }
        let declared = UInt64(littleEndian: raw.loadUnaligned(as: UInt64.self))
        guard declared <= UInt64(Safetensors.maxHeaderBytes) else {
            throw MindIOError("\(context): header length \(declared) exceeds the \(Safetensors.maxHeaderBytes)-byte limit")
        }
        let headerLength = Int(declared)
        guard headerLength <= raw.count - 8 else {
            throw MindIOError("\(context): header length \(headerLength) runs past the end of the \(raw.count)-byte file")
        }
        guard headerLength >= 2, raw[8] == UInt8(ascii: "{") else {
            throw MindIOError("\(context): header does not start with a JSON object '{'")
        }
        let headerBytes = UnsafeRawBufferPointer(rebasing: raw[8..<(8 + headerLength)])
        guard case .object(let members) = try JSONValue.parse(headerBytes, context: "\(context): header") else {
            throw MindIOError("\(context): header is not a JSON object")
        }
        let bufferStart = 8 + headerLength
        let bufferSize = raw.count - bufferStart

        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        entries.reserveCapacity(members.count)
        for (key, value) in members {
            if key == "__metadata__" {
                metadata = try parseMetadata(value, context: context)
            } else {
                entries.append(try parseEntry(name: key, value, bufferSize: bufferSize, context: context))
            }
        }
        entries.sort { ($0.byteRange.lowerBound, $0.byteRange.upperBound) < ($1.byteRange.lowerBound, $1.byteRange.upperBound) }
        try checkTiling(entries, bufferSize: bufferSize, context: context)
        return ParsedHeader(entries: entries, metadata: metadata, bufferStart: bufferStart)
    }

    private static func parseMetadata(_ value: JSONValue, context: String) throws -> [String: String] {
        guard case .object(let members) = value else {
            throw MindIOError("\(context): __metadata__ must be an object of strings, found \(value.kindName)")
        }
        var metadata: [String: String] = [:]
        for (key, item) in members {
            guard case .string(let text) = item else {
                throw MindIOError("\(context): __metadata__ value for '\(key)' must be a string, found \(item.kindName)")
            }
            metadata[key] = text
        }
        return metadata
    }

    private static func parseEntry(name: String, _ value: JSONValue, bufferSize: Int, context: String) throws -> Entry {
        let where_ = "\(context): tensor '\(name)'"
        guard case .object(let fields) = value else {
            throw MindIOError("\(where_): expected an object, found \(value.kindName)")
        }
        var dtypeText: String?
        var shapeValue: [JSONValue]?
        var offsetsValue: [JSONValue]?
        for (field, item) in fields {
            switch (field, item) {
            case ("dtype", .string(let text)): dtypeText = text
            case ("shape", .array(let items)): shapeValue = items
            case ("data_offsets", .array(let items)): offsetsValue = items
            case ("dtype", _), ("shape", _), ("data_offsets", _):
                throw MindIOError("\(where_): field '\(field)' has the wrong type (\(item.kindName))")
            default:
                throw MindIOError("\(where_): unknown field '\(field)'")
            }
        }
        guard let dtypeText, let shapeValue, let offsetsValue else {
            throw MindIOError("\(where_): needs 'dtype', 'shape' and 'data_offsets'")
        }
        guard let dtype = DType(rawValue: dtypeText) else {
            let known = Safetensors.unsupportedDTypes.contains(dtypeText)
            throw MindIOError("\(where_): \(known ? "unsupported" : "unknown") dtype \(dtypeText)"
                + " (MindIO reads \(DType.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        let shape = try shapeValue.map { try nonNegativeInt($0, what: "\(where_): shape") }
        guard offsetsValue.count == 2 else {
            throw MindIOError("\(where_): data_offsets must be [begin, end], found \(offsetsValue.count) numbers")
        }
        let begin = try nonNegativeInt(offsetsValue[0], what: "\(where_): data_offsets")
        let end = try nonNegativeInt(offsetsValue[1], what: "\(where_): data_offsets")
        let needed = try NDArray.byteCount(dtype: dtype, shape: shape, context: where_)
        guard begin <= end, end <= bufferSize else {
            throw MindIOError("\(where_): data_offsets [\(begin), \(end)] out of range for a \(bufferSize)-byte data buffer")
        }
        guard end - begin == needed else {
            throw MindIOError("\(where_): \(dtype.rawValue) shape \(shape) needs \(needed) bytes, data_offsets [\(begin), \(end)] span \(end - begin)")
        }
        return Entry(name: name, dtype: dtype, shape: shape, byteRange: begin..<end)
    }

    private static func nonNegativeInt(_ value: JSONValue, what: String) throws -> Int {
        guard case .number(let text) = value, let number = Int(text), number >= 0 else {
            throw MindIOError("\(what): expected a non-negative integer, found \(describe(value))")
        }
        return number
    }

    private static func describe(_ value: JSONValue) -> String {
        if case .number(let text) = value { return text }
        return value.kindName
    }

    /// Sorted entries must cover the buffer exactly: no holes, no overlap, nothing left over.
    private static func checkTiling(_ sorted: [Entry], bufferSize: Int, context: String) throws {
        var expected = 0
        var previous = "start of the data buffer"
        for entry in sorted {
            if entry.byteRange.lowerBound > expected {
                throw MindIOError("\(context): hole in the data buffer: bytes \(expected)..<\(entry.byteRange.lowerBound) between \(previous) and tensor '\(entry.name)' belong to no tensor")
            }
            if entry.byteRange.lowerBound < expected {
                throw MindIOError("\(context): tensor '\(entry.name)' at data_offsets [\(entry.byteRange.lowerBound), \(entry.byteRange.upperBound)] overlaps \(previous)")
            }
            expected = entry.byteRange.upperBound
            previous = "tensor '\(entry.name)'"
        }
        guard expected == bufferSize else {
            throw MindIOError("\(context): data buffer is \(bufferSize) bytes but the tensors cover only \(expected)")
        }
    }
}

public enum Safetensors {
    /// The reference implementation's header size limit.
    public static let maxHeaderBytes = 100_000_000

    /// Dtypes defined by the format that MindIO has no element type for.
    static let unsupportedDTypes: Set<String> = [
        "U16", "U32", "U64", "C64", "F8_E4M3", "F8_E5M2", "F8_E8M0", "F8_E4M3FNUZ", "F8_E5M2FNUZ",
        "F6_E2M3", "F6_E3M2", "F4",
    ]

    /// Every tensor (file order) and the metadata map.
    public static func read(contentsOf url: URL) throws -> (arrays: [NamedArray], metadata: [String: String]) {
        let file = try SafetensorsFile(contentsOf: url)
        return (file.arrays(), file.metadata)
    }

    /// Writes `arrays` in the given order, back to back, with the header padded by spaces to a multiple
    /// of 8 bytes (so the buffer is 8-byte aligned). Metadata keys are written sorted, for stable output.
    /// The file is replaced atomically.
    public static func write(_ arrays: [NamedArray], metadata: [String: String] = [:], to url: URL) throws {
        let header = try encodeHeader(arrays, metadata: metadata, context: "safetensors: write \(url.path)")
        try AtomicFile.write(to: url) { sink in
            var length = UInt64(header.count).littleEndian
            try withUnsafeBytes(of: &length) { try sink.write($0) }
            try sink.write(header)
            for (_, array) in arrays {
                try sink.write(array.bytes)
            }
        }
    }

    static func encodeHeader(_ arrays: [NamedArray], metadata: [String: String], context: String) throws -> [UInt8] {
        var parts: [String] = []
        if !metadata.isEmpty {
            let items = metadata.keys.sorted().map { "\(JSONValue.quoted($0)):\(JSONValue.quoted(metadata[$0] ?? ""))" }
            parts.append("\"__metadata__\":{\(items.joined(separator: ","))}")
        }
        var seen = Set<String>()
        var offset = 0
        for (name, array) in arrays {
            guard name != "__metadata__" else {
                throw MindIOError("\(context): '__metadata__' is reserved and cannot name a tensor")
            }
            guard seen.insert(name).inserted else {
                throw MindIOError("\(context): duplicate tensor name '\(name)'")
            }
            let end = offset + array.bytes.count
            let shape = array.shape.map(String.init).joined(separator: ",")
            parts.append("\(JSONValue.quoted(name)):{\"dtype\":\"\(array.dtype.rawValue)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array("{\(parts.joined(separator: ","))}".utf8)
        let padding = (8 - header.count % 8) % 8
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: padding))
        guard header.count <= maxHeaderBytes else {
            throw MindIOError("\(context): header would be \(header.count) bytes, over the \(maxHeaderBytes)-byte limit")
        }
        return header
    }
}
