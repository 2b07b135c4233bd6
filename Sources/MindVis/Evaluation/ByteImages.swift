import MindImage
import MindTensor

/// Images [N, C, H, W] in [0, 1] as the reference scores them: bytes (round(255·x), the values the uint8
/// arrays hold) with the channel last. The reference truncates (`(255·x).astype(uint8)`); rounding keeps
/// byte images unchanged through a float round trip, and moves no value by more than one grey level, but the
/// quirk-compatible scores (`truncating`) must truncate: with wrapping uint8 differences one grey level changes a
/// pixel's squared error completely. NaN (a diverged model's pixels) becomes 0, as in saved images.
struct ByteImages {
    let count: Int, height: Int, width: Int, channels: Int
    /// count × (height · width · channels), HWC per image.
    let bytes: [UInt8]

    var size: Int { height * width * channels }
    var floats: [Float] { bytes.map(Float.init) }

    init(_ images: Tensor, truncating: Bool = false) throws {
        (count, channels, height, width) = (images.shape[0], images.shape[1], images.shape[2], images.shape[3])
        let values = try images.permute([0, 2, 3, 1]).contiguous().toArray()
        // Truncation with a thousandth of a grey level to spare, so that images that were bytes (b / 255 in float,
        // a few ulps below b once multiplied back) stay those bytes.
        bytes = truncating ? values.map { $0 > 0 ? UInt8(Swift.min($0 * 255 + 1e-3, 255)) : 0 } : values.map(Image.quantize)
    }

    /// The bytes as floats [N, C, H, W] (SSIM's layout; per-channel SSIM averaged is the same either way).
    func tensor() throws -> Tensor {
        try Tensor(floats, shape: [count, height, width, channels]).permute([0, 3, 1, 2]).contiguous()
    }
}
