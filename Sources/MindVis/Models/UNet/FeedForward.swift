import MindTensor

/// The transformer feed-forward of the UNet's attention blocks (`FeedForward` with `glu=True`, mult 4):
/// `net` = GEGLU(dim -> 4 dim), dropout, Linear(4 dim -> dim); parameters `net.0.proj.*`, `net.2.*`.
public final class FeedForward: Module, Layer {
    public let net: Sequential

    public init(dim: Int, mult: Int = 4, dropout: Double = 0, generator: Generator = .default) throws {
        let inner = dim * mult
        net = Sequential(try GEGLU(dim, inner, generator: generator), try Dropout(Float(dropout), generator: generator),
                         try Linear(inner, dim, generator: generator))
        super.init()
        registerModule("net", net)
    }

    public func forward(_ x: Tensor) throws -> Tensor { try net(x) }
}
