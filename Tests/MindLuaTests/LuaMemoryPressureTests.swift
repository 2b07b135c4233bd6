import XCTest
@testable import MindLua

/// Charging host allocations to the Lua collector keeps host memory bounded without `collectgarbage()`.
final class LuaMemoryPressureTests: XCTestCase {
    /// Stands in for a tensor: owns `bytes` of (pretend) host memory the Lua GC cannot see.
    final class Blob {
        static var liveBytes = 0
        static var peakBytes = 0
        let bytes: Int
        init(bytes: Int) {
            self.bytes = bytes
            Blob.liveBytes += bytes
            Blob.peakBytes = max(Blob.peakBytes, Blob.liveBytes)
        }
        deinit { Blob.liveBytes -= bytes }
    }

    private func makeState(charging: Bool) throws -> LuaState {
        Blob.liveBytes = 0
        Blob.peakBytes = 0
        let state = LuaState()
        try state.register(LuaUserdataType<Blob>(name: "Blob"))
        try state.register(table: "t", name: "blob") { args in
            let blob = Blob(bytes: try args.integer(1, "bytes", min: 0))
            if charging { args.chargeAllocation(bytes: blob.bytes) }
            return try args.returning(object: blob)
        }
        return state
    }

    private let loop = "for i = 1, 400 do local b = t.blob(8 * 1024 * 1024) end"
    private let total = 400 * 8 * 1024 * 1024

    func testWithoutChargingTheCollectorLagsFarBehind() throws {
        let state = try makeState(charging: false)
        try state.run(chunk: loop)
        XCTAssertGreaterThan(Blob.peakBytes, total / 2)
        _ = state
    }

    func testDebtSteppingBoundsLiveHostMemory() throws {
        let state = try makeState(charging: true)
        try state.run(chunk: loop)
        XCTAssertLessThan(Blob.peakBytes, total / 8, "peak \(Blob.peakBytes >> 20) MiB of \(total >> 20) MiB allocated")
        XCTAssertEqual(state.memory.forcedCollections, 0)
    }

    func testLuaMemoryCountGrowsWithLuaAllocations() throws {
        let state = LuaState()
        let before = state.luaMemoryBytes
        try state.run(chunk: "big = {}; for i = 1, 100000 do big[i] = i end")
        XCTAssertGreaterThan(state.luaMemoryBytes, before + 100_000 * 8)
        try state.run(chunk: "big = nil")
        state.collectGarbage()
        XCTAssertLessThan(state.luaMemoryBytes, before + 100_000)
    }

    func testSoftLimitForcesFullCollectionsAndGrowsForLargeWorkingSets() throws {
        let state = try makeState(charging: true)
        state.memory.liveBytesProvider = { Blob.liveBytes }
        state.memory.softLimit = 32 << 20
        // Keep 4 blobs alive at any time (a working set of 32 MiB), so the limit has to grow above it.
        try state.run(chunk: """
            local window = {}
            for i = 1, 200 do window[i % 4] = t.blob(8 * 1024 * 1024) end
            """)
        XCTAssertGreaterThan(state.memory.forcedCollections, 0)
        XCTAssertGreaterThan(state.memory.softLimit, 32 << 20)
        XCTAssertLessThanOrEqual(Blob.peakBytes, 2 * state.memory.softLimit)
    }
}
