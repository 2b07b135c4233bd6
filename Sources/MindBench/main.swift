import Foundation
import MindTensor
import MindVis

// `swift run -c release MindBench [filter [shape filter]]`: the speed figures of DESIGN.md §4, each as GFLOP/s and as a
// fraction of the cblas_sgemm peak measured in the same run; `simd` compares the kernels' SIMD paths instead
// (best and median per path, GFLOP/s or GB/s).
let filter = CommandLine.arguments.dropFirst().first
/// `conv` only: a second argument keeps the shapes whose names contain it (e.g. `conv "1x1 16x16"`), for profiling one.
let shapeFilter = CommandLine.arguments.dropFirst(2).first

func report(_ m: Measurement, peak: Double) {
    let name = m.name.padding(toLength: 64, withPad: " ", startingAt: 0)
    let median = m.median.map { String(format: "  median %.2f ms", $0 * 1e3) } ?? ""
    let fraction = m.fractionOfPeak ?? m.gflops / peak
    print(name + String(format: "%9.2f ms %8.1f GFLOP/s %6.2f of peak", m.seconds * 1e3, m.gflops, fraction) + median)
}

do {
    print("MindBench — \(ProcessInfo.processInfo.activeProcessorCount) cores\n\(BLAS.summary)\n\(Kernels.summary)")
    let peaks = try [512, 1024, 2048].map { try sgemmPeak(size: $0) }
    let peak = peaks.map(\.gflops).max() ?? 1
    for p in peaks { report(p, peak: peak) }
    print(String(format: "peak: %.1f GFLOP/s", peak))
    // The linear layers of the MAE step (small preset, V 4096, B 32: 2,080 visible-token rows in the encoder,
    // 8,224 rows in the decoder), by shape: where the step's GEMM time goes.
    let linearShapes: [(String, Int, Int, Int)] = [
        ("encoder qkv", 2080, 256, 768), ("encoder proj", 2080, 256, 256), ("encoder fc1", 2080, 256, 1024),
        ("encoder fc2", 2080, 1024, 256), ("decoder qkv", 8224, 128, 384), ("decoder proj", 8224, 128, 128),
        ("decoder fc1", 8224, 128, 512), ("decoder fc2", 8224, 512, 128),
    ]
    let benches: [(String, () throws -> [Measurement])] = [
        ("handoff", { parallelRegionHandOff(); return [] }),
        ("matmul", { [try engineMatmul(size: 1024)] }),
        ("block", { [try transformerBlockStep(batch: 32, tokens: 65, width: 256, heads: 8, mlpRatio: 4)] }),
        ("conv", {
            try [conv3x3Step(batch: 8, channels: 64, size: 32).measure(repeats: 20)]
                + convolutionProductsBesidePeaks(convolutionShapes.filter { shapeFilter.map($0.name.contains) ?? true }, batch: 8)
        }),
        // Winograd F(2×2, 3×3) against im2col on the shapes it takes, side by side.
        ("winograd", { try compareWinograd(batch: 8); return [] }),
        ("mae", { [try maeStep(preset: "small", voxels: 4096, batch: 32).measure(repeats: 5)] }),
        // The VQ step with and without Winograd convolutions, alternating.
        ("vq", {
            let im2col = { try WinogradConvolution.$enabled.withValue(false) { try vqStep(batch: 8, note: " im2col only") } }
            return [try vqStep(batch: 8), try im2col(), try vqStep(batch: 8), try im2col(), try vqPaperInference()]
        }),
        // The kernels' SIMD paths side by side (issue 19): steps on each path, then memory-bound kernels in GB/s.
        ("simd-steps", { try compareTrainingSteps(); return [] }),
        ("simd-bandwidth", { try compareStreamingKernels(); return [] }),
        ("unet", { [try unetForward(batch: 8), try unetTrainingStep(batch: 8)] }),
        ("plms", { [try plmsPerImage(steps: 50, batch: 1), try plmsPerImage(steps: 50, batch: 8), try plmsPerImage(steps: 250, batch: 8)] }),
        ("stageb", { [try stageBStep(batch: 8), try stageBGenerationPerImage(steps: 50), try stageBGenerationPerImage(steps: 250)] }),
        ("paper-generation", { [try paperUNetCallPerImage()] }),
        ("linear", {
            try linearShapes.flatMap { label, rows, i, o in try linearProducts(rows: rows, inFeatures: i, outFeatures: o, label: label) }
        }),
    ]
    for (name, run) in benches where filter == nil || name.contains(filter!) {
        for m in try run() { report(m, peak: peak) }
    }
    if filter == "unet-memory" { for line in try unetTrainingPeakMemory(batch: 8) { print(line) } }
} catch {
    FileHandle.standardError.write("MindBench: \(error)\n".data(using: .utf8)!)
    exit(1)
}
