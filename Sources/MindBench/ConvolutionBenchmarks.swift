import Dispatch
import MindTensor

/// One convolution of the VQ or UNet `small` preset at batch 8: channels, kernel, stride, padding and input size,
/// and how many of it one forward pass of its model runs.
struct ConvolutionShape {
    let model: String
    let inChannels, outChannels, kernel, stride: Int
    let padding: Padding2D
    let size, count: Int

    init(model: String, inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Padding2D, size: Int, count: Int) {
        (self.model, self.inChannels, self.outChannels, self.kernel, self.stride) = (model, inChannels, outChannels, kernel, stride)
        (self.padding, self.size, self.count) = (padding, size, count)
    }

    /// The common case: symmetric padding that keeps the size at stride 1.
    init(_ model: String, _ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, size: Int, count: Int) {
        self.init(model: model, inChannels: inChannels, outChannels: outChannels, kernel: kernel, stride: stride,
                  padding: Padding2D(kernel / 2), size: size, count: count)
    }

    var outputSize: Int { (size + padding.top + padding.bottom - kernel) / stride + 1 }
    var name: String {
        "\(model) \(inChannels)->\(outChannels) \(kernel)x\(kernel)" + (stride > 1 ? " s\(stride)" : "") + " \(size)x\(size) (x\(count))"
    }
}

/// Every distinct convolution of the VQ `small` preset (64×64 images, ch 64, mult 1-2-2, one ResnetBlock per level)
/// and of the UNet `small` preset (16×16×3 latents, ch 64, mult 1-2-2, two ResBlocks per level), with counts per
/// forward pass. The VQ's downsampling convolutions pad only right and bottom.
let convolutionShapes: [ConvolutionShape] = [
    // VQ encoder and decoder
    ConvolutionShape("VQ", 3, 64, kernel: 3, size: 64, count: 1),
    ConvolutionShape("VQ", 64, 64, kernel: 3, size: 64, count: 5),
    ConvolutionShape(model: "VQ", inChannels: 64, outChannels: 64, kernel: 3, stride: 2,
                     padding: Padding2D(top: 0, bottom: 1, left: 0, right: 1), size: 64, count: 1),
    ConvolutionShape("VQ", 64, 128, kernel: 3, size: 32, count: 1),
    ConvolutionShape("VQ", 64, 128, kernel: 1, size: 32, count: 1),
    ConvolutionShape("VQ", 128, 128, kernel: 3, size: 32, count: 6),
    ConvolutionShape(model: "VQ", inChannels: 128, outChannels: 128, kernel: 3, stride: 2,
                     padding: Padding2D(top: 0, bottom: 1, left: 0, right: 1), size: 32, count: 1),
    ConvolutionShape("VQ", 128, 128, kernel: 3, size: 16, count: 14),
    ConvolutionShape("VQ", 128, 128, kernel: 1, size: 16, count: 8),
    ConvolutionShape("VQ", 128, 3, kernel: 3, size: 16, count: 1),
    ConvolutionShape("VQ", 3, 3, kernel: 1, size: 16, count: 2),
    ConvolutionShape("VQ", 3, 128, kernel: 3, size: 16, count: 1),
    ConvolutionShape("VQ", 128, 128, kernel: 3, size: 64, count: 1),
    ConvolutionShape("VQ", 128, 64, kernel: 3, size: 64, count: 1),
    ConvolutionShape("VQ", 128, 64, kernel: 1, size: 64, count: 1),
    ConvolutionShape("VQ", 64, 3, kernel: 3, size: 64, count: 1),
    // UNet input blocks, middle block, output blocks (skip concatenations give 192 and 256 input channels)
    ConvolutionShape("UNet", 3, 64, kernel: 3, size: 16, count: 1),
    ConvolutionShape("UNet", 64, 64, kernel: 3, size: 16, count: 7),
    ConvolutionShape("UNet", 64, 64, kernel: 3, stride: 2, size: 16, count: 1),
    ConvolutionShape("UNet", 64, 128, kernel: 3, size: 8, count: 1),
    ConvolutionShape("UNet", 64, 128, kernel: 1, size: 8, count: 1),
    ConvolutionShape("UNet", 128, 128, kernel: 3, size: 8, count: 7),
    ConvolutionShape("UNet", 128, 128, kernel: 1, size: 8, count: 10),
    ConvolutionShape("UNet", 128, 128, kernel: 3, stride: 2, size: 8, count: 1),
    ConvolutionShape("UNet", 128, 128, kernel: 3, size: 4, count: 11),
    ConvolutionShape("UNet", 128, 128, kernel: 1, size: 4, count: 12),
    ConvolutionShape("UNet", 256, 128, kernel: 3, size: 4, count: 3),
    ConvolutionShape("UNet", 256, 128, kernel: 1, size: 4, count: 3),
    ConvolutionShape("UNet", 256, 128, kernel: 3, size: 8, count: 2),
    ConvolutionShape("UNet", 256, 128, kernel: 1, size: 8, count: 2),
    ConvolutionShape("UNet", 192, 128, kernel: 3, size: 8, count: 1),
    ConvolutionShape("UNet", 192, 128, kernel: 1, size: 8, count: 1),
    ConvolutionShape("UNet", 128, 128, kernel: 3, size: 16, count: 1),
    ConvolutionShape("UNet", 192, 64, kernel: 3, size: 16, count: 1),
    ConvolutionShape("UNet", 192, 64, kernel: 1, size: 16, count: 1),
    ConvolutionShape("UNet", 128, 64, kernel: 3, size: 16, count: 2),
    ConvolutionShape("UNet", 128, 64, kernel: 1, size: 16, count: 2),
    ConvolutionShape("UNet", 64, 3, kernel: 3, size: 16, count: 1),
]

/// Forward pass, input gradient and weight gradient (with the bias gradient) of one convolution at `batch`, each
/// timed on its own: the gradients by a backward pass through a graph in which only that input needs a gradient.
func convolutionProducts(_ s: ConvolutionShape, batch: Int) throws -> [Measurement] {
    let gen = Generator(seed: 9)
    let x = try Tensor.randn([batch, s.inChannels, s.size, s.size], generator: gen)
    let w = try Tensor.randn([s.outChannels, s.inChannels, s.kernel, s.kernel], generator: gen)
    let b = try Tensor.randn([s.outChannels], generator: gen)
    let out = s.outputSize
    let gy = try Tensor.randn([batch, s.outChannels, out, out], generator: gen)
    let flops = 2 * Double(batch * s.outChannels * s.inChannels * s.kernel * s.kernel * out * out)
    func conv() throws -> Tensor { try x.conv2d(weight: w, bias: b, stride: (s.stride, s.stride), padding: s.padding) }
    // About 4 GFLOP per pass: small shapes get enough runs for a stable best (and for a profile of one shape).
    let repeats = Swift.min(Swift.max(Int(4e9 / flops), 5), 400)
    let forward = try time(repeats: repeats) { _ = try withNoGrad(conv) }
    func backward(through leaves: [Tensor]) throws -> Double {
        for t in [x, w, b] { try t.requiresGrad(leaves.contains { $0 === t }) }
        defer { for t in [x, w, b] { t.grad = nil; _ = try? t.requiresGrad(false) } }
        var best = Double.infinity
        for run in 0..<(repeats + 2) {
            for t in leaves { t.grad = nil }
            let y = try conv()
            let start = DispatchTime.now().uptimeNanoseconds
            try y.backward(gradient: gy)
            if run >= 2 { best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        }
        return best
    }
    return [Measurement(name: "\(s.name) fwd", flops: flops, seconds: forward),
            Measurement(name: "\(s.name) dX", flops: flops, seconds: try backward(through: [x])),
            Measurement(name: "\(s.name) dW+db", flops: flops, seconds: try backward(through: [w, b]))]
}

/// `convolutionProducts` of every shape in `rounds` rounds, with the sgemm peak measured between consecutive shapes.
/// On a shared host the machine's speed drifts by tens of percent within a run (seen: an opening peak of 86 GFLOP/s,
/// then passes at 1.5 of it, and passes on one code path at 155 and 198 GFLOP/s in consecutive rounds), so a fraction
/// against a peak measured seconds apart says more about the host than about the kernel. Each pass reports its best
/// and median time over the rounds and, as its fraction, the median over the rounds of its speed against the larger of
/// the peaks measured just before and just after it.
func convolutionProductsBesidePeaks(_ shapes: [ConvolutionShape], batch: Int, rounds: Int = 3) throws -> [Measurement] {
    print("conv passes: best and median time of \(rounds) rounds; fraction of peak: the median over the rounds of each"
          + " round's speed against the sgemm peak measured beside it")
    var runs: [[[Measurement]]] = shapes.map { _ in [] }, fractions: [[[Double]]] = shapes.map { _ in [] }
    var before = try sgemmPeak(size: 2048, warmup: 1).gflops
    for _ in 0..<rounds {
        for (i, s) in shapes.enumerated() {
            let passes = try convolutionProducts(s, batch: batch)
            let after = try sgemmPeak(size: 2048, warmup: 1).gflops
            runs[i].append(passes)
            fractions[i].append(passes.map { $0.gflops / Swift.max(before, after) })
            before = after
        }
    }
    return shapes.indices.flatMap { i in
        runs[i][0].indices.map { pass in
            let seconds = runs[i].map { $0[pass].seconds }.sorted(), fraction = fractions[i].map { $0[pass] }.sorted()
            let first = runs[i][0][pass]
            return Measurement(name: first.name, flops: first.flops, seconds: seconds[0], median: seconds[seconds.count / 2],
                               fractionOfPeak: fraction[fraction.count / 2])
        }
    }
}

/// The shapes that `WinogradConvolution` may take, run with Winograd where it is chosen and by im2col only, side by
/// side: `rounds` alternating rounds of `convolutionProducts` on each path; per pass the best and the median of the
/// rounds' times, and the speed-up of the best times (1.00× where the pass stays on im2col). GFLOP/s count the
/// direct convolution's multiply-adds on both paths.
func compareWinograd(batch: Int, rounds: Int = 3) throws {
    let shapes = convolutionShapes.filter {
        $0.kernel == 3 && $0.stride == 1 && Swift.min($0.inChannels, $0.outChannels) >= WinogradConvolution.minimumChannels
            && $0.size >= WinogradConvolution.wideSize
    }
    print("shape and pass".padding(toLength: 44, withPad: " ", startingAt: 0)
          + "   im2col best / median          Winograd best / median     speed-up")
    for s in shapes {
        var times: [Bool: [[Measurement]]] = [false: [], true: []]
        for _ in 0..<rounds {
            for winograd in [false, true] {
                times[winograd]!.append(try WinogradConvolution.$enabled.withValue(winograd) { try convolutionProducts(s, batch: batch) })
            }
        }
        for pass in 0..<3 {
            func stats(_ winograd: Bool) -> (best: Double, median: Double, flops: Double) {
                let runs = times[winograd]!.map { $0[pass].seconds }.sorted()
                return (runs[0], runs[runs.count / 2], times[winograd]![0][pass].flops)
            }
            let (a, b) = (stats(false), stats(true))
            print(times[true]![0][pass].name.padding(toLength: 44, withPad: " ", startingAt: 0)
                  + String(format: " %7.2f / %7.2f ms %6.1f GF/s  %7.2f / %7.2f ms %6.1f GF/s  %5.2fx",
                           a.best * 1e3, a.median * 1e3, a.flops / a.best / 1e9, b.best * 1e3, b.median * 1e3,
                           b.flops / b.best / 1e9, a.best / b.best))
        }
    }
}
