import Foundation
import MindImage
import MindTensor

extension ImageSet {
    /// File name endings read as images (case-insensitive); other files in the folder are ignored.
    public static let imageExtensions = ["png", "jpg", "jpeg"]

    /// The PNG and JPEG files of a folder, sorted by name, as RGB images of `size`×`size`: each is cropped to
    /// its centred square and resized (area averaging when shrinking, bilinear when enlarging); gray images
    /// are replicated to RGB and alpha is composited over white.
    public init(folder: URL, size: Int) throws {
        let context = "image folder"
        guard size > 0 else { throw TensorError("\(context): size must be positive, got \(size)") }
        let names = try DatasetFiles.list(folder, context: context).filter { ImageSet.imageExtensions.contains(($0 as NSString).pathExtension.lowercased()) }
        guard !names.isEmpty else { throw TensorError("\(context): \(folder.path) holds no .png, .jpg or .jpeg files") }
        var pixels: [UInt8] = []
        pixels.reserveCapacity(names.count * size * size * 3)
        for name in names {
            let path = folder.appendingPathComponent(name).path
            do {
                pixels += try ImageSet.squareRGB(ImageFile.read(path: path), size: size).pixels
            } catch let error as ImageError {
                throw TensorError("\(context): \(error)")
            }
        }
        try self.init(count: names.count, height: size, width: size, channels: 3, pixels: pixels)
    }

    /// The centred square of `image` in RGB, resized to `size`.
    static func squareRGB(_ image: Image, size: Int) throws -> Image {
        let rgb = image.rgb()
        let side = Swift.min(rgb.width, rgb.height)
        var square = rgb
        if rgb.width != rgb.height {
            let cropped = try ImageResize.crop(rgb.floatHWC(), channels: 3, height: rgb.height, width: rgb.width, layout: .hwc,
                                               top: (rgb.height - side) / 2, left: (rgb.width - side) / 2, cropHeight: side, cropWidth: side)
            square = try Image(floatHWC: cropped, width: side, height: side, channels: 3)
        }
        if side == size { return square }
        return side > size ? try square.resizedArea(width: size, height: size) : try square.resizedBilinear(width: size, height: size)
    }

    /// The images as an RGB batch [N, 3, size, size] in [−1, 1], the first stage's input; resized (as in
    /// `init(folder:size:)`) when they are not already `size`×`size`.
    public func modelInput(size: Int) throws -> Tensor {
        guard size > 0 else { throw TensorError("images: size must be positive, got \(size)") }
        // The tensor first: its allocation fails with an error where an array of this size would trap.
        let out = try Tensor.empty([count, 3, size, size]), plane = 3 * size * size
        do {
            for i in 0..<count {
                let bytes = Array(pixels[(i * imageBytes)..<((i + 1) * imageBytes)])
                let image = try ImageSet.squareRGB(Image(width: width, height: height, channels: channels, pixels: bytes), size: size)
                for (k, v) in image.floatCHW().enumerated() { out.data[i * plane + k] = v * 2 - 1 }
            }
        } catch let error as ImageError {
            throw TensorError("images: \(error)")
        }
        return out
    }
}
