import MindTensor

/// The `mid` stage of encoder and decoder at the lowest resolution: ResnetBlock, AttnBlock (always, whatever
/// `attn_resolutions` says), ResnetBlock.
public final class MiddleBlock: Module, Layer {
    public let block1: ResnetBlock, attn1: AttnBlock, block2: ResnetBlock

    init(channels: Int, dropout: Double, generator: Generator) throws {
        block1 = try ResnetBlock(inChannels: channels, outChannels: channels, dropout: dropout, generator: generator)
        attn1 = try AttnBlock(channels: channels, generator: generator)
        block2 = try ResnetBlock(inChannels: channels, outChannels: channels, dropout: dropout, generator: generator)
        super.init()
        registerModule("block_1", block1)
        registerModule("attn_1", attn1)
        registerModule("block_2", block2)
    }

    public func forward(_ x: Tensor) throws -> Tensor {
        try block2(attn1(block1(x)))
    }
}
