import Foundation
import MindTensor
import MindVis

// `swift run -c release MindBench [filter]`: the speed figures of DESIGN.md §4, each as GFLOP/s and as a
// fraction of the cblas_sgemm peak measured in the same run.
let filter = CommandLine.arguments.dropFirst().first

func report(_ m: Measurement, peak: Double) {
    let name = m.name.padding(toLength: 64, withPad: " ", startingAt: 0)
    print(name + String(format: "%9.2f ms %8.1f GFLOP/s %6.2f of peak", m.seconds * 1e3, m.gflops, m.gflops / peak))
}

do {
    print("MindBench — \(BLAS.configuration); \(BLAS.threading); \(ProcessInfo.processInfo.activeProcessorCount) cores")
    let peaks = try [512, 1024, 2048].map { try sgemmPeak(size: $0) }
    let peak = peaks.map(\.gflops).max() ?? 1
    for p in peaks { report(p, peak: peak) }
    print(String(format: "peak: %.1f GFLOP/s", peak))
    let benches: [(String, () throws -> Measurement)] = [
        ("matmul", { try engineMatmul(size: 1024) }),
        ("block", { try transformerBlockStep(batch: 32, tokens: 65, width: 256, heads: 8, mlpRatio: 4) }),
        ("conv", { try conv3x3Step(batch: 8, channels: 64, size: 32) }),
        ("mae", { try maeStep(preset: "small", voxels: 4096, batch: 32) }),
    ]
    for (name, run) in benches where filter == nil || name.contains(filter!) {
        report(try run(), peak: peak)
    }
} catch {
    FileHandle.standardError.write("MindBench: \(error)\n".data(using: .utf8)!)
    exit(1)
}
