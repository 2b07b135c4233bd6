import Foundation

/// Reader for `torch.save` files (`.pth`, `.pt`, `.ckpt`, `.bin`), returning the saved object with every
/// tensor materialised as a contiguous NDArray of its storage's dtype.
///
/// - Zip format (PyTorch ≥ 1.6): `<prefix>/data.pkl` plus one raw little-endian blob per storage at
///   `<prefix>/data/<key>` (`<prefix>/byteorder` may say "big"). The prefix is found from the
///   entry ending in `/data.pkl`.
/// - Legacy format (PyTorch < 1.6): pickles of the magic number, protocol 1001 and sys-info, the object
///   pickle, the pickled list of storage keys, then per key an 8-byte element count and the raw bytes.
public enum TorchCheckpoint {
    static let legacyMagic = PickleValue.bigInt("119547037146038801333356")  // 0x1950a86a20f9469cfc6c
    static let legacyProtocolVersion: Int64 = 1001

    /// Loads the checkpoint object. CRC-32 verification of zip entries can be turned off for speed on
    /// trusted multi-GB files.
    public static func load(contentsOf url: URL, verifyChecksums: Bool = true,
                            limits: PickleLimits = PickleLimits()) throws -> PickleValue {
        let context = "torch: \(url.path)"
        let data = try FileContents.read(url, context: "torch")
        let kind = data.withUnsafeBytes { raw -> FileKind in
            if ZipReader.looksLikeZip(raw) { return .zip }
            if raw.count >= 2, raw[0] == PickleOpcode.proto.rawValue { return .legacy }
            if raw.count >= 262, String(decoding: UnsafeRawBufferPointer(rebasing: raw[257..<262]), as: UTF8.self) == "ustar" {
                return .tar
            }
            return .unknown
        }
        switch kind {
        case .zip:
            return try loadZip(ZipReader(data: data, context: context), verifyChecksums: verifyChecksums, limits: limits)
        case .legacy:
            return try data.withUnsafeBytes { try loadLegacy($0, context: context, limits: limits) }
        case .tar:
            throw MindIOError("\(context): tar-based checkpoints (PyTorch ≤ 0.1.10) are not supported")
        case .unknown:
            throw MindIOError("\(context): not a PyTorch checkpoint (neither a zip archive nor a legacy pickle stream)")
        }
    }

    private enum FileKind {
        case zip, legacy, tar, unknown
    }

    // MARK: Zip format

    private static func loadZip(_ zip: ZipReader, verifyChecksums: Bool, limits: PickleLimits) throws -> PickleValue {
        let context = zip.context
        let candidates = zip.entries.filter { entry in
            let parts = entry.name.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && parts[1] == "data.pkl"
        }
        guard let pickleEntry = candidates.first else {
            throw MindIOError("\(context): zip archive has no '<name>/data.pkl' entry, so it is not a torch.save checkpoint")
        }
        guard candidates.count == 1 else {
            throw MindIOError("\(context): zip archive has several data.pkl entries: \(candidates.map(\.name).joined(separator: ", "))")
        }
        let prefix = String(pickleEntry.name.dropLast("data.pkl".count))
        let source = try ZipStorageSource(zip: zip, prefix: prefix, verifyChecksums: verifyChecksums)
        let pickleContext = "\(context): \(pickleEntry.name)"
        let run = try zip.withContents(of: pickleEntry, verifyChecksum: verifyChecksums) { bytes in
            try PickleMachine.run(bytes, from: 0, context: pickleContext, limits: limits) { pid in
                let storage = try TorchStorageRef.parse(persistentID: pid, context: pickleContext)
                try source.checkAvailable(storage)
                return storage
            }
        }
        var materializer = PickleMaterializer(graph: run.graph, context: pickleContext, limits: limits,
                                              inputBytes: pickleEntry.uncompressedSize, storages: source)
        return try materializer.value(of: run.root)
    }

    // MARK: Legacy format

    private static func loadLegacy(_ raw: UnsafeRawBufferPointer, context: String, limits: PickleLimits) throws -> PickleValue {
        var offset = 0
        func nextPickle(_ what: String, persistentLoad: ((PickleValue) throws -> TorchStorageRef)? = nil)
            throws -> (graph: PickleGraph, root: PickleNodeID) {
            let pickleContext = "\(context): legacy \(what) pickle"
            let run = try PickleMachine.run(raw, from: offset, context: pickleContext, limits: limits, persistentLoad: persistentLoad)
            offset = run.end
            return (run.graph, run.root)
        }
        func plainValue(_ run: (graph: PickleGraph, root: PickleNodeID), _ what: String) throws -> PickleValue {
            var materializer = PickleMaterializer(graph: run.graph, context: "\(context): legacy \(what) pickle",
                                                  limits: limits, inputBytes: raw.count, storages: nil)
            return try materializer.value(of: run.root)
        }

        let magic = try plainValue(try nextPickle("magic number"), "magic number")
        guard magic == legacyMagic else {
            throw MindIOError("\(context): not a PyTorch checkpoint (legacy magic number is \(magic))")
        }
        let version = try plainValue(try nextPickle("protocol version"), "protocol version")
        guard version == .int(legacyProtocolVersion) else {
            throw MindIOError("\(context): unsupported legacy protocol version \(version), expected \(legacyProtocolVersion)")
        }
        let systemInfo = try plainValue(try nextPickle("sys-info"), "sys-info")
        let littleEndian = systemInfo["little_endian"]?.asBool ?? true

        var storages: [String: TorchStorageRef] = [:]
        let main = try nextPickle("object") { pid in
            let storage = try TorchStorageRef.parse(persistentID: pid, context: "\(context): legacy object pickle")
            if let known = storages[storage.key],
               known.dtype != storage.dtype || known.storageElementCount != storage.storageElementCount {
                throw MindIOError("\(context): storage '\(storage.key)' is declared with two different types or sizes")
            }
            storages[storage.key] = storage
            return storage
        }
        let keysValue = try plainValue(try nextPickle("storage keys"), "storage keys")
        guard let keyValues = keysValue.asList else {
            throw MindIOError("\(context): legacy storage key list is a \(keysValue.kindDescription), not a list")
        }
        var ranges: [String: Range<Int>] = [:]
        var cursor = ByteCursor(raw, offset: offset, context: "\(context): legacy storage data")
        for keyValue in keyValues {
            guard let key = keyValue.asString, let storage = storages[key] else {
                throw MindIOError("\(context): legacy storage list names \(keyValue), which the object pickle never uses")
            }
            let count = try cursor.readInt64()
            guard count == Int64(storage.storageElementCount) else {
                throw MindIOError("\(context): legacy storage '\(key)' holds \(count) elements, the pickle declares \(storage.storageElementCount)")
            }
            let byteCount = storage.storageElementCount * storage.dtype.byteSize
            let start = cursor.offset
            _ = try cursor.readBytes(count: byteCount)
            ranges[key] = start..<(start + byteCount)
        }
        for storage in storages.values where ranges[storage.key] == nil {
            throw MindIOError("\(context): storage '\(storage.key)' is used by the pickle but missing from the storage list")
        }
        let source = LegacyStorageSource(raw: raw, ranges: ranges, isBigEndian: !littleEndian, context: context)
        var materializer = PickleMaterializer(graph: main.graph, context: "\(context): legacy object pickle",
                                              limits: limits, inputBytes: raw.count, storages: source)
        return try materializer.value(of: main.root)
    }
}

/// Storages of a zip checkpoint: `<prefix>/data/<key>` entries, read straight from the file mapping.
private final class ZipStorageSource: TorchStorageSource {
    let zip: ZipReader
    let prefix: String
    let verifyChecksums: Bool
    let isBigEndian: Bool
    let totalStorageBytes: Int
    /// Storages already CRC-checked (tensors often share one).
    private var verified: Set<String> = []

    init(zip: ZipReader, prefix: String, verifyChecksums: Bool) throws {
        self.zip = zip
        self.prefix = prefix
        self.verifyChecksums = verifyChecksums
        var byteOrder = "little"
        if let entry = zip.entry(named: prefix + "byteorder") {
            byteOrder = try zip.withContents(of: entry, verifyChecksum: verifyChecksums) { bytes in
                String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            }
        }
        guard byteOrder == "little" || byteOrder == "big" else {
            throw MindIOError("\(zip.context): unknown byteorder '\(byteOrder)'")
        }
        self.isBigEndian = byteOrder == "big"
        self.totalStorageBytes = zip.entries.lazy.filter { $0.name.hasPrefix(prefix + "data/") }
            .reduce(0) { total, entry in
                let (sum, overflow) = total.addingReportingOverflow(entry.uncompressedSize)
                return overflow ? Int.max : sum
            }
    }

    /// Called while unpickling, so a missing or mis-sized storage is reported before any data is read.
    func checkAvailable(_ storage: TorchStorageRef) throws {
        _ = try entry(for: storage)
    }

    private func entry(for storage: TorchStorageRef) throws -> ZipEntry {
        let name = prefix + "data/" + storage.key
        guard let entry = zip.entry(named: name) else {
            throw MindIOError("\(zip.context): storage entry '\(name)' is missing (the pickle refers to storage '\(storage.key)')")
        }
        let expected = storage.storageElementCount * storage.dtype.byteSize
        guard entry.uncompressedSize == expected else {
            throw MindIOError("\(zip.context): storage entry '\(name)' has \(entry.uncompressedSize) bytes, but \(storage.storageElementCount) \(storage.dtype.rawValue) elements need \(expected)")
        }
        return entry
    }

    func withStorageBytes<Result>(of storage: TorchStorageRef, _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        let entry = try entry(for: storage)
        let verify = verifyChecksums && !verified.contains(storage.key)
        let result = try zip.withContents(of: entry, verifyChecksum: verify, body)
        verified.insert(storage.key)
        return result
    }
}

/// Storages of a legacy checkpoint: byte ranges of the file after the pickles.
private struct LegacyStorageSource: TorchStorageSource {
    let raw: UnsafeRawBufferPointer
    let ranges: [String: Range<Int>]
    let isBigEndian: Bool
    let totalStorageBytes: Int
    let context: String

    init(raw: UnsafeRawBufferPointer, ranges: [String: Range<Int>], isBigEndian: Bool, context: String) {
        self.raw = raw
        self.ranges = ranges
        self.isBigEndian = isBigEndian
        self.totalStorageBytes = ranges.values.reduce(0) { $0 + $1.count }
        self.context = context
    }

    func withStorageBytes<Result>(of storage: TorchStorageRef, _ body: (UnsafeRawBufferPointer) throws -> Result) throws -> Result {
        guard let range = ranges[storage.key] else {
            throw MindIOError("\(context): storage '\(storage.key)' has no data")
        }
        return try body(UnsafeRawBufferPointer(rebasing: raw[range]))
    }
}
