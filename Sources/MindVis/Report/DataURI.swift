import Foundation
import MindImage
import MindTensor

/// Figures embedded in the report: the image's bytes as a base64 `data:` URI (the report makes no request of
/// its own), with its pixel size for the `width` and `height` attributes.
struct DataURI {
    let uri: String
    let width: Int
    let height: Int

    /// A PNG or JPEG file, checked by decoding it (so the browser will decode it too).
    init(file url: URL, context: String) throws {
        let path = url.path
        do {
            let bytes = try FileBytes.read(path: path, operation: "read")
            let type = PNG.hasSignature(bytes) ? "image/png" : JPEG.hasSignature(bytes) ? "image/jpeg" : nil
            guard let type else { throw TensorError("\(context): \(path) is neither a PNG nor a JPEG file") }
            let image = type == "image/png" ? try PNG.decode(bytes, name: path) : try JPEG.decode(bytes, name: path)
            (uri, width, height) = ("data:\(type);base64," + Data(bytes).base64EncodedString(), image.width, image.height)
        } catch let error as ImageError {
            throw TensorError("\(context): \(error)")
        }
    }

    /// An image in memory, encoded as PNG.
    init(image: Image, context: String) throws {
        do {
            (uri, width, height) = ("data:image/png;base64," + Data(try PNG.encode(image)).base64EncodedString(), image.width, image.height)
        } catch let error as ImageError {
            throw TensorError("\(context): \(error)")
        }
    }
}
