import MindTensor

/// A judge's output as a row-major matrix of finite numbers: one row of class probabilities per image.
public struct ClassProbabilities: Sendable {
    public let rows: Int
    public let classes: Int
    let values: [Float]

    public init(_ probabilities: Tensor) throws {
        guard probabilities.rank == 2, probabilities.shape[1] >= 1 else {
            throw TensorError("class probabilities must be [N, classes], got \(Shape.describe(probabilities.shape))")
        }
        values = try probabilities.toArray()
        guard values.allSatisfy({ $0.isFinite }) else { throw TensorError("class probabilities must be finite (found NaN or infinity)") }
        (rows, classes) = (probabilities.shape[0], probabilities.shape[1])
    }

    func row(_ i: Int) -> ArraySlice<Float> { values[(i * classes)..<((i + 1) * classes)] }

    /// The most probable class of row i; the first of equal maxima, as torch's argmax.
    public func argmax(_ i: Int) -> Int {
        let row = row(i)
        return row.indices.max { row[$0] < row[$1] }! - row.startIndex
    }
}
