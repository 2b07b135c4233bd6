import Foundation

/// numpy's `.npy` format: magic `\x93NUMPY`, version, header length (u16 for 1.0, u32 for 2.0/3.0),
/// a Python-literal header dict {descr, fortran_order, shape}, then the data (or a pickle for `|O`).
///
/// Reading returns a `PickleValue`: `.array` for numeric/bool dtypes (canonical C order, little-endian),
/// `.objectArray` of `.string` for unicode (`<U…`) and of `.bytes` for byte-string (`|S…`) arrays, and
/// whatever the pickle holds for object arrays (numpy pickles the whole ndarray, so usually an
/// `.objectArray`; `np.save(path, some_dict)` gives a 0-d one whose `.item` is the dict).
public enum NPY {
    /// numpy itself refuses headers over 10 000 bytes by default; this is a looser sanity bound.
    public static let maxHeaderBytes = 1 << 20
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
    /// numpy pads the header so the data starts on a 64-byte boundary.
    static let alignment = 64

    public static func read(contentsOf url: URL, limits: PickleLimits = PickleLimits()) throws -> PickleValue {
        let data = try FileContents.read(url, context: "npy")
        return try data.withUnsafeBytes { try decode($0, name: url.path, limits: limits) }
    }

    /// Reads a file that must hold a numeric or bool array.
    public static func readArray(contentsOf url: URL) throws -> NDArray {
        let value = try read(contentsOf: url)
        guard case .array(let array) = value else {
            throw MindIOError("npy: \(url.path) holds a \(value.kindDescription), not a numeric array")
        }
        return array
    }

    /// Decodes a complete npy file image; `name` labels errors (e.g. "sbj_3.npz/arr_0.npy").
    public static func decode(_ bytes: UnsafeRawBufferPointer, name: String, limits: PickleLimits = PickleLimits()) throws -> PickleValue {
        let context = "npy: \(name)"
        let (header, dataOffset) = try readHeader(bytes, context: context)
        let payload = UnsafeRawBufferPointer(rebasing: bytes[dataOffset...])
        if header.descr.kind == .object {
            return try Pickle.load(payload, name: "\(name) (object array)", limits: limits)
        }
        return try header.descr.decode(payload, shape: header.shape, fortranOrder: header.fortranOrder, context: context)
    }

    /// The most bytes a header may take with its magic, version and length fields.
    static let maxPreambleBytes = 12 + maxHeaderBytes

    /// The size of the npy file whose first bytes are `prefix` (which must hold its whole header): the header plus
    /// the data its shape and dtype need; nil for an object array, whose pickle no header sizes.
    static func fileSize(prefix: UnsafeRawBufferPointer, name: String) throws -> Int? {
        let context = "npy: \(name)"
        let (header, dataOffset) = try readHeader(prefix, context: context)
        if header.descr.kind == .object { return nil }
        var size = header.shape.contains(0) ? 0 : header.descr.itemSize
        for dimension in header.shape {
            let (product, overflow) = size.multipliedReportingOverflow(by: dimension)
            guard !overflow else { throw MindIOError("\(context): shape \(header.shape) is too large") }
            size = product
        }
        let (total, overflow) = size.addingReportingOverflow(dataOffset)
        guard !overflow else { throw MindIOError("\(context): shape \(header.shape) is too large") }
        return total
    }

    /// The header of an npy file image and the offset where its data start.
    private static func readHeader(_ bytes: UnsafeRawBufferPointer, context: String) throws
        -> (header: (descr: NumpyDescr, fortranOrder: Bool, shape: [Int]), dataOffset: Int) {
        var cursor = ByteCursor(bytes, context: context)
        guard bytes.count >= magic.count, zip(bytes.prefix(magic.count), magic).allSatisfy({ $0 == $1 }) else {
            throw MindIOError("\(context): not an npy file (missing the \\x93NUMPY magic)")
        }
        _ = try cursor.readBytes(count: magic.count)
        let major = try cursor.readUInt8()
        let minor = try cursor.readUInt8()
        let headerLength: Int
        switch (major, minor) {
        case (1, 0): headerLength = Int(try cursor.readUInt16())
        case (2, 0), (3, 0): headerLength = Int(try cursor.readUInt32())
        default: throw MindIOError("\(context): unsupported npy format version \(major).\(minor)")
        }
        guard headerLength <= maxHeaderBytes else {
            throw MindIOError("\(context): header of \(headerLength) bytes exceeds the \(maxHeaderBytes)-byte limit")
        }
        let headerBytes = try cursor.readBytes(count: headerLength)
        // Versions 1 and 2 store the header as Latin-1, version 3 as UTF-8.
        let headerText: String
        if major == 3 {
            guard let text = String(validating: headerBytes, as: UTF8.self) else {
                throw MindIOError("\(context): header is not valid UTF-8")
            }
            headerText = text
        } else {
            headerText = String(headerBytes.map { Character(Unicode.Scalar($0)) })
        }
        return (try parseHeader(headerText, context: context), cursor.offset)
    }

    private static func parseHeader(_ text: String, context: String) throws -> (descr: NumpyDescr, fortranOrder: Bool, shape: [Int]) {
        guard case .dict(let items) = try PythonLiteral.parse(text, context: context) else {
            throw MindIOError("\(context): header is not a dict: \(text)")
        }
        var descr: NumpyDescr?
        var fortranOrder: Bool?
        var shape: [Int]?
        for (key, value) in items {
            switch (key, value) {
            case (.string("descr"), .string(let text)):
                descr = try NumpyDescr(text, context: context)
            case (.string("descr"), .list):
                throw MindIOError("\(context): structured (record) dtypes are not supported")
            case (.string("fortran_order"), .bool(let flag)):
                fortranOrder = flag
            case (.string("shape"), .tuple(let dimensions)):
                shape = try dimensions.map { dimension in
                    guard case .int(let size) = dimension, size >= 0 else {
                        throw MindIOError("\(context): header shape has an invalid dimension: \(text)")
                    }
                    return size
                }
            default:
                throw MindIOError("\(context): unexpected header entry \(key): \(value) (numpy writes 'descr': a dtype string, 'fortran_order': a bool, 'shape': a tuple of ints)")
            }
        }
        guard let descr, let fortranOrder, let shape else {
            throw MindIOError("\(context): header needs 'descr', 'fortran_order' and 'shape': \(text)")
        }
        return (descr, fortranOrder, shape)
    }

    // MARK: Writing

    /// The header numpy would write for `array` (format 1.0 unless the header needs 2.0), padded with
    /// spaces and a newline so the data starts on a 64-byte boundary.
    public static func header(for array: NDArray) throws -> [UInt8] {
        let descr = try NumpyDescr.descr(for: array.dtype, context: "npy")
        let shape: String
        switch array.shape.count {
        case 0: shape = "()"
        case 1: shape = "(\(array.shape[0]),)"
        default: shape = "(" + array.shape.map(String.init).joined(separator: ", ") + ")"
        }
        let dict = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shape), }".utf8)
        for (major, lengthSize) in [(UInt8(1), 2), (UInt8(2), 4)] {
            let prefix = magic.count + 2 + lengthSize
            let padded = dict.count + 1 + (alignment - (prefix + dict.count + 1) % alignment) % alignment
            guard let length = UInt32(exactly: padded), lengthSize == 4 || length <= UInt32(UInt16.max) else { continue }
            var header = magic + [major, 0]
            withUnsafeBytes(of: length.littleEndian) { header.append(contentsOf: $0.prefix(lengthSize)) }
            header += dict
            header += [UInt8](repeating: UInt8(ascii: " "), count: padded - dict.count - 1)
            header.append(UInt8(ascii: "\n"))
            return header
        }
        throw MindIOError("npy: header for shape \(array.shape) is too large")
    }

    /// Writes `array` as an npy file, atomically.
    public static func write(_ array: NDArray, to url: URL) throws {
        let header = try header(for: array)
        try AtomicFile.write(to: url) { sink in
            try sink.write(header)
            try sink.write(array.bytes)
        }
    }
}
