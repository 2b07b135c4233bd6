import Foundation
import MindImage

/// The kind of tensor file at a path, judged from its first bytes (never its name), so `pytorch_model.bin`, a
/// checkpoint without an extension or a `.pt` that is really safetensors all load:
/// - `PK\3\4` zip: an `.npz` when its first member is a `.npy`, otherwise a `torch.save` archive;
/// - an 8-byte little-endian length followed by `{`: safetensors;
/// - a pickle protocol opcode (0x80): a legacy (pre-1.6) `torch.save` stream;
/// - `\x93NUMPY`: an `.npy` array.
public enum FileFormat: String, Sendable {
    case safetensors, npy, npz, torch

    /// The format in words, for messages.
    public var description: String {
        switch self {
        case .safetensors: return "a safetensors file"
        case .npy: return "a NumPy .npy array"
        case .npz: return "a NumPy .npz archive"
        case .torch: return "a PyTorch checkpoint (torch.save)"
        }
    }

    /// How many leading bytes `detect` reads: the zip local header and a first member name of typical length.
    private static let headLength = 512

    public static func detect(_ url: URL, context: String = "load") throws -> FileFormat {
        let head: [UInt8]
        do {
            head = try FileBytes.head(path: url.path, operation: context, count: headLength)
        } catch let error as ImageError {
            throw MindIOError(error.message)
        }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            return firstZipMemberName(head)?.hasSuffix(".npy") == true ? .npz : .torch
        }
        if head.starts(with: [0x50, 0x4B, 0x05, 0x06]) {
            throw MindIOError("\(context): \(url.path): an empty zip archive")
        }
        // Before the pickle opcode: a safetensors header length whose low byte is 0x80 (128, 384, ...) starts with it
        // too. A pickle never has '{' at byte 8 (legacy torch.save: PROTO 2, LONG1 and its 10-byte magic number).
        if head.count > 8, head[8] == UInt8(ascii: "{") { return .safetensors }
        if head.first == 0x80 { return .torch }
        if head.starts(with: [0x93] + Array("NUMPY".utf8)) { return .npy }
        let shown = head.prefix(8).map { String(format: "%02x", $0) }.joined(separator: " ")
        throw MindIOError("\(context): \(url.path): not a tensor file MindVis reads (safetensors, .npy, .npz or a PyTorch checkpoint); it starts with \(head.isEmpty ? "nothing (empty file)" : shown)")
    }

    /// The name in the first local file header of a zip archive, if it fits in `head`.
    private static func firstZipMemberName(_ head: [UInt8]) -> String? {
        guard head.count >= 30 else { return nil }
        let nameLength = Int(head[26]) | Int(head[27]) << 8
        guard 30 + nameLength <= head.count else { return nil }
        return String(decoding: head[30..<(30 + nameLength)], as: UTF8.self)
    }
}
