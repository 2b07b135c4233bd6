import CKernels

/// The 3×3, stride-1, pad-1 convolutions on large maps (most of the VQ's work) by Winograd F(2×2, 3×3)
/// (body/winograd.h): each 2×2 block of outputs costs 16 multiplications per channel pair instead of 36, so the
/// same GEMM speed could finish these convolutions 2.25 times as fast as im2col; the transforms' memory traffic
/// leaves 1.2–1.7× (`scripts/bench winograd`). The tiles' transforms are additions only, and every product is a
/// GEMM over all channels at one of the 16 positions of the transformed tile: M[ξ] [O, tiles] = U[ξ] [O, C] · V[ξ]
/// [C, tiles].
/// - forward: the batch's tiles are split over the workers; each walks its share in blocks that stay in its
///   caches: input transform, 16 GEMMs, output transform written to NCHW with the bias;
/// - input gradient: the same convolution of the output gradient with each kernel turned by 180° and the channels
///   swapped, so it runs as a forward pass;
/// - weight gradient: block by block, the workers fill V and dM = A dY Aᵀ together, then each takes a share of the
///   16 positions: dU[ξ] += dM[ξ] · V[ξ]ᵀ; at the end gw = Gᵀ dU G.
/// Each output element is summed in the same order whatever the split, so results do not depend on it. The
/// transforms' rounding (entries ½ and sums of four inputs) keeps results within a few float ulps of a direct
/// sum relative to the inputs' scale.
public struct WinogradConvolution {
    let batch: Int, channels: Int, outChannels: Int, height: Int, width: Int

    /// False runs every convolution by im2col, for the side-by-side benchmark (`scripts/bench winograd`):
    /// `WinogradConvolution.$enabled.withValue(false) { ... }`.
    @TaskLocal public static var enabled = true

    /// Convolutions with fewer channels than this on either side stay on im2col: their GEMMs are too thin for the
    /// transforms to pay off (the RGB input and output layers).
    public static let minimumChannels = 16
    /// Where Winograd beats im2col, measured side by side by `scripts/bench winograd` (batch 8, AVX2 EPYC): the
    /// forward pass and the input gradient on maps of at least 32×32 (1.2–1.7× faster), and on 16×16 maps with
    /// at least 128 channels (1.2×; 64 channels: 0.85×); the weight gradient on maps of at least 32×32 (1.04–1.45×;
    /// 16×16: 0.6–0.9×). On 8×8 and 4×4 maps the runs of tiles are too short for the transforms (0.2–0.7×).
    public static let largeSize = 32, wideSize = 16, wideChannels = 128
    /// The floats of a worker's transformed tiles and products per block (4 MB: the L2 cache and part of the L3;
    /// a quarter of it measured 3–10% slower, four times as much 20–40% slower).
    static let blockFloats = 1 << 20
    /// Fewer tiles per block make OpenBLAS re-pack U too often; more gain nothing.
    static let blockTiles = 32...512

    /// The Winograd plan of a convolution with these arguments (validated by `conv2d`), or nil when its forward
    /// pass and input gradient run faster by im2col.
    init?(batch: Int, channels: Int, outChannels: Int, height: Int, width: Int, kernel: (Int, Int), stride: (Int, Int),
          padding: Padding2D) {
        let side = Swift.min(height, width), thinnest = Swift.min(channels, outChannels)
        guard Self.enabled, kernel == (3, 3), stride == (1, 1), padding == Padding2D(1), thinnest >= Self.minimumChannels,
              side >= Self.largeSize || (side >= Self.wideSize && thinnest >= Self.wideChannels) else { return nil }
        (self.batch, self.channels, self.outChannels, self.height, self.width) = (batch, channels, outChannels, height, width)
    }

    /// Whether the weight gradient runs here too (else by im2col).
    var runsWeightGradient: Bool { Swift.min(height, width) >= Self.largeSize }

    /// Tiles (2×2 output blocks) of the whole batch.
    var tiles: Int { batch * ((height + 1) / 2) * ((width + 1) / 2) }

    /// Tiles per block when `channels` rows of V and M are held per tile.
    private static func blockWidth(channels: Int) -> Int {
        Swift.min(Swift.max(blockFloats / (16 * channels), blockTiles.lowerBound), blockTiles.upperBound) / 16 * 16
    }

    /// Calls `body(t0, count)` for blocks of equal width (a multiple of 16 but the last) and at most `width`
    /// covering `range`.
    private func forEachBlock(in range: Range<Int>, width: Int, _ body: (Int, Int) -> Void) {
        guard !range.isEmpty else { return }
        let blocks = (range.count + width - 1) / width
        let step = ((range.count + blocks - 1) / blocks + 15) / 16 * 16
        for start in stride(from: range.lowerBound, to: range.upperBound, by: step) {
            body(start, Swift.min(step, range.upperBound - start))
        }
    }

    /// y [N, O, H, W] = conv(x [N, C, H, W], weight [O, C, 3, 3]) + bias.
    func forward(x: UnsafeMutablePointer<Float>, weight: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>?,
                 y: UnsafeMutablePointer<Float>) throws {
        let u = try Tensor.empty([16, outChannels, channels])
        mv_winograd_weights(weight, Int64(outChannels), Int64(channels), 0, u.data)
        try transformedProducts(of: x, channels: channels, u: u.data, outChannels: outChannels, bias: bias, into: y)
    }

    /// out [N, o, H, W] = the convolution of source [N, c, H, W] whose transformed kernels are u [16, o, c], the
    /// batch's tiles split evenly over the workers in runs of 16.
    private func transformedProducts(of source: UnsafeMutablePointer<Float>, channels c: Int, u: UnsafeMutablePointer<Float>,
                                     outChannels o: Int, bias: UnsafeMutablePointer<Float>?,
                                     into out: UnsafeMutablePointer<Float>) throws {
        let block = Self.blockWidth(channels: c + o), perWorker = 16 * (c + o) * block
        let scratch = try Tensor.empty([Parallel.workers, perWorker])
        let (h, w) = (Int64(height), Int64(width))
        Parallel.chunks((tiles + 15) / 16, weight: 16 * 16 * 2 * o * c, minimum: Parallel.minimumFlops) { range, worker in
            let v = scratch.data + worker * perWorker, m = v + 16 * c * block
            forEachBlock(in: range.lowerBound * 16 ..< Swift.min(range.upperBound * 16, tiles), width: block) { t0, count in
                mv_winograd_input_tiles(source, Int64(c), h, w, 0, Int64(c), Int64(t0), Int64(count), v)
                for position in 0..<16 {
                    BLAS.product(BLAS.plain(u + position * o * c, cols: c), BLAS.plain(v + position * c * count, cols: count),
                                 m: o, n: count, k: c, c: m + position * o * count, ldc: count)
                }
                mv_winograd_output_tiles(m, Int64(o), h, w, bias, Int64(t0), Int64(count), out)
            }
        }
    }

    /// The input gradient gx [N, C, H, W] of `forward` for the output gradient gy [N, O, H, W] (written).
    func inputGradient(weight: UnsafeMutablePointer<Float>, gy: UnsafeMutablePointer<Float>, gx: UnsafeMutablePointer<Float>) throws {
        let u = try Tensor.empty([16, channels, outChannels])
        mv_winograd_weights(weight, Int64(outChannels), Int64(channels), 1, u.data)
        try transformedProducts(of: gy, channels: outChannels, u: u.data, outChannels: channels, bias: nil, into: gx)
    }

    /// The weight and bias gradients of `forward` for the output gradient gy [N, O, H, W]: gw [O, C, 3, 3] and gb
    /// [O] are accumulated (each when given).
    func weightGradient(x: UnsafeMutablePointer<Float>, gy: UnsafeMutablePointer<Float>, gw: UnsafeMutablePointer<Float>?,
                        gb: UnsafeMutablePointer<Float>?) throws {
        let (h, w, plane) = (Int64(height), Int64(width), height * width)
        if let gb { ConvolutionPlan.accumulateBiasGradient(gy, batch: batch, outChannels: outChannels, plane: plane, into: gb) }
        guard let gw else { return }
        // Per block, the workers first fill V and dM together (split by input and by output channels), then each
        // takes a share of the 16 positions: dU[ξ] += dM[ξ] · V[ξ]ᵀ over all channels, a product twice as tall as
        // one split by output channels (16% faster at 64 channels, measured). Each dU[ξ] is summed by one product
        // per block in block order, whichever worker runs it.
        let block = Self.blockWidth(channels: channels + outChannels)
        let v = try Tensor.empty([16 * channels * block]), dm = try Tensor.empty([16 * outChannels * block])
        let du = try Tensor.zeros([16 * outChannels * channels])
        forEachBlock(in: 0..<tiles, width: block) { t0, count in
            Parallel.forEachChunk(channels) { range, _ in
                let o0 = outChannels * range.lowerBound / channels, o1 = outChannels * range.upperBound / channels
                mv_winograd_input_tiles(x, Int64(channels), h, w, Int64(range.lowerBound), Int64(range.upperBound), Int64(t0),
                                        Int64(count), v.data)
                mv_winograd_gradient_tiles(gy, Int64(outChannels), h, w, Int64(o0), Int64(o1), Int64(t0), Int64(count), dm.data)
            }
            Parallel.forEachChunk(16) { positions, _ in
                for position in positions {
                    BLAS.product(BLAS.plain(dm.data + position * outChannels * count, cols: count),
                                 BLAS.transposed(v.data + position * channels * count, cols: count),
                                 m: outChannels, n: channels, k: count, beta: 1, c: du.data + position * outChannels * channels,
                                 ldc: channels)
                }
            }
        }
        mv_winograd_weight_gradient(du.data, Int64(outChannels), Int64(channels), gw)
    }
}
