import COpenBLAS
import Foundation
import MindTensor
import MindVis

/// One measured kernel: useful floating-point operations per call and the best time of several runs (and their
/// median, for the comparisons with PyTorch, which report both).
struct Measurement {
    let name: String
    let flops: Double
    let seconds: Double
    var median: Double? = nil
    /// The fraction of the sgemm peak, when the benchmark measures it against peaks of its own (`conv`) rather than
    /// the run's opening peak.
    var fractionOfPeak: Double? = nil
    var gflops: Double { flops / seconds / 1e9 }
}

/// Wall times of `repeats` calls of `body`, sorted, after `warmup` untimed calls (first calls fill caches and
/// the allocator).
func runTimes(warmup: Int = 2, repeats: Int, _ body: () throws -> Void) rethrows -> [Double] {
    for _ in 0..<warmup { try body() }
    var seconds: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        seconds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return seconds.sorted()
}

/// Best-of-`repeats` wall time of `body` (the best run is the least disturbed by the other processes on the machine).
func time(warmup: Int = 2, repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    try runTimes(warmup: warmup, repeats: repeats, body).first ?? .nan
}

/// A measurement with the best and the median of `repeats` runs.
func measureWithMedian(_ name: String, flops: Double, repeats: Int, _ body: () throws -> Void) rethrows -> Measurement {
    let runs = try runTimes(repeats: repeats, body)
    return Measurement(name: name, flops: flops, seconds: runs.first ?? .nan, median: runs.isEmpty ? nil : runs[runs.count / 2])
}

/// The number of trainable values of a model, for the names of the model benchmarks (PyTorch prints its own).
func parameterCount(_ model: Module) -> Int { model.parameters().reduce(0) { $0 + $1.numel } }

/// cblas_sgemm on square matrices with OpenBLAS's own threads on every core: the machine's attainable
/// peak for this run (the engine itself runs OpenBLAS single-threaded and splits products over its workers).
func sgemmPeak(size n: Int, warmup: Int = 2) throws -> Measurement {
    let a = try Tensor.rand([n, n]), b = try Tensor.rand([n, n]), c = try Tensor.zeros([n, n])
    let saved = openblas_get_num_threads()
    openblas_set_num_threads(Int32(ProcessInfo.processInfo.activeProcessorCount))
    defer { openblas_set_num_threads(saved) }
    let seconds = time(warmup: warmup, repeats: n >= 2048 ? 3 : 10) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(n), Int32(n), Int32(n), 1, a.data, Int32(n),
                    b.data, Int32(n), 0, c.data, Int32(n))
    }
    return Measurement(name: "cblas_sgemm \(n)x\(n)x\(n)", flops: 2 * pow(Double(n), 3), seconds: seconds)
}

/// The engine's matrix product on the same square shape (OpenBLAS single-threaded, split over the workers).
func engineMatmul(size n: Int) throws -> Measurement {
    let a = try Tensor.rand([n, n]), b = try Tensor.rand([n, n])
    let seconds = try time(repeats: n >= 2048 ? 3 : 10) { _ = try a.matmul(b) }
    return Measurement(name: "matmul \(n)x\(n)x\(n)", flops: 2 * pow(Double(n), 3), seconds: seconds)
}

/// One training step of a pre-norm transformer block: forward, backward, AdamW.
func transformerBlockStep(batch: Int, tokens: Int, width: Int, heads: Int, mlpRatio: Double) throws -> Measurement {
    let gen = Generator(seed: 1)
    let block = try TransformerBlock(dim: width, heads: heads, mlpRatio: mlpRatio, generator: gen)
    let opt = try Adam.adamW(block.parameters(), lr: 1e-4, betas: (0.9, 0.95), weightDecay: 0.05)
    let x = try Tensor.randn([batch, tokens, width], generator: gen).requiresGrad()
    let seconds = try time(repeats: 20) {
        opt.zeroGrad()
        x.grad = nil
        let loss = try block(x).mean()
        try loss.backward()
        try opt.step()
    }
    let n = Double(batch * tokens), d = Double(width), hidden = Double(width) * mlpRatio
    let linear = 2 * n * d * (3 * d + d + 2 * hidden)
    let attention = 4 * Double(batch) * Double(tokens * tokens) * d
    return Measurement(name: "transformer block B=\(batch) T=\(tokens) D=\(width) H=\(heads) mlp=\(mlpRatio)",
                       flops: 3 * (linear + attention), seconds: seconds)
}

/// A named piece of work to time, and the useful floating-point operations of one run.
struct Workload {
    let name: String
    let flops: Double
    let run: () throws -> Void

    /// Best of `repeats` runs after the default warm-up.
    func measure(repeats: Int) throws -> Measurement {
        Measurement(name: name, flops: flops, seconds: try time(repeats: repeats, run))
    }
}

/// A 3x3 same-padded convolution, forward and backward (input and weight gradients).
func conv3x3Step(batch: Int, channels: Int, size: Int) throws -> Workload {
    let gen = Generator(seed: 2)
    let conv = try Conv2d(channels, channels, kernelSize: 3, padding: 1, generator: gen)
    let x = try Tensor.randn([batch, channels, size, size], generator: gen).requiresGrad()
    let forward = 2 * Double(batch * channels * channels * 9 * size * size)
    return Workload(name: "conv2d 3x3 B=\(batch) C=\(channels) \(size)x\(size) fwd+bwd", flops: 3 * forward) {
        x.grad = nil
        conv.weight.grad = nil
        conv.bias?.grad = nil
        try conv(x).sum().backward()
    }
}

/// One stage-A1 training step of the MAE (forward with masking, backward, gradient clipping, AdamW):
/// the `small` preset on 4096 voxels at batch 32, as in the benchmark of the stage-A issue.
func maeStep(preset: String, voxels: Int, batch: Int) throws -> Workload {
    let gen = Generator(seed: 3)
    let mae = try MaskedAutoencoder(MAEConfig(["preset": .string(preset), "num_voxels": .int(voxels)]), generator: gen)
    let opt = try Adam(groups: weightDecayGroups(mae.namedParameters(), lr: 2.5e-4, weightDecay: 0.05), betas: (0.9, 0.95),
                       decoupledWeightDecay: true)
    let x = try Tensor.randn([batch, 1, voxels], generator: gen)
    // Matrix-product FLOPs of forward (x3 for forward + backward), as for the transformer block.
    let c = mae.config, l = c.numPatches, keep = Int(Double(l) * 0.25)
    func blockFlops(tokens: Int, width: Int) -> Double {
        let n = Double(batch * tokens), d = Double(width), hidden = d * c.mlpRatio
        return 2 * n * d * (4 * d + 2 * hidden) + 4 * Double(batch) * Double(tokens * tokens) * d
    }
    let encoder = Double(c.depth) * blockFlops(tokens: keep + 1, width: c.embedDim)
    let decoder = Double(c.decoderDepth) * blockFlops(tokens: l + 1, width: c.decoderEmbedDim)
    let projections = 2 * Double(batch) * (Double(l * c.patchSize * c.embedDim) + Double((keep + 1) * c.embedDim * c.decoderEmbedDim)
        + Double((l + 1) * c.decoderEmbedDim * c.patchSize))
    return Workload(name: "MAE A1 step \(preset) V=\(voxels) B=\(batch)", flops: 3 * (encoder + decoder + projections)) {
        opt.zeroGrad()
        let loss = try mae(x, maskRatio: 0.75, generator: gen).loss
        try loss.backward()
        try clipGradNorm(mae.trainableParameters(), maxNorm: 0.8)
        try opt.step()
    }
}

/// The three products of one linear layer of the MAE step — forward (X Wᵀ), input gradient (dY W) and weight
/// gradient (dYᵀ X) — each through `BLAS.sgemm`, split over the workers as in training.
func linearProducts(rows: Int, inFeatures: Int, outFeatures: Int, label: String) throws -> [Measurement] {
    let x = try Tensor.rand([rows, inFeatures]), w = try Tensor.rand([outFeatures, inFeatures])
    let dy = try Tensor.rand([rows, outFeatures])
    let y = try Tensor.zeros([rows, outFeatures]), dx = try Tensor.zeros([rows, inFeatures]), dw = try Tensor.zeros([outFeatures, inFeatures])
    let flops = 2 * Double(rows) * Double(inFeatures) * Double(outFeatures)
    let (n, i, o) = (rows, inFeatures, outFeatures)
    let forward = time(repeats: 10) {
        BLAS.sgemm(transposeB: true, m: n, n: o, k: i, a: x.data, lda: i, b: w.data, ldb: i, c: y.data, ldc: o)
    }
    let inputGradient = time(repeats: 10) {
        BLAS.sgemm(m: n, n: i, k: o, a: dy.data, lda: o, b: w.data, ldb: i, c: dx.data, ldc: i)
    }
    let weightGradient = time(repeats: 10) {
        BLAS.sgemm(transposeA: true, m: o, n: i, k: n, a: dy.data, lda: o, b: x.data, ldb: i, c: dw.data, ldc: i)
    }
    let shape = "\(label) \(n)x\(i)->\(o)"
    return [Measurement(name: "\(shape) X·Wt", flops: flops, seconds: forward),
            Measurement(name: "\(shape) dY·W", flops: flops, seconds: inputGradient),
            Measurement(name: "\(shape) dYt·X", flops: flops, seconds: weightGradient)]
}

/// One first-stage training step (forward, backward, Adam): the VQ `small` preset (ch 64, mult 1-2-2, one
/// ResnetBlock per level, f = 4) on 64×64 images at batch 8, as in the VQ issue's benchmark.
func vqStep(batch: Int, note: String = "") throws -> Measurement {
    let gen = Generator(seed: 4)
    let model = try VQModel(VQConfig(["preset": .string("small")]), generator: gen)
    let trainer = try VQTrainer(model: model, data: Tensor.rand([batch, 3, 64, 64], low: -1, high: 1, generator: gen),
                                config: VQTrainingConfig(["batch_size": .int(batch)]))
    return try measureWithMedian("VQ step small 64x64 B=\(batch) fwd+bwd+Adam (\(parameterCount(model)) parameters)\(note)",
                                 flops: 3 * Double(batch) * vqForwardFlops(model), repeats: 5) {
        let loss = try trainer.losses(trainer.data).total
        trainer.optimizer.zeroGrad()
        try loss.backward()
        try trainer.optimizer.step()
    }
}

/// FLOPs of a VQ forward for one image: every convolution at its output size, and attention's four 1×1
/// projections and two T×T products.
func vqForwardFlops(_ model: VQModel) -> Double {
    func conv(_ c: Conv2d, _ side: Int) -> Double { 2 * Double(c.inChannels * c.outChannels * c.kernelSize * c.kernelSize * side * side) }
    func resnet(_ b: ResnetBlock, _ side: Int) -> Double { conv(b.conv1, side) + conv(b.conv2, side) + (b.ninShortcut.map { conv($0, side) } ?? 0) }
    func attention(_ a: AttnBlock, _ side: Int) -> Double {
        let t = Double(side * side), c = Double(a.channels)
        return 8 * t * c * c + 4 * t * t * c
    }
    func level(_ l: ResolutionLevel, _ side: Int) -> Double {
        var f = l.block.items.reduce(0) { $0 + resnet($1, side) } + l.attn.items.reduce(0) { $0 + attention($1, side) }
        if let d = l.downsample { f += conv(d.conv, side / 2) }
        if let u = l.upsample { f += conv(u.conv, side * 2) }
        return f
    }
    func mid(_ m: MiddleBlock, _ side: Int) -> Double { resnet(m.block1, side) + attention(m.attn1, side) + resnet(m.block2, side) }
    let r = model.config.ddconfig.resolution, z = model.config.latentSize
    var f = conv(model.encoder.convIn, r) + mid(model.encoder.mid, z) + conv(model.encoder.convOut, z)
    f += conv(model.quantConv, z) + conv(model.postQuantConv, z)
    f += conv(model.decoder.convIn, z) + mid(model.decoder.mid, z) + conv(model.decoder.convOut, r)
    for (i, l) in model.encoder.down.items.enumerated() { f += level(l, r >> i) }
    for (i, l) in model.decoder.up.items.enumerated() { f += level(l, r >> i) }
    return f
}

/// Inference of the `paper` first stage (the LDM's f = 4 model) on one 256×256 image — encode, quantise, decode
/// without gradients — with the allocator's peak in the name: the middle attentions over 64×64 = 4,096 tokens
/// run the online softmax and never hold their 4,096² probabilities.
func vqPaperInference() throws -> Measurement {
    let gen = Generator(seed: 5)
    let model = try VQModel(VQConfig(["preset": .string("paper")]), generator: gen)
    model.eval()
    let image = try Tensor.rand([1, 3, 256, 256], low: -1, high: 1, generator: gen)
    CachingAllocator.shared.resetPeak()
    let seconds = try time(warmup: 0, repeats: 1) { _ = try model.reconstruct(image, batchSize: 1) }
    let peak = Double(CachingAllocator.shared.statistics.peakBytes) / Double(1 << 20)
    return Measurement(name: String(format: "VQ paper 256x256 encode+decode B=1 (peak %.0f MB)", peak), flops: vqForwardFlops(model), seconds: seconds)
}

/// The cost of one parallel region, printed in µs: `Parallel.forEachChunk` over the workers with a body that only
/// touches its range, timed back to back (the worker thread still spinning: a UNet training step opens about 1,500
/// regions) and after 1 ms of idling (the worker parked: the first region after serial work).
func parallelRegionHandOff(regions: Int = 20_000) {
    var sink = [Int](repeating: 0, count: 2 * 64)
    sink.withUnsafeMutableBufferPointer { slots in
        func region() { Parallel.forEachChunk(2) { range, worker in slots[worker * 64] &+= range.count } }
        let hot = time(repeats: 5) { for _ in 0..<regions { region() } } / Double(regions)
        var colds: [Double] = []
        for _ in 0..<200 {
            usleep(1000)
            let start = DispatchTime.now().uptimeNanoseconds
            region()
            colds.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        colds.sort()
        print(String(format: "parallel region hand-off, %d workers: %.2f µs back to back; after 1 ms idle: best %.1f µs, median %.1f µs",
                     Parallel.workers, hot * 1e6, colds[0] * 1e6, colds[colds.count / 2] * 1e6))
    }
}
