import MindTensor

/// Tensor memory seen from Lua. Installing connects the tensor allocator's live-byte counter to the state's
/// `LuaMemoryPressure` (the soft limit that forces a full collection), while `BindingCall` charges each call's
/// allocations as collector debt. `mv.memory()` reports {live, peak, cached, lua} in bytes, `mv.empty_cache()`
/// returns idle cached buffers to the system, `mv.reset_peak_memory()` restarts the peak at the live size.
enum MemoryBindings {
    static func install(_ state: LuaState) throws {
        state.memory.liveBytesProvider = { CachingAllocator.shared.statistics.liveBytes }
        try state.register(table: "mv", name: "memory") { args in
            let statistics = CachingAllocator.shared.statistics
            let owner = LuaState.owning(args.L)
            return try args.returning([
                "live": statistics.liveBytes, "peak": statistics.peakBytes, "cached": statistics.cachedBytes,
                "lua": owner.luaMemoryBytes, "forced_collections": owner.memory.forcedCollections,
            ])
        }
        try state.register(table: "mv", name: "empty_cache") { _ in
            CachingAllocator.shared.emptyCache()
            return .none
        }
        try state.register(table: "mv", name: "reset_peak_memory") { _ in
            CachingAllocator.shared.resetPeak()
            return .none
        }
    }
}
