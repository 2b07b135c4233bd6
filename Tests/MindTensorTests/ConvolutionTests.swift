import CKernels
import XCTest
@testable import MindTensor

/// conv2d's forward pass and both gradients against direct loops, on shapes that take every path of
/// `ConvolutionPlan`: tiles inside one image (written in place) and tiles spanning images (gathered), the
/// 1×1 stride-1 convolution that reads its input in place, strides, asymmetric padding, odd sizes, one worker
/// and a split over the workers (large enough products, enough channels).
final class ConvolutionTests: XCTestCase {
    struct Case {
        let batch, channels, height, width, outChannels, kernel, stride: Int
        let padding: Padding2D
        var outputSize: (Int, Int) {
            ((height + padding.top + padding.bottom - kernel) / stride + 1, (width + padding.left + padding.right - kernel) / stride + 1)
        }
        var name: String {
            "N\(batch) C\(channels) \(height)x\(width) O\(outChannels) k\(kernel) s\(stride) pad \(padding.top),\(padding.bottom),\(padding.left),\(padding.right)"
        }
    }

    /// Output, input gradient and weight gradient of the cross-correlation by its definition, in double.
    func directLoops(_ c: Case, x: [Float], w: [Float], bias: [Float], gy: [Float]) -> (y: [Float], gx: [Float], gw: [Float]) {
        let (oh, ow) = c.outputSize, k = c.kernel
        var y = [Double](repeating: 0, count: c.batch * c.outChannels * oh * ow)
        var gx = [Double](repeating: 0, count: x.count), gw = [Double](repeating: 0, count: w.count)
        for s in 0..<c.batch { for o in 0..<c.outChannels { for i in 0..<oh { for j in 0..<ow {
            let out = ((s * c.outChannels + o) * oh + i) * ow + j
            var acc = Double(bias[o])
            for ic in 0..<c.channels { for ki in 0..<k { for kj in 0..<k {
                let iy = i * c.stride - c.padding.top + ki, ix = j * c.stride - c.padding.left + kj
                guard iy >= 0, iy < c.height, ix >= 0, ix < c.width else { continue }
                let xi = ((s * c.channels + ic) * c.height + iy) * c.width + ix, wi = ((o * c.channels + ic) * k + ki) * k + kj
                acc += Double(x[xi]) * Double(w[wi])
                gx[xi] += Double(gy[out]) * Double(w[wi])
                gw[wi] += Double(gy[out]) * Double(x[xi])
            } } }
            y[out] = acc
        } } } }
        return (y.map(Float.init), gx.map(Float.init), gw.map(Float.init))
    }

    /// `inputGradient: false` leaves x without a gradient, as an RGB input layer's images.
    func check(_ c: Case, seed: UInt64, inputGradient: Bool = true) throws {
        let x = try randomInput([c.batch, c.channels, c.height, c.width], seed: seed).requiresGrad(inputGradient)
        let w = try randomInput([c.outChannels, c.channels, c.kernel, c.kernel], seed: seed + 1).requiresGrad()
        let b = try randomInput([c.outChannels], seed: seed + 2).requiresGrad()
        let y = try x.conv2d(weight: w, bias: b, stride: (c.stride, c.stride), padding: c.padding)
        let (oh, ow) = c.outputSize
        XCTAssertEqual(y.shape, [c.batch, c.outChannels, oh, ow], c.name)
        let gy = try randomInput(y.shape, seed: seed + 3)
        try y.backward(gradient: gy)
        let expected = directLoops(c, x: try x.toArray(), w: try w.toArray(), bias: try b.toArray(), gy: try gy.toArray())
        assertClose(try y.toArray(), expected.y, tolerance: 1e-5, "\(c.name) forward")
        if inputGradient {
            assertClose(try x.grad!.toArray(), expected.gx, tolerance: 1e-5, "\(c.name) input gradient")
        } else {
            XCTAssertNil(x.grad, c.name)
        }
        assertClose(try w.grad!.toArray(), expected.gw, tolerance: 1e-5, "\(c.name) weight gradient")
        let biasGradient = (0..<c.outChannels).map { o -> Float in
            let gv = try! gy.toArray(), plane = oh * ow
            return Float((0..<c.batch).reduce(0.0) { acc, s in
                acc + gv[((s * c.outChannels + o) * plane)..<((s * c.outChannels + o + 1) * plane)].reduce(0.0) { $0 + Double($1) }
            })
        }
        assertClose(try b.grad!.toArray(), biasGradient, tolerance: 1e-5, "\(c.name) bias gradient")
    }

    func testSmallShapesOnOneWorker() throws {
        let cases = [
            Case(batch: 2, channels: 3, height: 6, width: 5, outChannels: 4, kernel: 3, stride: 1, padding: Padding2D(1)),
            Case(batch: 2, channels: 3, height: 6, width: 5, outChannels: 4, kernel: 3, stride: 2, padding: Padding2D(0)),
            Case(batch: 3, channels: 2, height: 7, width: 7, outChannels: 3, kernel: 3, stride: 2,
                 padding: Padding2D(top: 0, bottom: 1, left: 0, right: 1)),
            Case(batch: 3, channels: 5, height: 3, width: 4, outChannels: 2, kernel: 1, stride: 1, padding: Padding2D(0)),
            Case(batch: 1, channels: 1, height: 4, width: 9, outChannels: 2, kernel: 1, stride: 2, padding: Padding2D(1)),
            // Stride 1 with outputs as wide as the inputs, read at a constant offset per kernel position: a kernel
            // wider than the map, padding on one side only, and padding only left and right (fewer output rows).
            Case(batch: 2, channels: 2, height: 3, width: 2, outChannels: 3, kernel: 5, stride: 1, padding: Padding2D(2)),
            Case(batch: 2, channels: 3, height: 5, width: 4, outChannels: 2, kernel: 3, stride: 1,
                 padding: Padding2D(top: 2, bottom: 0, left: 0, right: 2)),
            Case(batch: 3, channels: 2, height: 6, width: 5, outChannels: 2, kernel: 3, stride: 1,
                 padding: Padding2D(top: 0, bottom: 0, left: 1, right: 1)),
            // Stride 2 with outputs half the input's size, read from the input's phase planes: the UNet's and the
            // VQ's downsamplers, a 5×5 kernel (shifts of -1 to 1 in the phases), a 1×1 one, and a 2×2 map whose
            // only output reads mostly padding: outputs under 8 wide, which gathered_columns builds from a bordered
            // plane. Then outputs 8 and 9 wide (strided_columns' phase planes), with both paddings, and a 3-wide
            // output too tall for gathered_columns' tables, which falls back to the phases.
            Case(batch: 2, channels: 3, height: 8, width: 8, outChannels: 4, kernel: 3, stride: 2, padding: Padding2D(1)),
            Case(batch: 3, channels: 2, height: 6, width: 10, outChannels: 3, kernel: 3, stride: 2,
                 padding: Padding2D(top: 0, bottom: 1, left: 0, right: 1)),
            Case(batch: 2, channels: 2, height: 10, width: 6, outChannels: 3, kernel: 5, stride: 2, padding: Padding2D(2)),
            Case(batch: 2, channels: 3, height: 8, width: 4, outChannels: 2, kernel: 1, stride: 2, padding: Padding2D(0)),
            Case(batch: 3, channels: 2, height: 2, width: 2, outChannels: 2, kernel: 3, stride: 2, padding: Padding2D(1)),
            Case(batch: 2, channels: 3, height: 16, width: 18, outChannels: 4, kernel: 3, stride: 2, padding: Padding2D(1)),
            Case(batch: 2, channels: 2, height: 18, width: 16, outChannels: 3, kernel: 3, stride: 2,
                 padding: Padding2D(top: 0, bottom: 1, left: 0, right: 1)),
            Case(batch: 1, channels: 2, height: 600, width: 6, outChannels: 2, kernel: 3, stride: 2, padding: Padding2D(1)),
        ]
        for (k, c) in cases.enumerated() { try check(c, seed: UInt64(10 * k)) }
    }

    /// Products above `Parallel.minimumFlops` with at least four channels per worker: the forward tiles and the
    /// backward's channel ranges are split over the workers. The 30×30 maps give tiles inside one image and tiles
    /// across two; the 5×5 and 8×8 maps give tiles of several images.
    func testLargeShapesSplitOverWorkers() throws {
        let cases = [
            Case(batch: 3, channels: 9, height: 30, width: 30, outChannels: 6, kernel: 3, stride: 1, padding: Padding2D(1)),
            Case(batch: 5, channels: 16, height: 5, width: 5, outChannels: 80, kernel: 3, stride: 1, padding: Padding2D(1)),
            Case(batch: 2, channels: 12, height: 33, width: 31, outChannels: 24, kernel: 3, stride: 2,
                 padding: Padding2D(top: 0, bottom: 1, left: 0, right: 1)),
            // Stride 2 from phase planes, tiles starting and ending inside an image's 8×7 outputs.
            Case(batch: 4, channels: 16, height: 16, width: 14, outChannels: 32, kernel: 3, stride: 2, padding: Padding2D(1)),
            Case(batch: 4, channels: 24, height: 25, width: 23, outChannels: 32, kernel: 1, stride: 1, padding: Padding2D(0)),
            Case(batch: 7, channels: 64, height: 8, width: 8, outChannels: 64, kernel: 1, stride: 1, padding: Padding2D(0)),
            // 576 columns of 8×8 planes: the weight gradient's halves, one product per image.
            Case(batch: 9, channels: 48, height: 8, width: 8, outChannels: 48, kernel: 1, stride: 1, padding: Padding2D(0)),
            // Few output channels: direct sums split over (image, channel) pairs, the weight gradient over input channels.
            Case(batch: 3, channels: 40, height: 19, width: 21, outChannels: 3, kernel: 3, stride: 1, padding: Padding2D(1)),
        ]
        for (k, c) in cases.enumerated() {
            XCTAssertGreaterThanOrEqual(2 * c.outChannels * c.channels * c.kernel * c.kernel * c.batch * c.outputSize.0 * c.outputSize.1,
                                        Parallel.minimumFlops, c.name)
            let plan = try ConvolutionPlan(batch: c.batch, channels: c.channels, height: c.height, width: c.width,
                                           outChannels: c.outChannels, kernel: (c.kernel, c.kernel), stride: (c.stride, c.stride),
                                           padding: c.padding, outputSize: c.outputSize)
            XCTAssertEqual(plan.thin, c.outChannels == 3, "\(c.name): only the 3-output layer runs as direct sums")
            try check(c, seed: UInt64(100 + 10 * k))
        }
    }

    /// From `ConvolutionPlan.halvesColumns` columns, a weight gradient without an im2col input gradient (1×1 layers,
    /// Winograd's input gradient, inputs without a gradient) sums two halves of the columns: halves that cut an image
    /// in two, tiles spanning images, a stride-2 layer, an RGB stem (small enough to run both halves on one worker),
    /// and a 1×1 layer of 8×8 maps just below the threshold.
    func testWeightGradientByColumnHalves() throws {
        let cases = [
            (Case(batch: 3, channels: 3, height: 20, width: 19, outChannels: 32, kernel: 3, stride: 1, padding: Padding2D(1)), false),
            (Case(batch: 13, channels: 16, height: 13, width: 11, outChannels: 24, kernel: 3, stride: 2, padding: Padding2D(1)), false),
            (Case(batch: 9, channels: 32, height: 8, width: 8, outChannels: 64, kernel: 1, stride: 1, padding: Padding2D(0)), true),
            (Case(batch: 7, channels: 32, height: 8, width: 8, outChannels: 40, kernel: 1, stride: 1, padding: Padding2D(0)), true),
        ]
        for (k, (c, inputGradient)) in cases.enumerated() {
            let columns = c.batch * c.outputSize.0 * c.outputSize.1
            XCTAssertEqual(columns >= ConvolutionPlan.halvesColumns, k < 3, c.name)
            try check(c, seed: UInt64(500 + 10 * k), inputGradient: inputGradient)
        }
    }

    /// 3×3 stride-1 pad-1 convolutions with enough channels on maps large enough run by Winograd F(2×2, 3×3): odd
    /// sizes (the last tile row and column half in the padding), runs of tiles that end mid-row and blocks that span
    /// images, products split over the workers (the forward's tiles, the weight gradient's output channels), and a
    /// map whose weight gradient stays on im2col.
    func testWinogradShapes() throws {
        let cases = [
            Case(batch: 2, channels: 16, height: 33, width: 35, outChannels: 16, kernel: 3, stride: 1, padding: Padding2D(1)),
            Case(batch: 1, channels: 17, height: 32, width: 40, outChannels: 20, kernel: 3, stride: 1, padding: Padding2D(1)),
            Case(batch: 3, channels: 32, height: 32, width: 33, outChannels: 48, kernel: 3, stride: 1, padding: Padding2D(1)),
            // 16×16 with 128 channels: forward and input gradient by Winograd, the weight gradient by im2col.
            Case(batch: 2, channels: 128, height: 17, width: 16, outChannels: 128, kernel: 3, stride: 1, padding: Padding2D(1)),
        ]
        for (k, c) in cases.enumerated() {
            let plan = WinogradConvolution(batch: c.batch, channels: c.channels, outChannels: c.outChannels, height: c.height,
                                           width: c.width, kernel: (3, 3), stride: (1, 1), padding: c.padding)
            XCTAssertEqual(plan?.runsWeightGradient, c.height >= 32 && c.width >= 32, c.name)
            try check(c, seed: UInt64(300 + 10 * k))
        }
        XCTAssertNil(WinogradConvolution(batch: 8, channels: 64, outChannels: 64, height: 16, width: 16, kernel: (3, 3), stride: (1, 1),
                                         padding: Padding2D(1)), "16×16 maps with 64 channels stay on im2col")
    }

    /// A kernel column past a map's edge reads the padding, never the neighbouring row that follows in memory: with
    /// the last input column infinite, outputs that do not cover it stay finite; with the first output column's
    /// gradient infinite, the input gradient beyond its reach stays finite. Small maps (keep tables), stride 2 (phase
    /// planes) small and large, and a large map (wrapped positions fixed row by row).
    func testWrappedPositionsReadThePadding() throws {
        for (size, step) in [(4, 1), (8, 2), (40, 1), (40, 2), (80, 2)] {
            let name = "\(size)×\(size) stride \(step)"
            var values = try randomInput([2, 3, size, size], seed: 7).toArray()
            for i in stride(from: size - 1, to: values.count, by: size) { values[i] = .infinity }
            let x = try Tensor(values, shape: [2, 3, size, size]).requiresGrad()
            let y = try x.conv2d(weight: try randomInput([8, 3, 3, 3], seed: 8), bias: nil, stride: (step, step), padding: Padding2D(1))
            let width = y.shape[3]
            // Output column ox covers input columns step·ox - 1 ... step·ox + 1.
            let outputs = try y.toArray()
            let covering = outputs.indices.filter { step * ($0 % width) + 1 >= size - 1 }
            XCTAssertEqual(outputs.indices.filter { !outputs[$0].isFinite }, covering, name)
            var gradient = [Float](repeating: 0.5, count: outputs.count)
            for i in stride(from: 0, to: gradient.count, by: width) { gradient[i] = .infinity }
            try y.backward(gradient: try Tensor(gradient, shape: y.shape))
            let gx = try XCTUnwrap(x.grad).toArray()
            XCTAssertEqual(gx.indices.filter { !gx[$0].isFinite }, gx.indices.filter { $0 % size <= 1 }, name)
        }
    }

    /// Stride-2 tiles that start and end inside an image's plane and inside an output row (strided_columns splits only
    /// the input rows a tile reads): im2col tile by tile equals the column matrix by definition, and the adjoints of
    /// all tiles add up to its adjoint. The VQ's padding (0 at the top and left) and the UNet's (1), kernels 1 and 5,
    /// and 20×20 maps (keep tables for the wrapped positions) and 40×40 ones (wrapped positions fixed row by row). The
    /// planes' other rows, split or left over from the previous tile, may be read only at wrapped positions, which
    /// must give zeros.
    func testStridedTilesInsidePlanes() throws {
        let (batch, channels) = (3, 2)
        for (size, kernel, pad) in [(20, 3, 0), (20, 3, 1), (40, 3, 0), (40, 3, 1), (20, 1, 0), (20, 5, 2)] {
            let name = "\(size)×\(size) k\(kernel) pad \(pad)", taps = kernel * kernel
            let (h, w) = (size, size), (oh, ow) = (size / 2, size / 2), plane = oh * ow, columns = batch * plane
            var g = mv_conv_geometry(c: Int64(channels), h: Int64(h), w: Int64(w), kh: Int64(kernel), kw: Int64(kernel), sh: 2, sw: 2,
                                     ph: Int64(pad), pw: Int64(pad), oh: Int64(oh), ow: Int64(ow))
            let x = try randomInput([batch, channels, h, w], seed: 300).toArray(), rows = channels * taps
            // Row (c, ki, kj), column (image, oy, ox) of the column matrix, by definition.
            func entry(_ r: Int, _ j: Int) -> (Int?, Float) {
                let (c, ki, kj) = (r / taps, r % taps / kernel, r % kernel), (image, oy, ox) = (j / plane, j % plane / ow, j % ow)
                let iy = 2 * oy - pad + ki, ix = 2 * ox - pad + kj
                guard iy >= 0, iy < h, ix >= 0, ix < w else { return (nil, 0) }
                let at = ((image * channels + c) * h + iy) * w + ix
                return (at, x[at])
            }
            let gradientColumns = try randomInput([rows, columns], seed: 301).toArray()
            var expectedGradient = [Float](repeating: 0, count: x.count), gradient = expectedGradient
            for r in 0..<rows {
                for j in 0..<columns { if let at = entry(r, j).0 { expectedGradient[at] += gradientColumns[r * columns + j] } }
            }
            for j0 in stride(from: 0, to: columns, by: 37) {
                let cols = Swift.min(37, columns - j0)
                var tile = [Float](repeating: .nan, count: rows * cols)
                mv_im2col(x, &g, 0, Int64(channels), Int64(j0), Int64(cols), &tile)
                var gradientTile = (0..<rows).flatMap { r in gradientColumns[(r * columns + j0)..<(r * columns + j0 + cols)] }
                mv_col2im(&gradientTile, &g, 0, Int64(channels), Int64(j0), Int64(cols), &gradient)
                for r in 0..<rows {
                    for t in 0..<cols where tile[r * cols + t] != entry(r, j0 + t).1 {
                        return XCTFail("\(name): column \(j0 + t) row \(r) is \(tile[r * cols + t]), not \(entry(r, j0 + t).1)")
                    }
                }
            }
            assertClose(gradient, expectedGradient, tolerance: 1e-5, "\(name): the adjoint")
        }
    }

    /// The tiling must not change results beyond rounding: a batch equals its images convolved one at a time.
    func testBatchEqualsImagesOneAtATime() throws {
        let x = try randomInput([4, 16, 20, 20], seed: 200), w = try randomInput([24, 16, 3, 3], seed: 201)
        let b = try randomInput([24], seed: 202)
        let batch = try x.conv2d(weight: w, bias: b, padding: Padding2D(1))
        for i in 0..<4 {
            let one = try x.narrow(0, start: i, length: 1).conv2d(weight: w, bias: b, padding: Padding2D(1))
            assertClose(try batch.narrow(0, start: i, length: 1).toArray(), try one.toArray(), tolerance: 1e-6, "image \(i)")
        }
    }
}
