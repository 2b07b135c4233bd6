import MindTensor

/// The structure a class embedding can share: each class is a combination of levels of a few factors (the
/// simulation's shape, colour, texture, background), and its embedding is the sum of one learned row per factor
/// level instead of a row of its own. A class that never trained (a test category, a new combination of levels
/// seen in training) then has a meaningful embedding, and a regression from fMRI onto embeddings can reach it.
public struct ClassAttributes: Equatable, Sendable {
    /// Per class (every class but the null class, in label order), its level of each factor, 0-based.
    public let levels: [[Int]]
    /// Levels of each factor: the largest level used + 1.
    public let counts: [Int]

    /// `levels` as the user writes them: one list per class, 1-based levels, the same number of factors each.
    public init(oneBased rows: [[Int]], context: String) throws {
        guard let factors = rows.first?.count, factors > 0 else { throw TensorError("\(context): 'attributes' needs one non-empty list of levels per class") }
        for (k, row) in rows.enumerated() {
            guard row.count == factors else {
                throw TensorError("\(context): 'attributes' entry \(k + 1) has \(row.count) levels, entry 1 has \(factors); every class needs one level of each factor")
            }
            if let bad = row.first(where: { $0 < 1 || $0 > 1 << 20 }) {
                throw TensorError("\(context): 'attributes' entry \(k + 1) has level \(bad); levels are 1-based positive integers")
            }
        }
        levels = rows.map { $0.map { $0 - 1 } }
        counts = (0..<factors).map { f in rows.map { $0[f] }.max()! }
    }

    /// The levels back as the user wrote them (1-based), for the stored config.
    public var oneBased: [[Int]] { levels.map { $0.map { $0 + 1 } } }

    /// Rows of the embedding table: one per factor level, and one more for the null class when there is one.
    public func tableRows(hasNullClass: Bool) -> Int { counts.reduce(0, +) + (hasNullClass ? 1 : 0) }

    /// [classCount, tableRows]: which rows each class's embedding sums (the null class: its own last row).
    public func membership(classCount: Int, nullClass: Int?) throws -> Tensor {
        let attributed = classCount - (nullClass == nil ? 0 : 1)
        guard levels.count == attributed else {
            throw TensorError("ClassEmbedder: 'attributes' lists \(levels.count) classes; n_classes \(classCount)\(nullClass == nil ? "" : " minus the null class") is \(attributed)")
        }
        let rows = tableRows(hasNullClass: nullClass != nil)
        var offsets = [0]
        for c in counts.dropLast() { offsets.append(offsets.last! + c) }
        var m = [Float](repeating: 0, count: classCount * rows)
        var next = 0
        for label in 0..<classCount {
            if label == nullClass {
                m[label * rows + rows - 1] = 1
                continue
            }
            for (f, level) in levels[next].enumerated() { m[label * rows + offsets[f] + level] = 1 }
            next += 1
        }
        return try Tensor(m, shape: [classCount, rows])
    }
}
