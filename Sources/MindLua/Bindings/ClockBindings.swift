#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `mv.clock()`: wall-clock seconds for timing code. `os.clock()` measures the process's CPU time, which counts
/// every worker thread: with two cores busy it runs about twice as fast as real time.
enum ClockBindings: LuaBindingSet {
    static func install(_ state: LuaState) throws {
        try state.bind("mv", "clock", doc: """
            mv.clock() -> seconds
            Wall-clock time in seconds (monotonic, sub-microsecond) for timing: local t0 = mv.clock(); ...; print(mv.clock() - t0).
            Unlike os.clock(), which adds up the CPU time of every worker thread (about twice the wall time on 2 busy cores).
            """) { args in
            var now = timespec()
            clock_gettime(CLOCK_MONOTONIC, &now)
            return try args.returning(Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9)
        }
    }
}
