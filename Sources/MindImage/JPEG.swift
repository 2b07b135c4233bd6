import CImageShim

/// JPEG decoding (grayscale → 1 channel, YCbCr/RGB → 3 channels) through libjpeg-turbo. libjpeg's fatal
/// errors are caught by a setjmp inside the C helper `mindimage_jpeg_decode`, so no longjmp crosses Swift.
/// A truncated file is an error (libjpeg itself would pad it with gray); other recoverable corruption
/// warnings are tolerated, as most decoders do. CMYK/YCCK files are refused.
public enum JPEG {
    public static let defaultMaxPixels = 1 << 26

    /// True when `bytes` start with the JPEG SOI marker followed by another marker.
    public static func hasSignature(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF
    }

    public static func read(path: String, maxPixels: Int = defaultMaxPixels) throws -> Image {
        try decode(FileBytes.read(path: path, operation: "jpeg"), name: path, maxPixels: maxPixels)
    }

    public static func decode(_ bytes: [UInt8], name: String = "<memory>", maxPixels: Int = defaultMaxPixels) throws -> Image {
        guard hasSignature(bytes) else {
            throw ImageError("jpeg: \(name): not a JPEG file (expected the bytes FF D8 FF at the start)")
        }
        var pixels: UnsafeMutablePointer<UInt8>? = nil
        var width: Int32 = 0
        var height: Int32 = 0
        var channels: Int32 = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = bytes.withUnsafeBufferPointer { data in
            message.withUnsafeMutableBufferPointer { text in
                mindimage_jpeg_decode(data.baseAddress, data.count, max(maxPixels, 0),
                                      &pixels, &width, &height, &channels, text.baseAddress, text.count)
            }
        }
        defer { mindimage_free(pixels) }
        guard status == 0, let pixels else {
            let reason = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            throw ImageError("jpeg: \(name): cannot decode: \(reason)")
        }
        let count = Int(width) * Int(height) * Int(channels)
        let buffer = Array(UnsafeBufferPointer(start: pixels, count: count))
        return Image(width: Int(width), height: Int(height), channels: Int(channels), validatedPixels: buffer)
    }
}
