/// An 8-bit image: `height` rows of `width` pixels, each pixel `channels` bytes (1 = gray, 3 = RGB,
/// 4 = RGBA), stored row-major HWC in `pixels`.
public struct Image: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    public var pixels: [UInt8]

    public static let supportedChannels = [1, 3, 4]

    /// Validates the shape against the pixel count.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws {
        let count = try Image.byteCount(width: width, height: height, channels: channels, operation: "Image")
        guard pixels.count == count else {
            throw ImageError("Image: \(width)x\(height)x\(channels) needs \(count) bytes, got \(pixels.count)")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// An image filled with one value per channel (`fill.count == channels`).
    public init(width: Int, height: Int, channels: Int, fill: [UInt8]) throws {
        let count = try Image.byteCount(width: width, height: height, channels: channels, operation: "Image")
        guard fill.count == channels else {
            throw ImageError("Image: fill needs \(channels) values (one per channel), got \(fill.count)")
        }
        var pixels = [UInt8](repeating: 0, count: count)
        for i in 0..<count { pixels[i] = fill[i % channels] }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// Checked `width * height * channels` for sizes that come from user input or file headers.
    static func byteCount(width: Int, height: Int, channels: Int, operation: String) throws -> Int {
        guard supportedChannels.contains(channels) else {
            throw ImageError("\(operation): channels must be 1, 3 or 4, got \(channels)")
        }
        guard width > 0, height > 0 else {
            throw ImageError("\(operation): width and height must be positive, got \(width)x\(height)")
        }
        let (area, overflowA) = width.multipliedReportingOverflow(by: height)
        let (count, overflowB) = area.multipliedReportingOverflow(by: channels)
        guard !overflowA, !overflowB else {
            throw ImageError("\(operation): \(width)x\(height)x\(channels) overflows the addressable size")
        }
        return count
    }

    /// The byte for pixel (x, y), channel c. Indices are checked by the array.
    public func value(x: Int, y: Int, channel c: Int) -> UInt8 {
        pixels[(y * width + x) * channels + c]
    }

    // MARK: float conversions

    /// Pixels as floats in [0, 1], HWC order (the same order as `pixels`).
    public func floatHWC() -> [Float] {
        pixels.map { Float($0) * (1 / 255) }
    }

    /// Pixels as floats in [0, 1], CHW order (channel planes), as PyTorch's `ToTensor` produces.
    public func floatCHW() -> [Float] {
        let plane = width * height
        var out = [Float](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for p in 0..<plane {
                    for c in 0..<channels {
                        dst[c * plane + p] = Float(src[p * channels + c]) * (1 / 255)
                    }
                }
            }
        }
        return out
    }

    /// Builds an image from floats in [0, 1] in HWC order; values are clamped and rounded to the
    /// nearest byte (NaN becomes 0).
    public init(floatHWC values: [Float], width: Int, height: Int, channels: Int) throws {
        let count = try Image.byteCount(width: width, height: height, channels: channels, operation: "Image(floatHWC:)")
        guard values.count == count else {
            throw ImageError("Image(floatHWC:): \(width)x\(height)x\(channels) needs \(count) values, got \(values.count)")
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = values.map(Image.quantize)
    }

    /// Builds an image from floats in [0, 1] in CHW order (clamped, rounded).
    public init(floatCHW values: [Float], width: Int, height: Int, channels: Int) throws {
        let count = try Image.byteCount(width: width, height: height, channels: channels, operation: "Image(floatCHW:)")
        guard values.count == count else {
            throw ImageError("Image(floatCHW:): \(width)x\(height)x\(channels) needs \(count) values, got \(values.count)")
        }
        let plane = width * height
        var pixels = [UInt8](repeating: 0, count: count)
        for c in 0..<channels {
            for p in 0..<plane {
                pixels[p * channels + c] = Image.quantize(values[c * plane + p])
            }
        }
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// A float in [0, 1] as a byte: clamped (NaN gives 0), scaled by 255 and rounded.
    @inlinable
    public static func quantize(_ v: Float) -> UInt8 {
        guard v > 0 else { return 0 }  // also catches NaN
        guard v < 1 else { return 255 }
        return UInt8((v * 255).rounded())
    }

    // MARK: channel conversion

    /// The same image with 3 channels: gray is replicated, alpha is composited over `background`.
    public func rgb(background: RGBColor = .white) -> Image {
        if channels == 3 { return self }
        let plane = width * height
        var out = [UInt8](repeating: 0, count: plane * 3)
        let (br, bg, bb) = background.components
        for p in 0..<plane {
            switch channels {
            case 1:
                let v = pixels[p]
                out[3 * p] = v
                out[3 * p + 1] = v
                out[3 * p + 2] = v
            default:
                let a = Float(pixels[4 * p + 3]) / 255
                out[3 * p] = UInt8((Float(pixels[4 * p]) * a + br * (1 - a)).rounded())
                out[3 * p + 1] = UInt8((Float(pixels[4 * p + 1]) * a + bg * (1 - a)).rounded())
                out[3 * p + 2] = UInt8((Float(pixels[4 * p + 2]) * a + bb * (1 - a)).rounded())
            }
        }
        return Image(width: width, height: height, channels: 3, validatedPixels: out)
    }

    /// For callers that computed `pixels` from an already validated shape.
    init(width: Int, height: Int, channels: Int, validatedPixels: [UInt8]) {
        precondition(validatedPixels.count == width * height * channels, "Image: internal shape mismatch")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = validatedPixels
    }
}
