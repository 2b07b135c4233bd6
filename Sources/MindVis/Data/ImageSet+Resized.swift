import MindImage
import MindTensor

extension ImageSet {
    /// Images `indices` as floats in [0, 1], [n, C, size, size] (CHW, what the models take), resized with PyTorch's
    /// bilinear semantics when they are not `size`×`size` (the reference's `Resize((256, 256))`).
    public func chwImages(_ indices: [Int], size: Int) throws -> Tensor {
        var values: [Float] = []
        values.reserveCapacity(indices.count * channels * size * size)
        for i in indices {
            let chw = try floatImage(i).permute([2, 0, 1]).contiguous().toArray()
            values += height == size && width == size ? chw
                : try ImageResize.bilinear(chw, channels: channels, height: height, width: width, layout: .chw, outHeight: size, outWidth: size)
        }
        return try Tensor(values, shape: [indices.count, channels, size, size])
    }
}
