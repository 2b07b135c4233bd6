import MindTensor

/// One entry of the UNet's input, middle or output blocks (`TimestepEmbedSequential`): children run in
/// order, each fed what its kind needs — ResBlocks the timestep embedding, SpatialTransformers the context,
/// plain layers (the first convolution, Downsample, Upsample) only the features. Children are named
/// "0", "1", ... as in nn.Sequential.
public final class TimestepEmbedSequential: Module {
    public enum Child {
        case layer(Layer)
        case resBlock(ResBlock)
        case transformer(SpatialTransformer)

        var module: Module {
            switch self {
            case .layer(let m): m
            case .resBlock(let m): m
            case .transformer(let m): m
            }
        }
    }

    public private(set) var items: [Child] = []

    public init(_ items: [Child]) {
        super.init()
        for child in items {
            registerModule(String(self.items.count), child.module)
            self.items.append(child)
        }
    }

    public func callAsFunction(_ x: Tensor, emb: Tensor, context: Tensor?) throws -> Tensor {
        try scoped { try forward(x, emb: emb, context: context) }
    }

    public func forward(_ x: Tensor, emb: Tensor, context: Tensor?) throws -> Tensor {
        var h = x
        for child in items {
            switch child {
            case .layer(let layer): h = try layer(h)
            case .resBlock(let block): h = try block(h, emb: emb)
            case .transformer(let transformer): h = try transformer(h, context: context)
            }
        }
        return h
    }
}
