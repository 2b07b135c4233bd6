import LuaShim
import MindTensor

/// `mv.config()`: what this process computes with — the SIMD path of the kernels, the OpenBLAS core and build, the
/// worker threads — for bug reports and for checking that a machine uses its widest instructions.
enum ConfigBindings: LuaBindingSet {
    static func install(_ state: LuaState) throws {
        try state.bind("mv", "config", doc: """
            mv.config() -> {simd, simd_available, simd_best, blas_core, blas_config, threads, version, lua}
            The kernels' SIMD path (MINDVIS_SIMD=scalar|avx2|avx512 forces one), the paths this CPU supports, OpenBLAS's core and build, and the worker threads.
            """) { args in
            try args.returning(LuaValue.table([
                LuaTableEntry(key: "simd", value: .string(Kernels.simdPath.rawValue)),
                LuaTableEntry(key: "simd_available", value: .array(Kernels.availablePaths.map { .string($0.rawValue) })),
                LuaTableEntry(key: "simd_best", value: .string(Kernels.bestPath.rawValue)),
                LuaTableEntry(key: "blas_core", value: .string(BLAS.coreName)),
                LuaTableEntry(key: "blas_config", value: .string(BLAS.configuration)),
                LuaTableEntry(key: "threads", value: .integer(Parallel.workers)),
                LuaTableEntry(key: "version", value: .string(MindVisRuntime.version)),
                LuaTableEntry(key: "lua", value: .string(String(cString: mv_lua_release()))),
            ]))
        }
    }
}
