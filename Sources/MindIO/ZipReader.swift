import Foundation
import MindTensor
import ZIPFoundation

/// One file inside a zip archive, as the central directory describes it.
struct ZipEntry {
    let name: String
    /// 0 = stored, 8 = deflate (the only two methods accepted).
    let method: UInt16
    let compressedSize: Int
    let uncompressedSize: Int
    let crc32: UInt32
    /// Absolute file offset of the entry's (possibly compressed) bytes.
    let dataOffset: Int

    var isStored: Bool { method == 0 }
}

/// Reads zip archives (npz files, torch.save checkpoints) from a file held in memory.
///
/// Why not ZIPFoundation's `Archive` for reading: in 0.9.20 its extractor spins forever on a deflated
/// entry whose stream does not end before EOF (the 113-byte npz_deflate_never_ends.npz test file hangs it),
/// and it exposes no entry data offsets, so every byte of a multi-GB checkpoint would be copied through
/// FILE* chunks. The directory walk here validates every offset and size against the file; stored
/// entries are then handed out as slices of the mapping (zero copies) and deflated entries are inflated
/// with ZIPFoundation's zlib-backed `Data.decompress`, fed by a provider that cannot run past the entry.
final class ZipReader {
    let context: String
    /// Entries in central-directory order (the order the writer added them).
    let entries: [ZipEntry]
    private let data: Data
    private let indexByName: [String: Int]

    private static let endOfCentralDirectorySignature: UInt32 = 0x0605_4B50
    private static let zip64LocatorSignature: UInt32 = 0x0706_4B50
    private static let zip64EndSignature: UInt32 = 0x0606_4B50
    private static let centralHeaderSignature: UInt32 = 0x0201_4B50
    private static let localHeaderSignature: UInt32 = 0x0403_4B50
    private static let inflateChunkSize = 1 << 20
    /// deflate cannot expand data by more than ~1032:1; a larger declared ratio is a lie.
    private static let maxDeflateRatio = 1032

    init(data: Data, context: String) throws {
        self.data = data
        self.context = context
        self.entries = try data.withUnsafeBytes { raw in try ZipReader.readDirectory(raw, context: context) }
        var index: [String: Int] = [:]
        for (position, entry) in entries.enumerated() {
            guard index.updateValue(position, forKey: entry.name) == nil else {
                throw MindIOError("\(context): zip archive lists '\(entry.name)' twice")
            }
        }
        self.indexByName = index
    }

    /// True when `data` starts like a zip archive (a local file header or an empty archive's directory end).
    static func looksLikeZip(_ raw: UnsafeRawBufferPointer) -> Bool {
        guard raw.count >= 4 else { return false }
        let signature = UInt32(littleEndian: raw.loadUnaligned(as: UInt32.self))
        return signature == localHeaderSignature || signature == endOfCentralDirectorySignature
    }

    func entry(named name: String) -> ZipEntry? {
        indexByName[name].map { entries[$0] }
    }

    /// Runs `body` over the entry's uncompressed bytes: a slice of the mapping for stored entries, an
    /// inflated buffer for deflated ones. Size and (optionally) CRC-32 are checked before `body` runs.
    func withContents<Result>(of entry: ZipEntry, verifyChecksum: Bool,
                              _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        if entry.isStored {
            return try data.withUnsafeBytes { raw in
                let contents = UnsafeRawBufferPointer(rebasing: raw[entry.dataOffset..<(entry.dataOffset + entry.compressedSize)])
                if verifyChecksum {
                    try checkCRC(of: entry, computed: crc32(of: contents))
                }
                return try body(contents)
            }
        }
        let inflated = try inflate(entry, verifyChecksum: verifyChecksum)
        return try inflated.withUnsafeBytes(body)
    }

    /// The first `count` uncompressed bytes of the entry (fewer when it is shorter), inflating no more than that:
    /// a reader can check a member's own header against its declared size before inflating all of it.
    func prefix(of entry: ZipEntry, count: Int) throws -> [UInt8] {
        if entry.isStored {
            return data.withUnsafeBytes { raw in
                Array(raw[entry.dataOffset..<(entry.dataOffset + min(count, entry.compressedSize))])
            }
        }
        return try inflate(entry, verifyChecksum: false, stopAfter: count)
    }

    private func crc32(of contents: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = contents.baseAddress, contents.count > 0 else { return 0 }
        // Wrap without copying; ZIPFoundation's CRC only reads through withUnsafeBytes.
        let view = Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: base), count: contents.count, deallocator: .none)
        return view.crc32(checksum: 0)
    }

    private func checkCRC(of entry: ZipEntry, computed: UInt32) throws {
        guard computed == entry.crc32 else {
            throw MindIOError("\(context): entry '\(entry.name)' is corrupt: CRC-32 is \(hex(computed)), the directory says \(hex(entry.crc32))")
        }
    }

    private func hex(_ value: UInt32) -> String {
        "0x" + String(value, radix: 16)
    }

    /// Thrown by the consumer to end inflation once `stopAfter` bytes are out.
    private struct EnoughBytes: Error {}

    /// The entry's bytes, checked against its declared size and CRC; or only the first `stopAfter` of them, unchecked.
    private func inflate(_ entry: ZipEntry, verifyChecksum: Bool, stopAfter: Int? = nil) throws -> [UInt8] {
        let chunkSize = ZipReader.inflateChunkSize
        var output: [UInt8] = []
        let wanted = min(entry.uncompressedSize, stopAfter ?? Int.max)
        // A Swift array that cannot get its memory ends the process: ask first.
        try MemoryCheck.ensureAvailable(bytes: wanted, for: "\(context): entry '\(entry.name)'")
        // The declared size is untrusted: reserve what a plausible ratio needs and let the array grow.
        let plausible = entry.compressedSize > Int.max / 8 ? Int.max : max(entry.compressedSize * 8, 1 << 26)
        output.reserveCapacity(min(wanted, plausible))
        var nextInput = 0
        let computed: UInt32
        do {
            computed = try data.withUnsafeBytes { raw -> UInt32 in
                let compressed = UnsafeRawBufferPointer(rebasing: raw[entry.dataOffset..<(entry.dataOffset + entry.compressedSize)])
                return try Data.decompress(
                    size: Int64(entry.compressedSize), bufferSize: chunkSize, skipCRC32: !verifyChecksum,
                    provider: { _, _ in
                        // ZIPFoundation's Linux inflater always announces a full chunk to zlib, so every chunk
                        // has exactly `chunkSize` bytes: the entry's bytes, then zeros. Zeros after a stream
                        // that should have ended decode as an invalid block, so a truncated stream fails
                        // instead of reading on; asking past the padding means the stream never ended.
                        guard nextInput < compressed.count else {
                            throw MindIOError("\(self.context): entry '\(entry.name)': deflate stream does not end within its \(compressed.count) compressed bytes")
                        }
                        var chunk = Data(count: chunkSize)
                        let take = min(chunkSize, compressed.count - nextInput)
                        chunk.withUnsafeMutableBytes { destination in
                            destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: compressed[nextInput..<(nextInput + take)]))
                        }
                        nextInput += take
                        return chunk
                    },
                    consumer: { piece in
                        guard piece.count <= entry.uncompressedSize - output.count else {
                            throw MindIOError("\(self.context): entry '\(entry.name)' inflates to more than its declared \(entry.uncompressedSize) bytes")
                        }
                        output.append(contentsOf: piece.prefix(wanted - output.count))
                        if let stopAfter, output.count >= stopAfter { throw EnoughBytes() }
                    })
            }
        } catch is EnoughBytes {
            return output
        } catch let error as MindIOError {
            throw error
        } catch {
            throw MindIOError("\(context): entry '\(entry.name)': corrupt deflate data (\(error))")
        }
        guard output.count == entry.uncompressedSize else {
            throw MindIOError("\(context): entry '\(entry.name)' inflates to \(output.count) bytes, the directory says \(entry.uncompressedSize)")
        }
        if verifyChecksum {
            try checkCRC(of: entry, computed: computed)
        }
        return output
    }

    // MARK: Directory parsing

    private static func readDirectory(_ raw: UnsafeRawBufferPointer, context: String) throws -> [ZipEntry] {
        let fields = FieldReader(raw: raw, context: context)
        guard let endRecord = try findEndOfCentralDirectory(raw, fields: fields) else {
            throw MindIOError("\(context): not a zip archive (no end-of-central-directory record in the \(raw.count)-byte file)")
        }
        var entryCount = Int(try fields.u16(endRecord + 10))
        var directorySize = Int(try fields.u32(endRecord + 12))
        var directoryOffset = Int(try fields.u32(endRecord + 16))
        var directoryEnd = endRecord
        guard try fields.u16(endRecord + 4) == 0, try fields.u16(endRecord + 6) == 0 else {
            throw MindIOError("\(context): multi-disk zip archives are not supported")
        }
        if endRecord >= 20, try fields.u32(endRecord - 20) == zip64LocatorSignature {
            let recordOffset = try fields.offset(fields.u64(endRecord - 12), what: "zip64 end record offset")
            guard try fields.u32(recordOffset) == zip64EndSignature else {
                throw MindIOError("\(context): zip64 locator points at \(recordOffset), where there is no zip64 end record")
            }
            entryCount = try fields.offset(fields.u64(recordOffset + 32), what: "zip64 entry count")
            directorySize = try fields.offset(fields.u64(recordOffset + 40), what: "zip64 directory size")
            directoryOffset = try fields.offset(fields.u64(recordOffset + 48), what: "zip64 directory offset")
            directoryEnd = recordOffset
        }
        guard directoryOffset <= directoryEnd, directorySize <= directoryEnd - directoryOffset else {
            throw MindIOError("\(context): central directory (offset \(directoryOffset), \(directorySize) bytes) does not fit before its end record at \(directoryEnd)")
        }
        guard entryCount <= directorySize / 46 else {
            throw MindIOError("\(context): \(entryCount) entries cannot fit in a \(directorySize)-byte central directory")
        }
        var entries: [ZipEntry] = []
        entries.reserveCapacity(entryCount)
        var position = directoryOffset
        let limit = directoryOffset + directorySize
        for _ in 0..<entryCount {
            let (entry, next) = try readCentralHeader(at: position, limit: limit, dataLimit: directoryOffset, fields: fields)
            entries.append(entry)
            position = next
        }
        // Python's zipfile walks the directory's whole size: a damaged entry count must not quietly drop entries.
        guard position == limit else {
            throw MindIOError("\(context): the end record counts \(entryCount) entries, but the central directory holds more (\(limit - position) of its \(directorySize) bytes left)")
        }
        return entries
    }

    /// The last end-of-central-directory signature whose comment fits in the file (as Python's zipfile does).
    private static func findEndOfCentralDirectory(_ raw: UnsafeRawBufferPointer, fields: FieldReader) throws -> Int? {
        guard raw.count >= 22 else { return nil }
        let lowest = max(0, raw.count - 22 - 0xFFFF)
        var candidate = raw.count - 22
        while candidate >= lowest {
            if try fields.u32(candidate) == endOfCentralDirectorySignature {
                let commentLength = Int(try fields.u16(candidate + 20))
                if candidate + 22 + commentLength <= raw.count { return candidate }
            }
            candidate -= 1
        }
        return nil
    }

    private static func readCentralHeader(at position: Int, limit: Int, dataLimit: Int,
                                          fields: FieldReader) throws -> (ZipEntry, Int) {
        let context = fields.context
        guard position <= limit - 46, try fields.u32(position) == centralHeaderSignature else {
            throw MindIOError("\(context): central directory entry at \(position) is missing or damaged")
        }
        let flags = try fields.u16(position + 8)
        let method = try fields.u16(position + 10)
        let crc = try fields.u32(position + 16)
        var compressed = UInt64(try fields.u32(position + 20))
        var uncompressed = UInt64(try fields.u32(position + 24))
        let nameLength = Int(try fields.u16(position + 28))
        let extraLength = Int(try fields.u16(position + 30))
        let commentLength = Int(try fields.u16(position + 32))
        var localOffset = UInt64(try fields.u32(position + 42))
        let next = position + 46 + nameLength + extraLength + commentLength
        guard next <= limit else {
            throw MindIOError("\(context): central directory entry at \(position) runs past the directory end")
        }
        let nameBytes = UnsafeRawBufferPointer(rebasing: fields.raw[(position + 46)..<(position + 46 + nameLength)])
        // Zip names are UTF-8 (flag bit 11) or CP437; real npz/torch names are ASCII, and Latin-1 keeps
        // any other byte sequence readable instead of failing.
        let name = String(validating: nameBytes, as: UTF8.self) ?? String(nameBytes.map { Character(Unicode.Scalar($0)) })
        guard flags & 1 == 0 else {
            throw MindIOError("\(context): entry '\(name)' is encrypted")
        }
        guard method == 0 || method == 8 else {
            throw MindIOError("\(context): entry '\(name)' uses compression method \(method); only stored (0) and deflate (8) are supported")
        }
        // ZIP64: the extra field (id 1) carries, in order, whichever of the three values were saturated.
        var extra = position + 46 + nameLength
        let extraEnd = extra + extraLength
        while extra + 4 <= extraEnd {
            let identifier = try fields.u16(extra)
            let size = Int(try fields.u16(extra + 2))
            let body = extra + 4
            guard body + size <= extraEnd else { break }
            if identifier == 1 {
                var cursor = body
                func nextValue(replacing current: UInt64) throws -> UInt64 {
                    guard current == 0xFFFF_FFFF, cursor + 8 <= body + size else { return current }
                    defer { cursor += 8 }
                    return try fields.u64(cursor)
                }
                uncompressed = try nextValue(replacing: uncompressed)
                compressed = try nextValue(replacing: compressed)
                localOffset = try nextValue(replacing: localOffset)
            }
            extra = body + size
        }
        let compressedSize = try fields.offset(compressed, what: "compressed size of '\(name)'")
        guard let uncompressedSize = Int(exactly: uncompressed) else {
            throw MindIOError("\(context): entry '\(name)' claims an impossible size \(uncompressed)")
        }
        let headerOffset = try fields.offset(localOffset, what: "local header offset of '\(name)'")
        guard headerOffset <= dataLimit - 30, try fields.u32(headerOffset) == localHeaderSignature else {
            throw MindIOError("\(context): entry '\(name)': no local file header at offset \(headerOffset)")
        }
        let dataOffset = headerOffset + 30 + Int(try fields.u16(headerOffset + 26)) + Int(try fields.u16(headerOffset + 28))
        guard dataOffset <= dataLimit, compressedSize <= dataLimit - dataOffset else {
            throw MindIOError("\(context): entry '\(name)' (\(compressedSize) bytes at offset \(dataOffset)) runs past the end of the entry data at \(dataLimit)")
        }
        if method == 0 {
            guard compressedSize == uncompressedSize else {
                throw MindIOError("\(context): stored entry '\(name)' has compressed size \(compressedSize) but size \(uncompressedSize)")
            }
        } else {
            let (bound, overflow) = compressedSize.multipliedReportingOverflow(by: maxDeflateRatio)
            guard overflow || uncompressedSize - 64 <= bound else {
                throw MindIOError("\(context): entry '\(name)' claims \(uncompressedSize) bytes from \(compressedSize) deflated bytes, more than deflate can produce")
            }
        }
        let entry = ZipEntry(name: name, method: method, compressedSize: compressedSize, uncompressedSize: uncompressedSize,
                             crc32: crc, dataOffset: dataOffset)
        return (entry, next)
    }
}

/// Little-endian fixed-position field access with bounds checks (the directory is random-access,
/// so a forward cursor does not fit).
private struct FieldReader {
    let raw: UnsafeRawBufferPointer
    let context: String

    func u16(_ offset: Int) throws -> UInt16 { UInt16(littleEndian: try load(offset, UInt16.self)) }
    func u32(_ offset: Int) throws -> UInt32 { UInt32(littleEndian: try load(offset, UInt32.self)) }
    func u64(_ offset: Int) throws -> UInt64 { UInt64(littleEndian: try load(offset, UInt64.self)) }

    /// A 64-bit size or offset from the file, which must lie within the file.
    func offset(_ value: UInt64, what: String) throws -> Int {
        guard value <= UInt64(raw.count) else {
            throw MindIOError("\(context): \(what) is \(value), beyond the \(raw.count)-byte file")
        }
        return Int(value)
    }

    private func load<Value: FixedWidthInteger>(_ offset: Int, _ type: Value.Type) throws -> Value {
        let size = MemoryLayout<Value>.size
        guard offset >= 0, offset <= raw.count - size else {
            throw MindIOError("\(context): zip structure at offset \(offset) runs past the end of the \(raw.count)-byte file")
        }
        return raw.loadUnaligned(fromByteOffset: offset, as: Value.self)
    }
}
