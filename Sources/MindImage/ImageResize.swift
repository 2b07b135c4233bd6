import MindTensor

/// Memory layout of a float image buffer.
public enum PixelLayout: Sendable {
    /// Row-major rows of interleaved channels (NumPy/PIL images).
    case hwc
    /// Channel planes (PyTorch tensors).
    case chw

    /// Element strides (channel, row, column) of an image of the given shape.
    func strides(channels: Int, height: Int, width: Int) -> (c: Int, y: Int, x: Int) {
        switch self {
        case .hwc: return (1, width * channels, channels)
        case .chw: return (height * width, width, 1)
        }
    }
}

/// Resampling of float images.
public enum ImageResize {
    /// Bilinear resize with the semantics of PyTorch's
    /// `F.interpolate(mode="bilinear", align_corners=False, antialias=False)` (what torchvision 0.13's
    /// `Resize` does on tensors): output pixel i samples the input at `(i + 0.5) * in/out - 0.5`, negative
    /// positions clamp to 0, and the right/bottom neighbour clamps to the last pixel. No low-pass
    /// filtering is applied when shrinking.
    public static func bilinear(_ input: [Float], channels: Int, height: Int, width: Int, layout: PixelLayout,
                                outHeight: Int, outWidth: Int) throws -> [Float] {
        try checkShape(input.count, channels: channels, height: height, width: width, operation: "resize")
        let outCount = try allocatableCount(channels: channels, height: outHeight, width: outWidth, operation: "resize output")
        let rows = taps(input: height, output: outHeight)
        let cols = taps(input: width, output: outWidth)
        let si = layout.strides(channels: channels, height: height, width: width)
        let so = layout.strides(channels: channels, height: outHeight, width: outWidth)
        var out = [Float](repeating: 0, count: outCount)
        input.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for c in 0..<channels {
                    for oy in 0..<outHeight {
                        let r = rows[oy]
                        let row0 = c * si.c + r.i0 * si.y
                        let row1 = c * si.c + r.i1 * si.y
                        let orow = c * so.c + oy * so.y
                        for ox in 0..<outWidth {
                            let q = cols[ox]
                            let top = src[row0 + q.i0 * si.x] * q.w0 + src[row0 + q.i1 * si.x] * q.w1
                            let bottom = src[row1 + q.i0 * si.x] * q.w0 + src[row1 + q.i1 * si.x] * q.w1
                            dst[orow + ox * so.x] = top * r.w0 + bottom * r.w1
                        }
                    }
                }
            }
        }
        return out
    }

    /// Two input indices and their weights for one output coordinate.
    struct Tap {
        var i0: Int
        var i1: Int
        var w0: Float
        var w1: Float
    }

    /// PyTorch's `area_pixel_compute_source_index` (linear mode) and neighbour/weight computation, in
    /// single precision as PyTorch computes them for float tensors.
    static func taps(input: Int, output: Int) -> [Tap] {
        let scale = Float(input) / Float(output)
        return (0..<output).map { i in
            let source = max(scale * (Float(i) + 0.5) - 0.5, 0)
            let i0 = min(Int(source), input - 1)
            let i1 = i0 < input - 1 ? i0 + 1 : i0
            let w1 = source - Float(i0)
            return Tap(i0: i0, i1: i1, w0: 1 - w1, w1: w1)
        }
    }

    /// Area (box) resampling with PyTorch's `mode="area"` / `adaptive_avg_pool2d` semantics: output cell i
    /// averages input indices floor(i·in/out) ..< ceil((i+1)·in/out). Exact block means for integer factors.
    public static func area(_ input: [Float], channels: Int, height: Int, width: Int, layout: PixelLayout,
                            outHeight: Int, outWidth: Int) throws -> [Float] {
        try checkShape(input.count, channels: channels, height: height, width: width, operation: "area resize")
        let outCount = try allocatableCount(channels: channels, height: outHeight, width: outWidth, operation: "area resize output")
        let si = layout.strides(channels: channels, height: height, width: width)
        let so = layout.strides(channels: channels, height: outHeight, width: outWidth)
        func bounds(_ i: Int, _ n: Int, _ m: Int) -> (Int, Int) {
            (i * n / m, ((i + 1) * n + m - 1) / m)
        }
        var out = [Float](repeating: 0, count: outCount)
        input.withUnsafeBufferPointer { src in
            for c in 0..<channels {
                for oy in 0..<outHeight {
                    let (y0, y1) = bounds(oy, height, outHeight)
                    for ox in 0..<outWidth {
                        let (x0, x1) = bounds(ox, width, outWidth)
                        var sum: Float = 0
                        for y in y0..<y1 {
                            for x in x0..<x1 { sum += src[c * si.c + y * si.y + x * si.x] }
                        }
                        out[c * so.c + oy * so.y + ox * so.x] = sum / Float((y1 - y0) * (x1 - x0))
                    }
                }
            }
        }
        return out
    }

    /// The sub-image rows top..<top+cropHeight, columns left..<left+cropWidth, in the same layout.
    public static func crop(_ input: [Float], channels: Int, height: Int, width: Int, layout: PixelLayout,
                            top: Int, left: Int, cropHeight: Int, cropWidth: Int) throws -> [Float] {
        try checkShape(input.count, channels: channels, height: height, width: width, operation: "crop")
        guard cropHeight > 0, cropWidth > 0, top >= 0, left >= 0,
              top <= height - cropHeight, left <= width - cropWidth else {
            throw ImageError("crop: window \(cropHeight)x\(cropWidth) at (top \(top), left \(left)) does not fit in a \(height)x\(width) image")
        }
        let si = layout.strides(channels: channels, height: height, width: width)
        let so = layout.strides(channels: channels, height: cropHeight, width: cropWidth)
        var out = [Float](repeating: 0, count: channels * cropHeight * cropWidth)
        for c in 0..<channels {
            for y in 0..<cropHeight {
                for x in 0..<cropWidth {
                    out[c * so.c + y * so.y + x * so.x] = input[c * si.c + (y + top) * si.y + (x + left) * si.x]
                }
            }
        }
        return out
    }

    static func checkedCount(channels: Int, height: Int, width: Int, operation: String) throws -> Int {
        guard channels > 0, height > 0, width > 0 else {
            throw ImageError("\(operation): channels, height and width must be positive, got \(channels)x\(height)x\(width)")
        }
        let (a, o1) = channels.multipliedReportingOverflow(by: height)
        let (n, o2) = a.multipliedReportingOverflow(by: width)
        guard !o1, !o2 else { throw ImageError("\(operation): \(channels)x\(height)x\(width) overflows") }
        return n
    }

    /// `checkedCount` for an image about to be allocated: also an error when its floats cannot be had.
    static func allocatableCount(channels: Int, height: Int, width: Int, operation: String) throws -> Int {
        let n = try checkedCount(channels: channels, height: height, width: width, operation: operation)
        let (bytes, overflow) = n.multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
        guard !overflow else { throw ImageError("\(operation): \(channels)x\(height)x\(width) overflows") }
        do {
            try MemoryCheck.ensureAvailable(bytes: bytes, for: "a \(channels)x\(height)x\(width) image")
        } catch {
            throw ImageError("\(operation): \(error)")
        }
        return n
    }

    static func checkShape(_ count: Int, channels: Int, height: Int, width: Int, operation: String) throws {
        let n = try checkedCount(channels: channels, height: height, width: width, operation: operation)
        guard n == count else {
            throw ImageError("\(operation): a \(channels)x\(height)x\(width) image needs \(n) values, got \(count)")
        }
    }
}

extension Image {
    /// Bilinear resize (PyTorch semantics, see `ImageResize.bilinear`) of the 8-bit image, rounding back to bytes.
    public func resizedBilinear(width outWidth: Int, height outHeight: Int) throws -> Image {
        let resized = try ImageResize.bilinear(floatHWC(), channels: channels, height: height, width: width, layout: .hwc,
                                               outHeight: outHeight, outWidth: outWidth)
        return try Image(floatHWC: resized, width: outWidth, height: outHeight, channels: channels)
    }

    /// Area (box) resize, see `ImageResize.area`.
    public func resizedArea(width outWidth: Int, height outHeight: Int) throws -> Image {
        let resized = try ImageResize.area(floatHWC(), channels: channels, height: height, width: width, layout: .hwc,
                                           outHeight: outHeight, outWidth: outWidth)
        return try Image(floatHWC: resized, width: outWidth, height: outHeight, channels: channels)
    }
}
