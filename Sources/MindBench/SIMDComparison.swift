import CKernels
import Dispatch
import Foundation
import MindTensor

/// Run times of one workload on each SIMD path, measured side by side in one process: the paths take turns run
/// by run (and the order rotates each round), so the machine's drift (±15% over seconds here) reaches every path
/// alike. Only the kernels' path changes between runs; BLAS stays as it is.
struct PathTimes {
    let name: String
    let seconds: [SIMDPath: [Double]]

    func best(_ path: SIMDPath) -> Double { seconds[path]?.min() ?? .nan }

    func median(_ path: SIMDPath) -> Double {
        guard let runs = seconds[path]?.sorted(), !runs.isEmpty else { return .nan }
        return runs.count % 2 == 1 ? runs[runs.count / 2] : (runs[runs.count / 2 - 1] + runs[runs.count / 2]) / 2
    }
}

/// Times `body` `repeats` times on each of `paths`, alternating paths, after `warmup` untimed runs on each.
func sideBySide(_ name: String, paths: [SIMDPath], warmup: Int = 1, repeats: Int, _ body: () throws -> Void) throws -> PathTimes {
    for path in paths { try Kernels.withPath(path) { for _ in 0..<warmup { try body() } } }
    var seconds: [SIMDPath: [Double]] = [:]
    for round in 0..<repeats {
        for k in paths.indices {
            let path = paths[(k + round) % paths.count]
            let elapsed = try Kernels.withPath(path) { () throws -> Double in
                let start = DispatchTime.now().uptimeNanoseconds
                try body()
                return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            }
            seconds[path, default: []].append(elapsed)
        }
    }
    return PathTimes(name: name, seconds: seconds)
}

/// Prints one line per path: best and median time, the best rate (`amount` per second: GFLOP/s, GB/s), and the
/// ratio of medians against the AVX2 path (the one MindVis was written for).
func reportSideBySide(_ times: PathTimes, paths: [SIMDPath], unit: String, amount: Double) {
    print(times.name)
    let reference = paths.contains(.avx2) ? SIMDPath.avx2 : paths[0]
    for path in paths {
        let best = times.best(path), median = times.median(path)
        let line = "  \(path.rawValue)".padding(toLength: 10, withPad: " ", startingAt: 0)
            + String(format: "best %9.2f ms  median %9.2f ms  %7.1f %@ (best)  median vs %@: %.2fx", best * 1e3, median * 1e3,
                     amount / best / 1e9, unit, reference.rawValue, times.median(reference) / median)
        print(line)
    }
}

/// The MAE step and the 3x3 convolution on every path this CPU runs.
func compareTrainingSteps() throws {
    let paths = Kernels.availablePaths
    for (workload, repeats) in [(try maeStep(preset: "small", voxels: 4096, batch: 32), 7),
                                (try conv3x3Step(batch: 8, channels: 64, size: 32), 21)] {
        let times = try sideBySide(workload.name, paths: paths, repeats: repeats, workload.run)
        reportSideBySide(times, paths: paths, unit: "GFLOP/s", amount: workload.flops)
    }
}

/// A memory-bound kernel on one thread over buffers far larger than the caches, with the bytes it must read and
/// write per call (each operand counted once).
struct StreamingKernel {
    let name: String
    let bytes: Double
    let run: () -> Void
}

/// GB/s of the memory-bound kernels on one thread, against the copy bandwidth measured in the same run with the same
/// alternation: the better of glibc's memmove (the same on every path) and a kernel loop that copies with ordinary
/// vector loads and stores.
func compareStreamingKernels() throws {
    let n = 1 << 24, rows = n / 1024 // 64 MB per operand; rows of 1024 for the row kernels
    let floats = Double(n) * Double(MemoryLayout<Float>.size)
    // 64-byte aligned like the engine's tensors (CachingAllocator): with malloc's 16-byte alignment every
    // 64-byte AVX-512 access would straddle two cache lines.
    func buffer(_ value: Float, count: Int = n) -> UnsafeMutablePointer<Float> {
        let p = UnsafeMutableRawPointer.allocate(byteCount: count * MemoryLayout<Float>.size, alignment: 64)
            .bindMemory(to: Float.self, capacity: count)
        for i in 0..<count { p[i] = value * Float(i % 1000 + 1) / 1000 }
        return p
    }
    // Inputs a; outputs c, d; accumulators b; Adam's second moments v (kept positive).
    let a = buffer(0.5), b = buffer(-0.25), c = buffer(0.125), d = buffer(0.01), v = buffer(0.01)
    let weights = buffer(1, count: 1024), bias = buffer(0.1, count: 1024), stats = buffer(0, count: 2 * rows)
    defer { for p in [a, b, c, d, v, weights, bias, stats] { p.deallocate() } }
    let n64 = Int64(n)
    let kernels = [
        StreamingKernel(name: "copy (glibc memmove)", bytes: 2 * floats) { mv_copy(a, d, n64) },
        StreamingKernel(name: "copy loop y = x*1", bytes: 2 * floats) { mv_binary_scalar_rhs(BinaryOp.mul.rawValue, a, 1, d, n64) },
        StreamingKernel(name: "add_inplace y += x", bytes: 3 * floats) { mv_add_inplace(b, a, n64) },
        StreamingKernel(name: "axpy y += a*x", bytes: 3 * floats) { mv_axpy(1e-3, a, b, n64) },
        StreamingKernel(name: "scale_inplace", bytes: 2 * floats) { mv_scale_inplace(c, 1.0000001, n64) },
        StreamingKernel(name: "sum_all (double lanes)", bytes: floats) { _ = mv_sum_all(a, n64) },
        StreamingKernel(name: "relu", bytes: 2 * floats) { mv_unary(UnaryOp.relu.rawValue, a, c, n64) },
        StreamingKernel(name: "gelu with derivative", bytes: 3 * floats) {
            mv_unary_with_derivative(UnaryOp.geluErf.rawValue, a, c, d, n64)
        },
        StreamingKernel(name: "softmax rows of 1024", bytes: 2 * floats) { mv_softmax_rows(a, c, Int64(rows), 1024, 1) },
        StreamingKernel(name: "layer norm rows of 1024", bytes: 2 * floats) {
            mv_layernorm_forward(a, weights, bias, c, stats, stats + rows, Int64(rows), 1024, 1e-5)
        },
        StreamingKernel(name: "AdamW step", bytes: 7 * floats) {
            mv_adam_step(c, a, b, v, n64, 1e-4, 0.9, 0.95, 1e-8, 0.05, 1, 0.1, 0.05)
        },
    ]
    let paths = Kernels.availablePaths
    var copyBandwidth = 0.0
    for kernel in kernels {
        let times = try sideBySide("\(kernel.name), \(n) floats, 1 thread", paths: paths, repeats: 9, kernel.run)
        reportSideBySide(times, paths: paths, unit: "GB/s", amount: kernel.bytes)
        let best = paths.map { kernel.bytes / times.best($0) / 1e9 }.max() ?? .nan
        if kernel.name.hasPrefix("copy") {
            copyBandwidth = Swift.max(copyBandwidth, best)
        } else {
            print(String(format: "  best path at %.2f of the copy bandwidth (%.1f GB/s)", best / copyBandwidth, copyBandwidth))
        }
    }
}
