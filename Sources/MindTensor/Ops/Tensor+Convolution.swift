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
    /// 2-D convolution (cross-correlation) of [N, C, H, W] input with [O, C, kh, kw] weights, as
    /// im2col + one GEMM per image; 1x1 stride-1 unpadded convolutions skip im2col entirely.
    public func conv2d(weight: Tensor, bias: Tensor?, stride: (Int, Int) = (1, 1), padding: Padding2D = Padding2D(0)) throws -> Tensor {
        let op = "conv2d"
        guard rank == 4 else { throw TensorError("\(op): expects input [N, C, H, W], got \(Shape.describe(shape))") }
        guard weight.rank == 4 else { throw TensorError("\(op): expects weight [O, C, kh, kw], got \(Shape.describe(weight.shape))") }
        let (n, c, h, w) = (shape[0], shape[1], shape[2], shape[3])
        let (o, kh, kw) = (weight.shape[0], weight.shape[2], weight.shape[3])
        guard weight.shape[1] == c else {
            throw TensorError("\(op): weight \(Shape.describe(weight.shape)) expects \(weight.shape[1]) input channels, input \(Shape.describe(shape)) has \(c)")
        }
        guard stride.0 > 0, stride.1 > 0 else { throw TensorError("\(op): stride must be positive, got (\(stride.0), \(stride.1))") }
        guard [padding.top, padding.bottom, padding.left, padding.right].allSatisfy({ $0 >= 0 }) else {
            throw TensorError("\(op): padding must be non-negative")
        }
        let ph = h + padding.top + padding.bottom, pw = w + padding.left + padding.right
        guard kh > 0, kw > 0, ph >= kh, pw >= kw else {
            throw TensorError("\(op): kernel \(kh)x\(kw) is larger than the padded input \(ph)x\(pw)")
        }
        if let bias, bias.shape != [o] {
            throw TensorError("\(op): bias \(Shape.describe(bias.shape)) does not match \(o) output channels")
        }
        let oh = (ph - kh) / stride.0 + 1, ow = (pw - kw) / stride.1 + 1
        let ckk = c * kh * kw, plane = oh * ow
        let direct = kh == 1 && kw == 1 && stride == (1, 1) && padding == Padding2D(0)
        let geometry = (c: Int64(c), h: Int64(h), w: Int64(w), kh: Int64(kh), kw: Int64(kw), sh: Int64(stride.0),
                        sw: Int64(stride.1), pt: Int64(padding.top), pl: Int64(padding.left), oh: Int64(oh), ow: Int64(ow))
        let x = try contiguousIfNeeded(), wt = try weight.contiguousIfNeeded()
        let out = try Tensor.empty([n, o, oh, ow], op: op)
        let col = direct ? nil : try Tensor.empty([ckk, plane])
        for i in 0..<n {
            let xi = x.data + i * c * h * w
            if let col {
                mv_im2col(xi, geometry.c, geometry.h, geometry.w, geometry.kh, geometry.kw, geometry.sh, geometry.sw,
                          geometry.pt, geometry.pl, geometry.oh, geometry.ow, col.data)
            }
            try BLAS.gemm(BLAS.plain(wt.data, cols: ckk), BLAS.plain(col?.data ?? xi, cols: plane), m: o, n: plane, k: ckk,
                          c: out.data + i * o * plane, ldc: plane)
        }
        if let bias {
            let b = try bias.contiguousIfNeeded()
            mv_add_channel_bias(out.data, b.data, Int64(n), Int64(o), Int64(plane))
        }
        let sx = x.saved(), sw = wt.saved()
        let needX = needsGrad, needW = weight.needsGrad, needB = bias?.needsGrad ?? false, hasBias = bias != nil
        var inputs = [self, weight]
        if let bias { inputs.append(bias) }
        let xShape = shape
        return out.recorded(op, inputs: inputs) { g in
            let gc = try g.contiguousIfNeeded(), xv = try sx.get(op), wv = try sw.get(op)
            let gx = needX ? try Tensor.zeros(xShape) : nil
            let gw = needW ? try Tensor.zeros([o, c, kh, kw]) : nil
            let scratch = direct ? nil : try Tensor.empty([ckk, plane])
            for i in 0..<n {
                let gi = gc.data + i * o * plane
                if let gw {
                    let xi = xv.data + i * c * h * w
                    if let scratch {
                        mv_im2col(xi, geometry.c, geometry.h, geometry.w, geometry.kh, geometry.kw, geometry.sh, geometry.sw,
                                  geometry.pt, geometry.pl, geometry.oh, geometry.ow, scratch.data)
                    }
                    try BLAS.gemm(BLAS.plain(gi, cols: plane), BLAS.transposed(scratch?.data ?? xi, cols: plane),
                                  m: o, n: ckk, k: plane, beta: 1, c: gw.data, ldc: ckk)
                }
                if let gx {
                    let gxi = gx.data + i * c * h * w
                    if let scratch {
                        try BLAS.gemm(BLAS.transposed(wv.data, cols: ckk), BLAS.plain(gi, cols: plane),
                                      m: ckk, n: plane, k: o, c: scratch.data, ldc: plane)
                        mv_col2im(scratch.data, geometry.c, geometry.h, geometry.w, geometry.kh, geometry.kw, geometry.sh,
                                  geometry.sw, geometry.pt, geometry.pl, geometry.oh, geometry.ow, gxi)
                    } else {
                        try BLAS.gemm(BLAS.transposed(wv.data, cols: ckk), BLAS.plain(gi, cols: plane),
                                      m: ckk, n: plane, k: o, c: gxi, ldc: plane)
                    }
                }
            }
            var gb: Tensor?
            if needB {
                let t = try Tensor.zeros([o])
                mv_channel_bias_grad(gc.data, t.data, Int64(n), Int64(o), Int64(plane))
                gb = t
            }
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
        mv_upsample_nearest2x(x.data, out.data, Int64(planes), Int64(h), Int64(w))
        let xShape = shape
        return out.recorded("upsample_nearest2x", inputs: [self]) { g in
            let gc = try g.contiguousIfNeeded(), gx = try Tensor.empty(xShape)
            mv_upsample_nearest2x_backward(gc.data, gx.data, Int64(planes), Int64(h), Int64(w))
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
        mv_pad2d(x.data, out.data, Int64(planes), Int64(h), Int64(w), Int64(p.top), Int64(p.bottom), Int64(p.left), Int64(p.right), value)
        let xShape = shape
        return out.recorded("pad2d", inputs: [self]) { g in
            let gc = try g.contiguousIfNeeded(), gx = try Tensor.empty(xShape)
            mv_pad2d_backward(gc.data, gx.data, Int64(planes), Int64(h), Int64(w), Int64(p.top), Int64(p.bottom), Int64(p.left), Int64(p.right))
            return [gx]
        }
    }
}
