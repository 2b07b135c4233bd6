import LuaShim

/// Keeps the Lua collector in step with host memory it cannot see (DESIGN.md §2 rule 5): a tensor userdata is 8 bytes
/// to Lua but may own megabytes, so without help Lua would collect far too rarely and scripts would need
/// `collectgarbage()` in their loops.
///
/// Bindings call `LuaArgs.chargeAllocation(bytes:)` after allocating host memory on the Lua thread:
/// 1. the bytes are added to the collector's debt (`LUA_GCSTEP` with the size in KB), pacing incremental
///    collection to host allocation;
/// 2. if `liveBytesProvider` (injected by the tensor allocator) reports more than `softLimit` live bytes, a full
///    collection runs; if live bytes stay above 80% of the limit the limit grows by `growthFactor` (torch7's heap
///    tracking), so a genuinely large working set does not trigger a full collection per allocation.
public final class LuaMemoryPressure {
    /// Live host bytes owned by Lua-reachable objects (e.g. the tensor allocator's counter). Must be cheap and
    /// callable on the Lua thread; nil disables the soft limit.
    public var liveBytesProvider: (() -> Int)?
    public var softLimit: Int = 1 << 30
    public var growthFactor: Double = 1.4
    /// Number of full collections forced by the soft limit (for `mv.memory()`-style reporting and tests).
    public private(set) var forcedCollections = 0

    init() {}

    func charge(bytes: Int, on L: OpaquePointer) {
        let kilobytes = bytes / 1024
        if kilobytes > 0 {
            _ = mv_gc_step(L, Int32(clamping: kilobytes))
        }
        guard let liveBytesProvider, liveBytesProvider() > softLimit else { return }
        // Returns -1 (and does nothing) when called from a finalizer; the next allocation retries.
        guard mv_gc_collect(L) >= 0 else { return }
        forcedCollections += 1
        let live = Double(liveBytesProvider())
        var limit = Double(softLimit)
        while live > 0.8 * limit { limit *= growthFactor }
        softLimit = Int(min(limit, Double(Int.max / 2)))
    }
}
