import Foundation
import MindIO
import MindTensor

/// File access shared by the loaders, with errors that name the file and what was expected.
enum DatasetFiles {
    /// A subject named twice would load its samples twice (and its test items twice): an error instead.
    static func requireDistinct(subjects: [String], context: String) throws {
        var seen = Set<String>()
        for subject in subjects where !seen.insert(subject).inserted {
            throw TensorError("\(context): subjects lists '\(subject)' twice")
        }
    }

    static func requireDirectory(_ url: URL, context: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TensorError("\(context): folder \(url.path) does not exist")
        }
    }

    static func requireFile(_ url: URL, context: String) throws {
        guard try isPresent(url, context: context) else {
            throw TensorError("\(context): file \(url.path) does not exist")
        }
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw TensorError("\(context): \(url.path) is a folder; a file is expected there")
        }
    }

    /// Whether something is at `url`: false when nothing is, an error when a symbolic link there leads nowhere
    /// (its target missing, or a loop): a broken link is a damaged dataset, not an optional file left out.
    static func isPresent(_ url: URL, context: String) throws -> Bool {
        if FileManager.default.fileExists(atPath: url.path) { return true }
        guard (try? FileManager.default.destinationOfSymbolicLink(atPath: url.path)) != nil else { return false }
        throw TensorError("\(context): \(url.path) is a symbolic link to nothing (its target is missing, or the links loop)")
    }

    /// A whole UTF-8 text file.
    static func text(_ url: URL, context: String) throws -> String {
        try requireFile(url, context: context)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw TensorError("\(context): \(url.path) is not UTF-8 text (or cannot be read)")
        }
        return text
    }

    /// Sorted names in a folder (the reference uses os.listdir's order; sorting makes runs reproducible).
    static func list(_ url: URL, context: String) throws -> [String] {
        try requireDirectory(url, context: context)
        return try FileManager.default.contentsOfDirectory(atPath: url.path).filter { !$0.hasPrefix(".") }.sorted()
    }

    static func npz(_ url: URL, context: String) throws -> NPZArchive {
        try requireFile(url, context: context)
        return try NPZ.read(contentsOf: url)
    }

    /// Whether `name` is `prefix` + a number in 1...`upTo` + `suffix` (`sbj_3.npz`): how subject files are named.
    static func numbered(_ name: String, prefix: String, suffix: String, upTo limit: Int) -> Bool {
        number(of: name, prefix: prefix, suffix: suffix).map { (1...limit).contains($0) } ?? false
    }

    /// The number of a name `prefix` + digits + `suffix` (`sbj_10.npz` → 10), else nil.
    static func number(of name: String, prefix: String, suffix: String) -> Int? {
        guard name.hasPrefix(prefix), name.hasSuffix(suffix), name.count > prefix.count + suffix.count else { return nil }
        let digits = name.dropFirst(prefix.count).dropLast(suffix.count)
        guard digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber) else { return nil }
        return Int(digits)
    }

    /// The names in `names` that are `prefix` + a number from 1 + `suffix`, by number (`sbj_2` before `sbj_10`).
    static func byNumber(_ names: [String], prefix: String, suffix: String) -> [String] {
        names.compactMap { name in number(of: name, prefix: prefix, suffix: suffix).flatMap { $0 >= 1 ? ($0, name) : nil } }
            .sorted { $0.0 < $1.0 }.map(\.1)
    }

    /// A 2-D numeric array of fMRI samples as a float tensor [rows, cols]. Every value must be finite: a NaN in test
    /// data would pass normalisation (only the training rows' statistics see it) and reach the scores.
    static func matrix(_ array: NDArray, name: String) throws -> Tensor {
        guard array.shape.count == 2 else {
            throw TensorError("\(name): expected a 2-D [samples, voxels] array, got shape \(Shape.describe(array.shape))")
        }
        let values = array.floats()
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            let columns = Swift.max(array.shape[1], 1)
            throw TensorError("\(name): sample \(bad / columns + 1), voxel \(bad % columns + 1) is \(values[bad]) (counting from 1); fMRI values must be finite")
        }
        return try Tensor(values, shape: array.shape)
    }

    /// A boolean mask as the indices of its true entries.
    static func maskIndices(_ array: NDArray, length: Int, name: String) throws -> [Int] {
        let mask = array.bools()
        guard array.shape.count == 1, mask.count == length else {
            throw TensorError("\(name): ROI mask of shape \(Shape.describe(array.shape)) does not match \(length) voxels")
        }
        let indices = mask.indices.filter { mask[$0] }
        guard !indices.isEmpty else { throw TensorError("\(name): ROI mask selects no voxels") }
        return indices
    }

    static func integers(_ array: NDArray, count: Int, name: String) throws -> [Int] {
        let values: [Int64]
        do {
            values = try array.int64s()
        } catch let error as MindIOError {
            throw TensorError("\(name): expected whole numbers (image indices): \(error.message)")
        }
        guard values.count == count else {
            throw TensorError("\(name): \(values.count) entries, expected \(count) (one per fMRI row)")
        }
        return values.map { Int($0) }
    }

    static func lines(_ url: URL, context: String) throws -> [String] {
        try text(url, context: context).split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}

/// Pads every matrix to the longest one (wrap mode) and stacks them (how subjects of different
/// voxel counts are combined).
func concatenateSubjects(_ matrices: [Tensor]) throws -> Tensor {
    let length = matrices.map { $0.shape[1] }.max() ?? 0
    return try Tensor.cat(matrices.map { try VoxelLayout.wrapPad($0, to: length) }, dim: 0)
}
