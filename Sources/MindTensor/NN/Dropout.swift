/// Inverted dropout (torch.nn.Dropout); active only in training mode.
public final class Dropout: Module, Layer {
    public let p: Float
    let generator: Generator

    public init(_ p: Float = 0.5, generator: Generator = .default) throws {
        guard p >= 0 && p < 1 else { throw TensorError("Dropout: probability must be in [0, 1), got \(p)") }
        self.p = p
        self.generator = generator
        super.init()
    }

    public override var summary: String { "p=\(p)" }

    public func forward(_ x: Tensor) throws -> Tensor { try x.dropout(p, training: isTraining, generator: generator) }
}
