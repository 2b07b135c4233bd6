import CKernels

/// How `conv2d` puts a convolution on the cores (DESIGN.md §4). The batch's column matrix [C·kh·kw, N·OH·OW]
/// (im2col's rows (channel, ki, kj), columns (image, oy, ox)) is never built whole: for a 3×3 kernel it is nine
/// times the input, far beyond the caches, and writing it out and reading it back cost as much as a third of
/// the products. It is cut into tiles of consecutive columns (a few MB with their product), each built by
/// im2col and consumed at once by a single-threaded GEMM. Tiles may span images, so
/// 8×8 maps at batch 8 still give products hundreds of columns wide, and large maps give every worker many
/// tiles. The work is split so that no two workers ever write the same memory:
/// - forward: each worker takes an equal run of columns and walks it tile by tile: im2col, W · tile, the tile
///   written to NCHW with the bias;
/// - backward: each worker takes a range of input channels and walks every tile: its channels' rows of the tile
///   give its columns of the weight gradient (dY_tile · colᵀ) and, through Wᵀ · dY_tile and col2im, the input
///   gradient of its own channel planes; it also sums its share of the bias gradient's rows.
/// Each output element is summed in the same order whatever the split, so results do not depend on it. The forward
/// products (and a 1×1 layer's input gradient) of maps under `inPlacePlane` columns run on `mv_panel_product`, which
/// reads the input planes and writes the output planes in place (`tileProducts`).
/// 1×1 stride-1 unpadded convolutions read their columns straight from the input when a tile lies in one image,
/// and their input gradient is split by columns like a forward pass. 3×3 stride-1 pad-1 convolutions with enough
/// channels take `WinogradConvolution` instead, and stride-1 layers with at most `thinChannels` output channels a
/// direct sum of shifted rows (`mv_conv_direct`).
struct ConvolutionPlan {
    let geometry: mv_conv_geometry
    let batch: Int, outChannels: Int
    /// kh · kw: rows of the column matrix per input channel.
    let kernelArea: Int
    /// OH · OW: columns per image.
    let plane: Int
    /// The widest tile: a multiple of 16 columns, OpenBLAS's register tile, so products have no ragged edge.
    let tileWidth: Int
    let direct: Bool
    /// Set when the forward pass and the input gradient (and maybe the weight gradient) run by Winograd F(2×2, 3×3).
    let winograd: WinogradConvolution?
    /// Set for the stride-1 layers with at most `thinChannels` output channels, which run as direct sums.
    let thin: Bool

    /// As GEMMs, layers with this few outputs (the RGB and latent output layers) are products with 3 rows that spend
    /// their time writing and reading the column matrix (0.06–0.12 of peak); direct sums run them 1.0–2.4× faster
    /// (`scripts/bench conv`). Layers with few inputs (the RGB stem) stay GEMMs: their inner size 27 still suits it.
    static let thinChannels = 4

    var channels: Int { Int(geometry.c) }
    /// C · kh · kw, the inner size of the forward product.
    var rows: Int { channels * kernelArea }
    var columns: Int { batch * plane }
    /// Multiply-adds of the forward pass, twice (each gradient costs as much).
    var forwardFlops: Int { 2 * outChannels * rows * columns }

    /// The floats of a tile and its product (2 MB). The tile need not fit the L2 cache: OpenBLAS packs it into
    /// cache-sized panels anyway, and wider tiles make it re-pack the weights less often. On an AVX2 EPYC (Zen 2,
    /// 512 KB L2) 2^19 ran the UNet's convolutions 7% faster than 2^17 (forward and both gradients, each shape
    /// weighted by its count in the model; medians of three alternating rounds of `scripts/bench conv`); 2^20 and
    /// 2^21 were no faster.
    static let tileFloats = 1 << 19
    /// Narrower tiles make OpenBLAS re-pack the weights too often; wider ones gain nothing (measured).
    static let tileWidths = 64...1024
    /// From this many columns the weight gradient splits them in halves (`halvesWeightGradient`): at batch 8, 1×1
    /// layers on 8×8–64×64 maps ran 1.1–1.2× faster and the RGB stems 1.8–2.5× (one worker walked them alone);
    /// 4×4 maps (128 columns) 0.9× (`scripts/bench conv`, medians of three alternating rounds, Zen 2).
    static let halvesColumns = 512
    /// Planes from this many columns (16×16 maps) give 1×1 convolutions tiles wide enough to stay inside an image:
    /// on 16×16 maps 5–17% faster than tiles spanning four images (`scripts/bench conv 1x1`); 8×8 maps gain nothing.
    static let inPlacePlane = 256

    /// The plan of a convolution whose arguments `conv2d` has validated.
    init(batch: Int, channels: Int, height: Int, width: Int, outChannels: Int, kernel: (Int, Int), stride: (Int, Int),
         padding: Padding2D, outputSize: (Int, Int)) throws {
        let (oh, ow) = outputSize
        geometry = mv_conv_geometry(c: Int64(channels), h: Int64(height), w: Int64(width), kh: Int64(kernel.0), kw: Int64(kernel.1),
                                    sh: Int64(stride.0), sw: Int64(stride.1), ph: Int64(padding.top), pw: Int64(padding.left),
                                    oh: Int64(oh), ow: Int64(ow))
        (self.batch, self.outChannels, kernelArea, plane) = (batch, outChannels, kernel.0 * kernel.1, oh * ow)
        direct = kernel == (1, 1) && stride == (1, 1) && padding == Padding2D(0)
        thin = stride == (1, 1) && outChannels <= Self.thinChannels
        winograd = WinogradConvolution(batch: batch, channels: channels, outChannels: outChannels, height: height, width: width,
                                       kernel: kernel, stride: stride, padding: padding)
        let perColumn = channels * kernelArea + outChannels
        tileWidth = Swift.min(Swift.max(Self.tileFloats / perColumn, Self.tileWidths.lowerBound), Self.tileWidths.upperBound) / 16 * 16
        guard BLAS.fitsInterface(channels * kernelArea, outChannels, plane, tileWidth) else {
            throw TensorError("conv2d: \(channels * kernelArea) x \(plane) columns per image exceed the 32-bit BLAS interface")
        }
    }

    /// Calls `body` for tiles of at most `tileWidth` columns covering `range`. A 1×1 convolution's tiles stop at the
    /// images' edges when its planes are at least `inPlacePlane` columns wide, or when `imageSegments` asks: a tile
    /// inside one image is read and written in place, where one that spans images is copied in and out.
    private func forEachTile(in range: Range<Int>, imageSegments: Bool = false, _ body: ((start: Int, count: Int)) -> Void) {
        guard direct && (plane >= Self.inPlacePlane || imageSegments) else { return forEachEvenTile(in: range, body) }
        var start = range.lowerBound
        while start < range.upperBound {
            let end = Swift.min((start / plane + 1) * plane, range.upperBound)
            forEachEvenTile(in: start..<end, body)
            start = end
        }
    }

    /// Calls `body` for tiles of equal width (a multiple of 16 but the last) and at most `tileWidth` covering `range`.
    private func forEachEvenTile(in range: Range<Int>, _ body: ((start: Int, count: Int)) -> Void) {
        guard !range.isEmpty else { return }
        let tiles = (range.count + tileWidth - 1) / tileWidth
        let width = ((range.count + tiles - 1) / tiles + 15) / 16 * 16
        for start in stride(from: range.lowerBound, to: range.upperBound, by: width) {
            body((start, Swift.min(width, range.upperBound - start)))
        }
    }

    /// y [N, O, OH, OW] = conv(x [N, C, H, W], weight [O, C, kh, kw]) + bias.
    func forward(x: UnsafeMutablePointer<Float>, weight: UnsafeMutablePointer<Float>, bias: UnsafeMutablePointer<Float>?,
                 y: UnsafeMutablePointer<Float>) throws {
        if let winograd { return try winograd.forward(x: x, weight: weight, bias: bias, y: y) }
        if thin {
            return directConvolution(of: x, channels: channels, size: (Int(geometry.h), Int(geometry.w)), weight: weight, bias: bias,
                                     outChannels: outChannels, padding: (Int(geometry.ph), Int(geometry.pw)),
                                     outputSize: (Int(geometry.oh), Int(geometry.ow)), into: y)
        }
        try tileProducts(weight: BLAS.plain(weight, cols: rows), rows: outChannels, inner: rows, bias: bias, into: y,
                         source: direct ? .planes(x) : .im2col(x))
    }

    /// The right-hand side of `tileProducts`: NCHW planes whose channels are its rows (a 1×1 convolution's input, or
    /// its output gradient), or the column matrix of x.
    private enum TileSource {
        case planes(UnsafeMutablePointer<Float>)
        case im2col(UnsafeMutablePointer<Float>)
    }

    /// out[N, m, OH·OW] = weight [m, k] · source [k, N·OH·OW] (+ bias) tile by tile, the columns split evenly over the
    /// workers in runs of 16. Planes narrower than `inPlacePlane` give tiles that span images: `mv_panel_product`
    /// reads such planes where they lie and writes its result into the output's planes, where a BLAS call needs both
    /// copied (1×1 layers on 4×4 and 8×8 maps ran 1.15-1.8× faster, `scripts/bench conv`). Wider planes' tiles lie
    /// in one image, and OpenBLAS computes them in place (there mv_panel_product was up to 15% slower).
    private func tileProducts(weight: BLAS.Operand, rows m: Int, inner k: Int, bias: UnsafeMutablePointer<Float>?,
                              into out: UnsafeMutablePointer<Float>, source: TileSource) throws {
        let panel = plane < Self.inPlacePlane
        let perWorker = k * tileWidth + (panel ? Self.panelFloats(inner: k, columns: tileWidth) : m * tileWidth)
        let scratch = try Tensor.empty([Parallel.workers, perWorker])
        let granules = (columns + 15) / 16
        Parallel.chunks(granules, weight: 2 * m * k * 16, minimum: Parallel.minimumFlops) { range, worker in
            let input = scratch.data + worker * perWorker, output = input + k * tileWidth
            forEachTile(in: range.lowerBound * 16 ..< Swift.min(range.upperBound * 16, columns)) { t in
                if panel {
                    let b: mv_columns
                    switch source {
                    case .planes(let p): b = .planes(p, channels: k, plane: plane, first: t.start)
                    case .im2col(let x):
                        let c = columns(of: x, channels: 0..<channels, tile: t, scratch: input)
                        b = .tile(c.pointer, ld: c.ld)
                    }
                    Self.product(weight, b, m: m, n: t.count, k: k, bias: bias,
                                 into: .planes(out, channels: m, plane: plane, first: t.start), panels: output)
                } else {
                    let b: BLAS.Operand
                    switch source {
                    case .planes(let p): b = planes(p, rows: k, 0..<k, tile: t, scratch: input)
                    case .im2col(let x): b = columns(of: x, channels: 0..<channels, tile: t, scratch: input)
                    }
                    write(into: out, rows: m, 0..<m, tile: t, bias: bias, scratch: output) { c, ldc in
                        BLAS.product(weight, b, m: m, n: t.count, k: k, c: c, ldc: ldc)
                    }
                }
            }
        }
    }

    /// The scratch of `mv_panel_product` for products with inner size k and at most `columns` columns.
    private static func panelFloats(inner k: Int, columns: Int) -> Int {
        let width = Int(MV_PANEL_MAX_COLUMNS)
        return k * (columns + width - 1) / width * width
    }

    /// c = a [m, k] · b [k, n] (+ bias) by `mv_panel_product`; panels holds `panelFloats(inner: k, columns: n)`.
    private static func product(_ a: BLAS.Operand, _ b: mv_columns, m: Int, n: Int, k: Int, bias: UnsafeMutablePointer<Float>? = nil,
                                into c: mv_columns, panels: UnsafeMutablePointer<Float>) {
        let (rowStride, innerStride) = a.transposed ? (1, a.ld) : (a.ld, 1)
        mv_panel_product(a.pointer, Int64(rowStride), Int64(innerStride), Int64(m), Int64(k), b, Int64(n), bias, c, panels)
    }

    /// The gradients of `forward` for the output gradient gy [N, O, OH, OW]: gx is written (when given), gw
    /// [O, C, kh, kw] and gb [O] are accumulated.
    func backward(x: UnsafeMutablePointer<Float>, weight: UnsafeMutablePointer<Float>, gy: UnsafeMutablePointer<Float>,
                  gx: UnsafeMutablePointer<Float>?, gw: UnsafeMutablePointer<Float>?, gb: UnsafeMutablePointer<Float>?) throws {
        if thin { return try directBackward(x: x, weight: weight, gy: gy, gx: gx, gw: gw, gb: gb) }
        var gx = gx
        if let winograd {
            if let gx { try winograd.inputGradient(weight: weight, gy: gy, gx: gx) }
            gx = nil
            if winograd.runsWeightGradient { return try winograd.weightGradient(x: x, gy: gy, gw: gw, gb: gb) }
        }
        if direct, let gx {
            // A 1×1 convolution's input gradient is the 1×1 convolution of gy with Wᵀ: each element is written once,
            // so it splits by columns like the forward pass.
            let wt = BLAS.Operand(pointer: weight, transposed: true, ld: channels)
            try tileProducts(weight: wt, rows: channels, inner: outChannels, bias: nil, into: gx, source: .planes(gy))
        }
        let colGradient = direct ? nil : gx
        guard gw != nil || gb != nil || colGradient != nil else { return }
        if colGradient == nil && columns >= Self.halvesColumns { return try halvesWeightGradient(x: x, gy: gy, gw: gw, gb: gb) }
        let perWorker = (rows + outChannels) * tileWidth
        let scratch = try Tensor.empty([Parallel.workers, perWorker])
        let inputPlane = Int(geometry.h * geometry.w)
        let body = { (range: Range<Int>, worker: Int) in
            let dyTile = scratch.data + worker * perWorker, col = dyTile + outChannels * tileWidth
            let r0 = range.lowerBound * kernelArea, width = range.count * kernelArea
            // This worker's rows of the bias gradient: its share of the channels, mapped onto the output channels.
            let o0 = outChannels * range.lowerBound / channels, o1 = outChannels * range.upperBound / channels
            if let gx = colGradient {
                for i in 0..<batch { mv_fill(gx + (i * channels + range.lowerBound) * inputPlane, 0, Int64(range.count * inputPlane)) }
            }
            forEachTile(in: 0..<columns) { t in
                let dy = planes(gy, rows: outChannels, 0..<outChannels, tile: t, scratch: dyTile)
                if let gb, o1 > o0 {
                    mv_row_sums(dy.pointer + o0 * dy.ld, Int64(dy.ld), Int64(o1 - o0), Int64(t.count), gb + o0)
                }
                if let gw {
                    let b = columns(of: x, channels: range, tile: t, scratch: col)
                    BLAS.product(dy, b.flipped, m: outChannels, n: width, k: t.count, beta: 1, c: gw + r0, ldc: rows)
                }
                if let gx = colGradient {
                    // Rows r0 ..< r0 + width of Wᵀ are those columns of W; col2im adds them into this worker's planes.
                    // (OpenBLAS, which packs Wᵀ's rows, ran this product 15% faster than mv_panel_product.)
                    let wt = BLAS.Operand(pointer: weight + r0, transposed: true, ld: rows)
                    BLAS.product(wt, dy, m: width, n: t.count, k: outChannels, c: col, ldc: t.count)
                    withUnsafePointer(to: geometry) {
                        mv_col2im(col, $0, Int64(range.lowerBound), Int64(range.upperBound), Int64(t.start), Int64(t.count), gx)
                    }
                }
            }
        }
        // A few input channels (an RGB input layer) would split unevenly: one worker then walks the tiles and
        // each product splits itself over the workers instead.
        if channels >= 4 * Parallel.workers {
            Parallel.chunks(channels, weight: 2 * forwardFlops / channels, minimum: Parallel.minimumFlops, body)
        } else {
            body(0..<channels, 0)
        }
    }

    /// gw and gb when the input gradient is done (or not wanted): the batch's columns are cut in two halves, whatever
    /// the worker count, so results do not depend on it. Each half sums its tiles' products dY_tile · colᵀ over all
    /// output and input channels, the first into gw and gb, the second into a partial added at the end. A split by
    /// input channels (as `backward`'s, which col2im needs) makes each worker pack the whole of dY for products half
    /// as wide. A 1×1 layer's tiles stop at each image's edge, so dY and x are read in place: on 8×8 maps one
    /// product per image (inner size 64) ran 1.12–1.17× faster than gathering both across images for one product
    /// (`scripts/bench conv 1x1`, three alternating rounds, Zen 2).
    private func halvesWeightGradient(x: UnsafeMutablePointer<Float>, gy: UnsafeMutablePointer<Float>,
                                      gw: UnsafeMutablePointer<Float>?, gb: UnsafeMutablePointer<Float>?) throws {
        let perHalf = (rows + outChannels) * tileWidth
        let scratch = try Tensor.empty([2, perHalf])
        let partial = try Tensor.zeros([outChannels * rows + outChannels])
        let granules = (columns + 15) / 16
        Parallel.chunks(2, weight: forwardFlops / 2, minimum: Parallel.minimumFlops) { halves, _ in
            for half in halves {
                let dyTile = scratch.data + half * perHalf, col = dyTile + outChannels * tileWidth
                let gwSum = half == 0 ? gw : partial.data, gbSum = half == 0 ? gb : partial.data + outChannels * rows
                let range = granules * half / 2 * 16 ..< Swift.min(granules * (half + 1) / 2 * 16, columns)
                forEachTile(in: range, imageSegments: direct) { t in
                    let dy = planes(gy, rows: outChannels, 0..<outChannels, tile: t, scratch: dyTile)
                    if let gb = gbSum { mv_row_sums(dy.pointer, Int64(dy.ld), Int64(outChannels), Int64(t.count), gb) }
                    if let gw = gwSum {
                        let b = columns(of: x, channels: 0..<channels, tile: t, scratch: col)
                        BLAS.product(dy, b.flipped, m: outChannels, n: rows, k: t.count, beta: 1, c: gw, ldc: rows)
                    }
                }
            }
        }
        if let gw { mv_add_inplace(gw, partial.data, Int64(outChannels * rows)) }
        if let gb { mv_add_inplace(gb, partial.data + outChannels * rows, Int64(outChannels)) }
    }

    /// out [N, o, OH, OW] = the stride-1 convolution of source [N, c, H, W] with weight [o, c, kh, kw] (+ bias), the
    /// (image, output channel) pairs split evenly over the workers.
    private func directConvolution(of source: UnsafeMutablePointer<Float>, channels c: Int, size: (Int, Int), weight: UnsafePointer<Float>,
                                   bias: UnsafeMutablePointer<Float>?, outChannels o: Int, padding: (Int, Int),
                                   outputSize: (Int, Int), into out: UnsafeMutablePointer<Float>) {
        let (h, w) = size, (oh, ow) = outputSize
        Parallel.chunks(batch * o, weight: 2 * c * kernelArea * oh * ow, minimum: Parallel.minimumFlops) { range, _ in
            var item = range.lowerBound
            while item < range.upperBound {
                let image = item / o, o0 = item % o, count = Swift.min(o - o0, range.upperBound - item)
                mv_conv_direct(source + image * c * h * w, Int64(c), Int64(h), Int64(w), weight + o0 * c * kernelArea, bias.map { $0 + o0 },
                               Int64(count), geometry.kh, geometry.kw, Int64(padding.0), Int64(padding.1), Int64(oh), Int64(ow),
                               out + (image * o + o0) * oh * ow)
                item += count
            }
        }
    }

    /// The gradients of a thin layer's direct convolution (as `backward`).
    private func directBackward(x: UnsafeMutablePointer<Float>, weight: UnsafeMutablePointer<Float>, gy: UnsafeMutablePointer<Float>,
                                gx: UnsafeMutablePointer<Float>?, gw: UnsafeMutablePointer<Float>?, gb: UnsafeMutablePointer<Float>?) throws {
        let (h, w, oh, ow) = (Int(geometry.h), Int(geometry.w), Int(geometry.oh), Int(geometry.ow))
        if let gx {
            // The input gradient is the direct convolution of gy with each kernel turned by 180° and the channels
            // swapped, padded so that output (oy, ox) meets input (oy + ki - ph, ...) again.
            let turned = try Tensor.empty([channels, outChannels, kernelArea])
            for o in 0..<outChannels {
                for c in 0..<channels {
                    for t in 0..<kernelArea { turned.data[(c * outChannels + o) * kernelArea + kernelArea - 1 - t] = weight[(o * channels + c) * kernelArea + t] }
                }
            }
            directConvolution(of: gy, channels: outChannels, size: (oh, ow), weight: turned.data, bias: nil, outChannels: channels,
                              padding: (Int(geometry.kh - 1 - geometry.ph), Int(geometry.kw - 1 - geometry.pw)), outputSize: (h, w), into: gx)
        }
        if let gb { Self.accumulateBiasGradient(gy, batch: batch, outChannels: outChannels, plane: plane, into: gb) }
        guard let gw else { return }
        // Each worker owns a range of the wider side's channels of gw.
        let wider = Swift.max(outChannels, channels)
        Parallel.chunks(wider, weight: forwardFlops / wider, minimum: Parallel.minimumFlops) { range, _ in
            let (o, c) = outChannels >= channels ? (range, 0..<channels) : (0..<outChannels, range)
            mv_conv_direct_weight_gradient(x, gy, Int64(batch), Int64(channels), Int64(h), Int64(w), Int64(outChannels),
                                           Int64(o.lowerBound), Int64(o.upperBound), Int64(c.lowerBound), Int64(c.upperBound),
                                           geometry.kh, geometry.kw, geometry.ph, geometry.pw, Int64(oh), Int64(ow), gw)
        }
    }

    /// gb [O] += the sums of gy [N, O, plane] over images and positions, the channels split over the workers.
    static func accumulateBiasGradient(_ gy: UnsafeMutablePointer<Float>, batch: Int, outChannels: Int, plane: Int,
                                       into gb: UnsafeMutablePointer<Float>) {
        Parallel.chunks(outChannels, weight: plane * batch) { range, _ in
            for image in 0..<batch {
                mv_row_sums(gy + (image * outChannels + range.lowerBound) * plane, Int64(plane), Int64(range.count), Int64(plane),
                            gb + range.lowerBound)
            }
        }
    }

    /// Rows `channels` (each kh·kw rows) of the tile's columns of x, as a GEMM operand [rows, count].
    private func columns(of x: UnsafeMutablePointer<Float>, channels range: Range<Int>, tile: (start: Int, count: Int),
                         scratch: UnsafeMutablePointer<Float>) -> BLAS.Operand {
        if direct { return planes(x, rows: channels, range, tile: tile, scratch: scratch) }
        withUnsafePointer(to: geometry) {
            mv_im2col(x, $0, Int64(range.lowerBound), Int64(range.upperBound), Int64(tile.start), Int64(tile.count), scratch)
        }
        return BLAS.plain(scratch, cols: tile.count)
    }

    /// Computes rows `range` of the tile's columns of t [N, rows, OH·OW] with `product(c, ldc)` and stores them (plus
    /// bias): a tile inside one image is a block of t with leading dimension OH·OW and is computed in place; one
    /// that spans images is computed into scratch and copied out.
    private func write(into t: UnsafeMutablePointer<Float>, rows total: Int, _ range: Range<Int>, tile: (start: Int, count: Int),
                       bias: UnsafeMutablePointer<Float>?, scratch: UnsafeMutablePointer<Float>,
                       product: (UnsafeMutablePointer<Float>, Int) -> Void) {
        let image = tile.start / plane, p = tile.start % plane, inPlace = p + tile.count <= plane
        let c = inPlace ? t + (image * total + range.lowerBound) * plane + p : scratch, ldc = inPlace ? plane : tile.count
        product(c, ldc)
        if !inPlace || bias != nil {
            mv_columns_to_planes(c, Int64(ldc), bias, Int64(range.count), Int64(plane), Int64(total * plane), Int64(tile.start),
                                 Int64(tile.count), t + range.lowerBound * plane)
        }
    }

    /// Rows `range` of the tile's columns of t [N, rows, OH·OW], as a GEMM operand: read in place when the tile
    /// lies in one image, else gathered into scratch (im2col of a 1×1 kernel over the flattened planes).
    private func planes(_ t: UnsafeMutablePointer<Float>, rows total: Int, _ range: Range<Int>, tile: (start: Int, count: Int),
                        scratch: UnsafeMutablePointer<Float>) -> BLAS.Operand {
        let image = tile.start / plane, p = tile.start % plane
        if p + tile.count <= plane {
            return BLAS.Operand(pointer: t + (image * total + range.lowerBound) * plane + p, transposed: false, ld: plane)
        }
        var flat = mv_conv_geometry(c: Int64(total), h: 1, w: Int64(plane), kh: 1, kw: 1, sh: 1, sw: 1, ph: 0, pw: 0, oh: 1, ow: Int64(plane))
        mv_im2col(t, &flat, Int64(range.lowerBound), Int64(range.upperBound), Int64(tile.start), Int64(tile.count), scratch)
        return BLAS.plain(scratch, cols: tile.count)
    }
}
