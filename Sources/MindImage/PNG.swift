import CPNG

/// PNG decoding and encoding through libpng's simplified API, which reports errors through return codes
/// (the classic API longjmps, which must never cross Swift frames).
///
/// Reading expands every PNG flavour to 8 bits per channel: gray → 1 channel, RGB and palette without
/// transparency → 3, anything with alpha (gray+alpha, RGBA, palette with tRNS) → RGBA. 16-bit samples are
/// rescaled to 8 bits; a 16-bit file without gamma information is taken as sRGB-encoded (as PIL and numpy
/// users expect) rather than linear. A file carrying a gAMA chunk far from sRGB is converted to sRGB by libpng.
public enum PNG {
    /// Images larger than this (width × height) are refused before pixel memory is allocated.
    public static let defaultMaxPixels = 1 << 26

    private static let formatFlagColor = png_uint_32(PNG_FORMAT_FLAG_COLOR)
    private static let formatFlagAlpha = png_uint_32(PNG_FORMAT_FLAG_ALPHA)

    /// True when `bytes` start with the PNG signature.
    public static func hasSignature(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 8 && bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    public static func read(path: String, maxPixels: Int = defaultMaxPixels) throws -> Image {
        try decode(FileBytes.read(path: path, operation: "png"), name: path, maxPixels: maxPixels)
    }

    /// Decodes a PNG held in memory; `name` is used in error messages.
    public static func decode(_ bytes: [UInt8], name: String = "<memory>", maxPixels: Int = defaultMaxPixels) throws -> Image {
        guard hasSignature(bytes) else {
            throw ImageError("png: \(name): not a PNG file (the first 8 bytes are not the PNG signature)")
        }
        try checkChunkLengths(bytes, name: name)
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        let begun = bytes.withUnsafeBytes { png_image_begin_read_from_memory(&image, $0.baseAddress, $0.count) }
        guard begun != 0 else {
            throw ImageError("png: \(name): cannot read the header: \(libpngMessage(image))")
        }
        defer { png_image_free(&image) }

        let width = Int(image.width)
        let height = Int(image.height)
        let hasColor = image.format & formatFlagColor != 0
        let hasAlpha = image.format & formatFlagAlpha != 0
        let channels = hasAlpha ? 4 : (hasColor ? 3 : 1)
        image.format = channels == 1 ? 0 : (channels == 3 ? formatFlagColor : formatFlagColor | formatFlagAlpha)
        image.flags |= png_uint_32(PNG_IMAGE_FLAG_16BIT_sRGB)

        let (area, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, area <= maxPixels else {
            throw ImageError("png: \(name): image of \(width) x \(height) pixels exceeds the limit of \(maxPixels) pixels")
        }
        let count = try Image.byteCount(width: width, height: height, channels: channels, operation: "png: \(name)")
        var pixels = [UInt8](repeating: 0, count: count)
        let finished = pixels.withUnsafeMutableBytes {
            png_image_finish_read(&image, nil, $0.baseAddress, png_int_32(width * channels), nil)
        }
        guard finished != 0 else {
            throw ImageError("png: \(name): corrupt or truncated image data: \(libpngMessage(image))")
        }
        return Image(width: width, height: height, channels: channels, validatedPixels: pixels)
    }

    /// Refuses a chunk that declares more bytes than the file has left: libpng allocates a chunk's buffer from its
    /// declared length before reading it (2 GB for an 82-byte file whose tEXt chunk says 2^31 − 1).
    static func checkChunkLengths(_ bytes: [UInt8], name: String) throws {
        var offset = 8
        while offset + 8 <= bytes.count {
            let length = bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | Int($1) }
            let type = String(decoding: bytes[(offset + 4)..<(offset + 8)].map { (32...126).contains($0) ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
            guard length <= bytes.count - offset - 12 else {
                throw ImageError("png: \(name): chunk '\(type)' at byte \(offset) declares \(length) bytes, but the file has \(Swift.max(bytes.count - offset - 12, 0)) left")
            }
            if type == "IEND" { return }
            offset += 12 + length
        }
    }

    /// Encodes an 8-bit gray, RGB or RGBA image.
    public static func encode(_ source: Image) throws -> [UInt8] {
        guard source.width <= Int(Int32.max) / max(source.channels, 1), source.height <= Int(Int32.max) else {
            throw ImageError("png: encode: image of \(source.width) x \(source.height) is too large for PNG")
        }
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(source.width)
        image.height = png_uint_32(source.height)
        switch source.channels {
        case 1: image.format = 0
        case 3: image.format = formatFlagColor
        default: image.format = formatFlagColor | formatFlagAlpha
        }
        // Deflate's worst case is a little above the raw size; retry once with the size libpng reports.
        let raw = (source.width * source.channels + 1) * source.height
        var capacity = raw + raw / 8 + raw / 64 + 4096
        for _ in 0..<2 {
            var out = [UInt8](repeating: 0, count: capacity)
            var size = png_alloc_size_t(capacity)
            let ok = out.withUnsafeMutableBytes { dst in
                source.pixels.withUnsafeBytes { src in
                    png_image_write_to_memory(&image, dst.baseAddress, &size, 0, src.baseAddress, 0, nil)
                }
            }
            if ok != 0 {
                out.removeSubrange(Int(size)...)
                return out
            }
            guard Int(size) > capacity else {
                let message = libpngMessage(image)
                png_image_free(&image)
                throw ImageError("png: encode failed: \(message)")
            }
            capacity = Int(size)
            png_image_free(&image)
            image.opaque = nil
        }
        throw ImageError("png: encode failed: the output buffer size reported by libpng kept growing")
    }

    /// Encodes and writes atomically (temporary file in the same directory, then rename).
    public static func write(_ image: Image, to path: String) throws {
        let bytes: [UInt8]
        do {
            bytes = try encode(image)
        } catch let error as ImageError {
            throw ImageError("\(error.message) (writing \(path))")
        }
        try FileBytes.writeAtomically(bytes, to: path, operation: "png")
    }

    private static func libpngMessage(_ image: png_image) -> String {
        withUnsafeBytes(of: image.message) { raw in
            let bytes = raw.prefix { $0 != 0 }
            let text = String(decoding: bytes, as: UTF8.self)
            return text.isEmpty ? "libpng gave no reason" : text
        }
    }
}
