import MindTensor

/// The stage-B image augmentation of the reference (REFERENCE.md §4.9): with probability `probability` take
/// a random `cropSize`² window (torchvision `RandomCrop`, offsets uniform over all positions), then always
/// resize back to `size`² with PyTorch bilinear semantics. With the defaults (size 256) the crop is
/// 205 = 256 − int(0.2·256). Test images use `apply` with `Decision.identity`.
public struct RandomCropResize: Sendable {
    public let size: Int
    public let cropSize: Int
    public let probability: Float

    /// Whether to crop, and where (top-left corner of the window in the input image).
    public struct Decision: Equatable, Sendable {
        public var crop: Bool
        public var top: Int
        public var left: Int

        public init(crop: Bool, top: Int, left: Int) {
            self.crop = crop
            self.top = top
            self.left = left
        }

        public static let identity = Decision(crop: false, top: 0, left: 0)
    }

    public init(size: Int = 256, cropFraction: Double = 0.2, probability: Float = 0.5) throws {
        guard size > 0 else { throw ImageError("RandomCropResize: size must be positive, got \(size)") }
        guard cropFraction >= 0, cropFraction < 1 else {
            throw ImageError("RandomCropResize: cropFraction must be in [0, 1), got \(cropFraction)")
        }
        guard probability >= 0, probability <= 1 else {
            throw ImageError("RandomCropResize: probability must be in [0, 1], got \(probability)")
        }
        self.size = size
        self.cropSize = size - Int(cropFraction * Double(size))
        self.probability = probability
    }

    /// Draws the decision for one image of the given size: first the coin (as torchvision's
    /// `RandomApply`), then the window offsets.
    public func draw(height: Int, width: Int, rng: inout Xoshiro256StarStar) throws -> Decision {
        guard height >= cropSize, width >= cropSize else {
            throw ImageError("RandomCropResize: a \(cropSize)x\(cropSize) crop does not fit in a \(height)x\(width) image")
        }
        guard rng.nextFloat() < probability else { return .identity }
        let top = rng.nextInt(below: height - cropSize + 1)
        let left = rng.nextInt(below: width - cropSize + 1)
        return Decision(crop: true, top: top, left: left)
    }

    /// Applies a decision to a float image and resizes the result to `size`×`size`.
    public func apply(_ input: [Float], channels: Int, height: Int, width: Int, layout: PixelLayout,
                      decision: Decision) throws -> [Float] {
        var source = input
        var h = height
        var w = width
        if decision.crop {
            source = try ImageResize.crop(input, channels: channels, height: height, width: width, layout: layout,
                                          top: decision.top, left: decision.left, cropHeight: cropSize, cropWidth: cropSize)
            h = cropSize
            w = cropSize
        }
        return try ImageResize.bilinear(source, channels: channels, height: h, width: w, layout: layout,
                                        outHeight: size, outWidth: size)
    }
}
