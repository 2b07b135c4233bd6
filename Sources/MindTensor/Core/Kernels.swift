import CKernels
import Foundation

/// An instruction-set variant of the C kernels (CKernels): the portable C baseline every build has, and on
/// x86-64 Linux the AVX2+FMA and AVX-512 (F/BW/DQ/VL) variants. The raw value is the name `MINDVIS_SIMD` takes.
public enum SIMDPath: String, CaseIterable, Sendable {
    case scalar, avx2, avx512

    var index: Int32 {
        switch self {
        case .scalar: return Int32(MV_SIMD_SCALAR.rawValue)
        case .avx2: return Int32(MV_SIMD_AVX2.rawValue)
        case .avx512: return Int32(MV_SIMD_AVX512.rawValue)
        }
    }

    init?(index: Int32) {
        guard let path = SIMDPath.allCases.first(where: { $0.index == index }) else { return nil }
        self = path
    }
}

/// Which variant of the C kernels runs. At start-up (before `main`) every process takes the widest path the CPU
/// runs, or the one the environment variable `MINDVIS_SIMD` names when the CPU runs it; `mindvis` refuses to
/// start when the setting cannot be honoured (`verifyEnvironmentSetting`).
public enum Kernels {
    /// The environment variable that forces a path (for tests and bug reports).
    public static let environmentVariable = "MINDVIS_SIMD"

    /// The path every kernel runs now.
    public static var simdPath: SIMDPath {
        SIMDPath(index: mv_simd_active_path()) ?? .scalar
    }

    /// The paths this build has and this CPU runs, narrowest first; `scalar` is always among them.
    public static var availablePaths: [SIMDPath] {
        SIMDPath.allCases.filter { mv_simd_path_supported($0.index) != 0 }
    }

    /// The paths compiled into this build (on x86-64 Linux all three; elsewhere only `scalar`).
    public static var compiledPaths: [SIMDPath] {
        SIMDPath.allCases.filter { mv_simd_path_compiled($0.index) != 0 }
    }

    /// The widest available path: the one that runs unless `MINDVIS_SIMD` says otherwise.
    public static var bestPath: SIMDPath {
        SIMDPath(index: mv_simd_best_path()) ?? .scalar
    }

    /// The path a `MINDVIS_SIMD` value selects on this machine: the best one for no value (or an empty one),
    /// else the named path. Throws for a name that is no path, a path this build lacks, or one the CPU lacks.
    public static func path(forSetting value: String?) throws -> SIMDPath {
        try path(forSetting: value, compiled: compiledPaths, available: availablePaths)
    }

    /// `path(forSetting:)` for a given build and CPU, so that every outcome can be tested on any machine.
    static func path(forSetting value: String?, compiled: [SIMDPath], available: [SIMDPath]) throws -> SIMDPath {
        guard let value, !value.isEmpty else { return available.last ?? .scalar }
        return try withErrorContext("\(environmentVariable)=\(value)") {
            // The C side parses the name at start-up with the same function.
            guard let path = SIMDPath(index: mv_simd_path_named(value)) else {
                let names = SIMDPath.allCases.map(\.rawValue).joined(separator: ", ")
                throw TensorError("unknown SIMD path; expected one of \(names) (this machine runs \(list(available)))")
            }
            try checkAvailable(path, compiled: compiled, available: available)
            return path
        }
    }

    /// Throws why `path` cannot run here, if it cannot.
    static func checkAvailable(_ path: SIMDPath, compiled: [SIMDPath], available: [SIMDPath]) throws {
        guard compiled.contains(path) else {
            throw TensorError("this build has no \(path.rawValue) kernels (they are built on x86-64 Linux with glibc 2.35 "
                + "or newer); it runs \(list(available))")
        }
        guard available.contains(path) else {
            throw TensorError("this CPU cannot run the \(path.rawValue) kernels; it runs \(list(available))")
        }
    }

    private static func list(_ paths: [SIMDPath]) -> String { paths.map(\.rawValue).joined(separator: ", ") }

    /// Throws the reason when this process's `MINDVIS_SIMD` could not be honoured at start-up (the kernels then
    /// run the best path instead). `mindvis` calls it first and exits 1 with the message.
    public static func verifyEnvironmentSetting() throws {
        _ = try path(forSetting: ProcessInfo.processInfo.environment[environmentVariable])
    }

    /// Runs every kernel on `path` from now on (benchmarks, tests). Call it only while no kernel runs on another
    /// thread. Throws if the path is not available here.
    public static func use(_ path: SIMDPath) throws {
        try withErrorContext("SIMD path \(path.rawValue)") {
            try checkAvailable(path, compiled: compiledPaths, available: availablePaths)
        }
        // Cannot fail after the check: the C side tests the same two conditions.
        precondition(mv_simd_use_path(path.index) == 0, "mv_simd_use_path refused an available path")
    }

    /// Runs `body` with every kernel on `path`, then returns to the path that ran before.
    public static func withPath<T>(_ path: SIMDPath, _ body: () throws -> T) throws -> T {
        let previous = simdPath
        try use(path)
        defer { try? use(previous) }
        return try body()
    }

    /// One line for `mindvis --version` and benchmarks, e.g. `SIMD: avx512 (available: scalar, avx2, avx512)`, noting a
    /// path forced by `MINDVIS_SIMD`.
    public static var summary: String {
        let setting = ProcessInfo.processInfo.environment[environmentVariable] ?? ""
        let forced = setting.isEmpty ? "" : "; \(environmentVariable)=\(setting)"
        return "SIMD: \(simdPath.rawValue) (available: \(list(availablePaths))\(forced))"
    }
}
