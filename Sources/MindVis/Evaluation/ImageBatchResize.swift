import MindImage
import MindTensor

extension Tensor {
    /// Images [N, 3, H, W] resized (bilinear) to [N, 3, side, side]; the same tensor when already that size. For
    /// models that take one image size (a judge, a first stage) scoring images of another.
    func resizedImages(to side: Int) throws -> Tensor {
        let (n, h, w) = (shape[0], shape[2], shape[3])
        guard h != side || w != side else { return self }
        let values = try contiguous().toArray(), plane = 3 * h * w
        var out: [Float] = []
        out.reserveCapacity(n * 3 * side * side)
        for i in 0..<n {
            out += try ImageResize.bilinear(Array(values[(i * plane)..<((i + 1) * plane)]), channels: 3, height: h, width: w,
                                            layout: .chw, outHeight: side, outWidth: side)
        }
        return try Tensor(out, shape: [n, 3, side, side])
    }
}
