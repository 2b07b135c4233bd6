import CKernels

/// Padding of a 2-D convolution: symmetric like PyTorch's `padding=`, or explicit per side (the
/// VQ encoder's downsampling pads only right and bottom).
public struct Padding2D: Equatable {
    public var top, bottom, left, right: Int

    public init(top: Int, bottom: Int, left: Int, right: Int) {
        (self.top, self.bottom, self.left, self.right) = (top, bottom, left, right)
    }

    public init(_ p: Int) { self.init(top: p, bottom: p, left: p, right: p) }
    public init(_ h: Int, _ w: Int) { self.init(top: h, bottom: h, left: w, right: w) }
}

extension Tensor {
    /// 2-D convolution (cross-correlation) of [N, C, H, W] input with [O, C, kh, kw] weights: GEMMs on cache-sized
    /// tiles of the batch's im2col columns, split over the cores (see `ConvolutionPlan`).
    public func conv2d(weight: Tensor, bias: Tensor?, stride: (Int, Int) = (1, 1), padding: Padding2D = Padding2D(0)) throws -> Tensor {
        let op = "conv2d"
        guard rank == 4 else { throw TensorError("\(op): expects input [N, C, H, W], got \(Shape.describe(shape))") }
        guard weight.rank == 4 else { throw TensorError("\(op): expects weight [O, C, kh, kw], got \(Shape.describe(weight.shape))") }
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
        guard weight.shape[1] == c else {
            throw TensorError("\(op): weight \(Shape.describe(weight.shape)) expects \(weight.shape[1]) input channels, input \(Shape.describe(shape)) has \(c)")
        }
        guard c > 0 else { throw TensorError("\(op): input \(Shape.describe(shape)) has no channels") }
        guard stride.0 > 0, stride.1 > 0 else { throw TensorError("\(op): stride must be positive, got (\(stride.0), \(stride.1))") }
        guard [padding.top, padding.bottom, padding.left, padding.right].allSatisfy({ $0 >= 0 }) else {
            throw TensorError("\(op): padding must be non-negative")
        }
        let ph = h + padding.top + padding.bottom, pw = w + padding.left + padding.right
        guard kh > 0, kw > 0 else { throw TensorError("\(op): kernel \(kh)x\(kw) is empty (weight \(Shape.describe(weight.shape)))") }
        guard ph >= kh, pw >= kw else {
            throw TensorError("\(op): kernel \(kh)x\(kw) is larger than the padded input \(ph)x\(pw)")
        }
        if let bias, bias.shape != [o] {
            throw TensorError("\(op): bias \(Shape.describe(bias.shape)) does not match \(o) output channels")
        }
        let oh = (ph - kh) / stride.0 + 1, ow = (pw - kw) / stride.1 + 1
        let plan = try ConvolutionPlan(batch: n, channels: c, height: h, width: w, outChannels: o, kernel: (kh, kw), stride: stride,
                                       padding: padding, outputSize: (oh, ow))
        let x = try contiguousIfNeeded(), wt = try weight.contiguousIfNeeded(), b = try bias?.contiguousIfNeeded()
        let out = try Tensor.empty([n, o, oh, ow], op: op)
        try plan.forward(x: x.data, weight: wt.data, bias: b?.data, y: out.data)
        let sx = x.saved(), sw = wt.saved()
        let needX = needsGrad, needW = weight.needsGrad, needB = bias?.needsGrad ?? false, hasBias = bias != nil
        var inputs = [self, weight]
        if let bias { inputs.append(bias) }
        let xShape = shape
        return out.recorded(op, inputs: inputs) { g in
            let gc = try g.contiguousIfNeeded(), xv = try sx.get(op), wv = try sw.get(op)
            let gx = needX ? try Tensor.empty(xShape) : nil
            let gw = needW ? try Tensor.zeros([o, c, kh, kw]) : nil
            let gb = needB ? try Tensor.zeros([o]) : nil
            try plan.backward(x: xv.data, weight: wv.data, gy: gc.data, gx: gx?.data, gw: gw?.data, gb: gb?.data)
            return hasBias ? [gx, gw, gb] : [gx, gw]
        }
    }

    /// 1-D convolution of [N, C, L] input with [O, C, k] weights, as a 2-D convolution of height 1.
    public func conv1d(weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0) throws -> Tensor {
        guard rank == 3 else { throw TensorError("conv1d: expects input [N, C, L], got \(Shape.describe(shape))") }
        guard weight.rank == 3 else { throw TensorError("conv1d: expects weight [O, C, k], got \(Shape.describe(weight.shape))") }
        let y = try withErrorContext("conv1d") {
            try unsqueeze(2).conv2d(weight: weight.unsqueeze(2), bias: bias, stride: (1, stride),
                                    padding: Padding2D(top: 0, bottom: 0, left: padding, right: padding))
        }
        return try y.squeeze(2)
    }

    /// Nearest-neighbour 2x upsampling of [N, C, H, W] (the UNet and VQ decoder's Upsample).
    public func upsampleNearest2x() throws -> Tensor {
        guard rank == 4 else { throw TensorError("upsample_nearest2x: expects [N, C, H, W], got \(Shape.describe(shape))") }
        let (planes, h, w) = (shape[0] * shape[1], shape[2], shape[3])
        let x = try contiguousIfNeeded()
        let out = try Tensor.empty([shape[0], shape[1], 2 * h, 2 * w], op: "upsample_nearest2x")
        Parallel.chunks(planes, weight: 4 * h * w) { r, _ in
            mv_upsample_nearest2x(x.data + r.lowerBound * h * w, out.data + r.lowerBound * 4 * h * w, Int64(r.count), Int64(h), Int64(w))
        }
        let xShape = shape
        return out.recorded("upsample_nearest2x", inputs: [self]) { g in
            let gc = try g.contiguousIfNeeded(), gx = try Tensor.empty(xShape)
            Parallel.chunks(planes, weight: 4 * h * w) { r, _ in
                mv_upsample_nearest2x_backward(gc.data + r.lowerBound * 4 * h * w, gx.data + r.lowerBound * h * w, Int64(r.count), Int64(h), Int64(w))
            }
            return [gx]
        }
    }

    /// Constant padding of the last two dimensions of [..., H, W].
    public func pad2d(_ p: Padding2D, value: Float = 0) throws -> Tensor {
        guard rank >= 2 else { throw TensorError("pad2d: expects at least 2 dimensions, got \(Shape.describe(shape))") }
        guard [p.top, p.bottom, p.left, p.right].allSatisfy({ $0 >= 0 }) else { throw TensorError("pad2d: padding must be non-negative") }
        let h = shape[rank - 2], w = shape[rank - 1], planes = numel / Swift.max(h * w, 1)
        let x = try contiguousIfNeeded()
        let outShape = Array(shape.dropLast(2)) + [h + p.top + p.bottom, w + p.left + p.right]
        let out = try Tensor.empty(outShape, op: "pad2d")
        let padded = outShape[rank - 2] * outShape[rank - 1]
        Parallel.chunks(planes, weight: padded) { r, _ in
            mv_pad2d(x.data + r.lowerBound * h * w, out.data + r.lowerBound * padded, Int64(r.count), Int64(h), Int64(w),
                     Int64(p.top), Int64(p.bottom), Int64(p.left), Int64(p.right), value)
        }
        let xShape = shape
        return out.recorded("pad2d", inputs: [self]) { g in
            let gc = try g.contiguousIfNeeded(), gx = try Tensor.empty(xShape)
            Parallel.chunks(planes, weight: padded) { r, _ in
                mv_pad2d_backward(gc.data + r.lowerBound * padded, gx.data + r.lowerBound * h * w, Int64(r.count), Int64(h), Int64(w),
                                  Int64(p.top), Int64(p.bottom), Int64(p.left), Int64(p.right))
            }
            return [gx]
        }
    }
}
