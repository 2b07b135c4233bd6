/// Reads PNG or JPEG files, choosing the decoder from the file's signature (not its extension).
public enum ImageFile {
    public static func read(path: String, maxPixels: Int = PNG.defaultMaxPixels) throws -> Image {
        let bytes = try FileBytes.read(path: path, operation: "image")
        if PNG.hasSignature(bytes) { return try PNG.decode(bytes, name: path, maxPixels: maxPixels) }
        if JPEG.hasSignature(bytes) { return try JPEG.decode(bytes, name: path, maxPixels: maxPixels) }
        let head = bytes.prefix(8).map { String($0, radix: 16, uppercase: true) }.joined(separator: " ")
        throw ImageError("image: \(path): not a PNG or JPEG file (first bytes: \(head.isEmpty ? "none, the file is empty" : head))")
    }
}
