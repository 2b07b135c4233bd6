import Foundation

// DEMO ONLY. These bindings exist to prove the machinery (argument checking, options, callbacks, userdata,
// interrupts) end to end. Delete this file, its entry in `MindVisRuntime.bindingInstallers`, and
// Tests/MindLuaTests/DemoBindingsTests.swift + Tests/lua/test_demo_*.lua once real bindings exist.

/// A counter object bound as `mv.Counter`.
final class DemoCounter {
    /// Number of live instances, so tests can observe `__gc`/`__close` releasing the Swift object.
    static var liveCount = 0
    var value: Int

    init(value: Int) {
        self.value = value
        DemoCounter.liveCount += 1
    }

    deinit { DemoCounter.liveCount -= 1 }
}

func installDemoBindings(_ state: LuaState) throws {
    // mv.add(a, b) -> a + b
    try state.register(table: "mv", name: "add") { args in
        try args.returning(try args.number(1, "a") + args.number(2, "b"))
    }

    // mv.map(array, f) -> {f(array[1]), ...}: Lua -> Swift -> protected call into Lua, errors propagate unchanged.
    try state.register(table: "mv", name: "map") { args in
        let items = try args.value(1, "items")
        let function = try args.function(2, "f")
        guard case .array(let elements) = items else { throw args.argumentError(1, "items", expected: "an array") }
        let mapped = try elements.map { try args.call(function, [$0]).first ?? .nil }
        return try args.returning(LuaValue.array(mapped))
    }

    // mv.sleep(seconds): a long Swift loop that stops on Ctrl-C.
    try state.register(table: "mv", name: "sleep") { args in
        let seconds = try args.number(1, "seconds")
        guard seconds.isFinite, seconds >= 0 else {
            throw args.argumentError(1, "seconds", expected: "a finite number >= 0")
        }
        let deadline = Date(timeIntervalSinceNow: seconds)
        while Date() < deadline {
            try args.checkInterrupt()
            usleep(5_000)
        }
        return .none
    }

    // mv.options_demo{learning_rate=, weight_decay=, betas=} -> learning_rate, weight_decay, betas
    try state.register(table: "mv", name: "options_demo") { args in
        let options = try args.options(1, allowed: ["learning_rate", "weight_decay", "betas"])
        let learningRate = try options.number("learning_rate", default: 1e-3)
        let weightDecay = try options.number("weight_decay", default: 0)
        let betas = try options.numberArray("betas") ?? [0.9, 0.999]
        guard betas.count == 2 else { throw args.error("option 'betas': expected 2 numbers, got \(betas.count)") }
        return try args.returning(learningRate, weightDecay, betas)
    }

    let counterType = LuaUserdataType<DemoCounter>(name: "Counter")
        .method("increment") { counter, args in
            counter.value += try args.optionalInteger(1, "by", min: 1) ?? 1
            return try args.returning(counter.value)
        }
        .property("value", get: { counter, args in try args.returning(counter.value) },
                  set: { counter, args in counter.value = try args.integer(1, "value") })
        .toString { "Counter(\($0.value))" }
        .metamethod(.eq) { args in
            let a = try args.userdata(1, as: DemoCounter.self), b = try args.userdata(2, as: DemoCounter.self)
            return try args.returning(a.value == b.value)
        }
        .freeMethod()
    try state.register(counterType)

    // mv.Counter([start]) -> a Counter; mv.live_counters() -> number of Swift DemoCounter objects alive.
    try state.register(table: "mv", name: "Counter") { args in
        try args.returning(object: DemoCounter(value: try args.optionalInteger(1, "start") ?? 0))
    }
    try state.register(table: "mv", name: "live_counters") { args in try args.returning(DemoCounter.liveCount) }
}
