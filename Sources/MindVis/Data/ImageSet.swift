import MindIO
import MindTensor

/// Stimulus images as the datasets store them: 8-bit, [count, height, width, channels] (HWC, the
/// reference's layout), shared by every fMRI row that shows them.
public struct ImageSet {
    public let count: Int, height: Int, width: Int, channels: Int
    public let pixels: [UInt8]

    public init(count: Int, height: Int, width: Int, channels: Int, pixels: [UInt8]) throws {
        guard count >= 0, height > 0, width > 0, channels > 0, pixels.count == count * height * width * channels else {
            throw TensorError("images: \(pixels.count) bytes do not make \(count) images of \(height)x\(width)x\(channels)")
        }
        (self.count, self.height, self.width, self.channels, self.pixels) = (count, height, width, channels, pixels)
    }

    /// From a uint8 [N, H, W, C] array (e.g. `images_256.npz`'s `train_images`).
    public init(array: NDArray, name: String) throws {
        guard array.dtype == .uint8, array.shape.count == 4 else {
            throw TensorError("images: \(name) must be a uint8 [count, height, width, channels] array, got \(array.dtype.rawValue) \(Shape.describe(array.shape))")
        }
        try self.init(count: array.shape[0], height: array.shape[1], width: array.shape[2], channels: array.shape[3], pixels: array.bytes)
    }

    var imageBytes: Int { height * width * channels }

    /// Image `i` as floats in [0, 1], [H, W, C].
    public func floatImage(_ i: Int) throws -> Tensor {
        guard i >= 0 && i < count else { throw TensorError("images: index \(i) is out of range for \(count) images") }
        let start = i * imageBytes
        return try Tensor(pixels[start..<(start + imageBytes)].map { Float($0) / 255 }, shape: [height, width, channels])
    }

    /// The images at `indices`, in that order.
    public func subset(_ indices: [Int]) throws -> ImageSet {
        var out: [UInt8] = []
        out.reserveCapacity(indices.count * imageBytes)
        for i in indices {
            guard i >= 0 && i < count else { throw TensorError("images: index \(i) is out of range for \(count) images") }
            out.append(contentsOf: pixels[(i * imageBytes)..<((i + 1) * imageBytes)])
        }
        return try ImageSet(count: indices.count, height: height, width: width, channels: channels, pixels: out)
    }

    /// The uint8 array form, for writing back to .npz.
    public var array: NDArray {
        get throws { try NDArray(uint8s: pixels, shape: [count, height, width, channels]) }
    }
}
