import Foundation
import ZIPFoundation

/// The contents of an `.npz` file: every member in archive order, keyed without the `.npy` suffix.
public struct NPZArchive {
    public let entries: [(name: String, value: PickleValue)]
    /// The file, for error messages.
    public let path: String

    public var names: [String] { entries.map(\.name) }

    public subscript(name: String) -> PickleValue? {
        entries.first { $0.name == name }?.value
    }

    /// The numeric/bool array stored as `name`.
    public func array(_ name: String) throws -> NDArray {
        let value = try entry(name)
        guard case .array(let array) = value else {
            throw MindIOError("npz: \(path): '\(name)' holds a \(value.kindDescription), not a numeric array")
        }
        return array
    }

    /// The strings of a unicode (`<U…`) array stored as `name` (flattened in C order).
    public func strings(_ name: String) throws -> [String] {
        let value = try entry(name)
        guard let strings = value.asStrings else {
            throw MindIOError("npz: \(path): '\(name)' holds a \(value.kindDescription), not an array of strings")
        }
        return strings
    }

    private func entry(_ name: String) throws -> PickleValue {
        guard let value = self[name] else {
            throw MindIOError("npz: \(path): no entry '\(name)' (entries: \(names.joined(separator: ", ")))")
        }
        return value
    }
}

/// numpy's `.npz`: a zip archive of `.npy` members (stored by `np.savez`, deflated by `np.savez_compressed`).
public enum NPZ {
    /// Reads every member. CRC-32 checks can be skipped for speed on trusted files.
    public static func read(contentsOf url: URL, verifyChecksums: Bool = true,
                            limits: PickleLimits = PickleLimits()) throws -> NPZArchive {
        let zip = try ZipReader(data: FileContents.read(url, context: "npz"), context: "npz: \(url.path)")
        let fileName = url.lastPathComponent
        var entries: [(name: String, value: PickleValue)] = []
        entries.reserveCapacity(zip.entries.count)
        for entry in zip.entries {
            guard entry.name.hasSuffix(".npy") else {
                throw MindIOError("npz: \(url.path): member '\(entry.name)' is not an .npy file")
            }
            if !entry.isStored {
                // A deflated member can declare gigabytes in a few MB of file: its npy header says what its data
                // need, so a size that disagrees is refused before the member is inflated.
                let name = "\(fileName)/\(entry.name)"
                let head = try zip.prefix(of: entry, count: NPY.maxPreambleBytes)
                if let size = try head.withUnsafeBytes({ try NPY.fileSize(prefix: $0, name: name) }), size != entry.uncompressedSize {
                    throw MindIOError("npz: \(name): the zip entry holds \(entry.uncompressedSize) bytes but its npy header needs \(size)")
                }
            }
            let value = try zip.withContents(of: entry, verifyChecksum: verifyChecksums) { contents in
                try NPY.decode(contents, name: "\(fileName)/\(entry.name)", limits: limits)
            }
            entries.append((String(entry.name.dropLast(4)), value))
        }
        return NPZArchive(entries: entries, path: url.path)
    }

    /// Writes `arrays` as `<name>.npy` members in the given order, stored (like `np.savez`) or deflated
    /// (like `np.savez_compressed`), atomically. Member timestamps are fixed so output is reproducible.
    public static func write(_ arrays: [NamedArray], to url: URL, compressed: Bool = false) throws {
        let context = "npz: write \(url.path)"
        var seen = Set<String>()
        for (name, _) in arrays where !seen.insert(name).inserted {
            throw MindIOError("\(context): duplicate array name '\(name)'")
        }
        let headers = try arrays.map { try NPY.header(for: $0.array) }
        let timestamp = Date(timeIntervalSince1970: 315_532_800)  // 1980-01-01, the zip epoch
        try AtomicFile.write(to: url, producingFileAt: { temporaryURL in
            do {
                let archive = try Archive(url: temporaryURL, accessMode: .create)
                for ((name, array), header) in zip(arrays, headers) {
                    try archive.addEntry(with: name + ".npy", type: .file,
                                         uncompressedSize: Int64(header.count + array.bytes.count),
                                         modificationDate: timestamp,
                                         compressionMethod: compressed ? .deflate : .none,
                                         bufferSize: 1 << 20) { position, size in
                        concatenatedChunk(header, array.bytes, from: Int(position), count: size)
                    }
                }
            } catch let error as MindIOError {
                throw error
            } catch {
                throw MindIOError("\(context): zip writer failed: \(error)")
            }
        })
    }

    /// Bytes [from, from + count) of `first + second`, without building the concatenation.
    private static func concatenatedChunk(_ first: [UInt8], _ second: [UInt8], from start: Int, count: Int) -> Data {
        var chunk = Data(capacity: count)
        let end = start + count
        if start < first.count {
            chunk.append(contentsOf: first[start..<min(end, first.count)])
        }
        if end > first.count {
            chunk.append(contentsOf: second[max(start - first.count, 0)..<(end - first.count)])
        }
        return chunk
    }
}
