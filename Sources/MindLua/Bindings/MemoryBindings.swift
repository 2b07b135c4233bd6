import MindTensor

/// Tensor memory seen from Lua. Installing connects the tensor allocator's live-byte counter to the state's
/// `LuaMemoryPressure` (the soft limit that forces a full collection), while `BindingCall` charges each call's
/// allocations as collector debt. `mv.memory()` reports {live, peak, cached, lua} in bytes, `mv.empty_cache()`
/// returns idle cached buffers to the system, `mv.reset_peak_memory()` restarts the peak at the live size.
enum MemoryBindings {
    static func install(_ state: LuaState) throws {
        state.memory.liveBytesProvider = { CachingAllocator.shared.statistics.liveBytes }
        try state.bind("mv", "memory", doc: """
            mv.memory() -> {live =, peak =, cached =, lua =, forced_collections =}
            Memory use in bytes: tensor storage live now and at its peak, freed buffers cached for reuse, and the Lua interpreter's own.
            peak counts since the start or mv.reset_peak_memory(); forced_collections: full collections forced by the soft limit on tensor memory.
            Tensors are freed when Lua collects them; mv.empty_cache() returns the cached bytes to the system.
            """) { args in
            let statistics = CachingAllocator.shared.statistics
            let owner = LuaState.owning(args.L)
            return try args.returning([
                "live": statistics.liveBytes, "peak": statistics.peakBytes, "cached": statistics.cachedBytes,
                "lua": owner.luaMemoryBytes, "forced_collections": owner.memory.forcedCollections,
            ])
        }
        try state.bind("mv", "empty_cache", doc: """
            mv.empty_cache()
            Returns the allocator's cached (idle) tensor buffers to the system, as torch.cuda.empty_cache; live tensors are untouched.
            """) { _ in
            CachingAllocator.shared.emptyCache()
            return .none
        }
        try state.bind("mv", "reset_peak_memory", doc: """
            mv.reset_peak_memory()
            Restarts the peak reported by mv.memory() at the current live size, to measure one phase (torch.cuda.reset_peak_memory_stats).
            """) { _ in
            CachingAllocator.shared.resetPeak()
            return .none
        }
    }
}
