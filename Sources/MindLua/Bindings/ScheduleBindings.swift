import MindTensor

/// The reference's learning-rate schedule as a Lua object (the engine's `CosineWarmupSchedule`).
final class BoundSchedule {
    let schedule: CosineWarmupSchedule

    init(_ schedule: CosineWarmupSchedule) { self.schedule = schedule }
}

/// `mv.optim.cosine_schedule{lr =, min_lr = 0, warmup_epochs = 0, num_epoch =}`: linear warm-up to `lr`, then a
/// half cosine down to `min_lr` at `num_epoch` (the MAE schedule, REFERENCE.md §2.1).
///
///     sched(t)                                  -- the rate after t epochs (a fraction; 0 at the start)
///     sched:apply(opt, epoch, iter, iters)      -- sets every group's lr for iteration iter of epoch (both 1-based,
///                                               -- as Lua loops count) and returns it: t = epoch-1 + (iter-1)/iters
enum ScheduleBindings: LuaBindingSet {
    static let scheduleType: LuaUserdataType<BoundSchedule> = {
        let type = LuaUserdataType<BoundSchedule>(name: "CosineSchedule", doc: "the MAE learning-rate schedule from mv.optim.cosine_schedule: sched(t) is the rate after t epochs; sched:apply sets it")
        type.call { bound, args in
            let epoch = try args.number(1, "epoch")
            guard epoch.isFinite else { throw args.argumentError(1, "epoch", expected: "a finite number") }
            return try args.returning(bound.schedule.rate(atEpoch: epoch))
        }
        type.method("apply", doc: """
            sched:apply(optimizer, epoch, iter, iters_per_epoch) -> number
            Sets lr of every parameter group to the rate for iteration iter of epoch (both 1-based) and returns it, as MAE's adjust_learning_rate.
            The rate is sched(epoch - 1 + (iter - 1) / iters_per_epoch); call it before each step. Per-group rates are overwritten.
            """) { bound, args in
            let optimizer = try args.userdata(1, "optimizer", as: BoundOptimizer.self).optimizer
            let epoch = try args.integer(2, "epoch", min: 1, max: Shape.maxElements)
            let iterations = try args.integer(4, "iters_per_epoch", min: 1, max: Shape.maxElements)
            let iteration = try args.integer(3, "iter", min: 1, max: iterations)
            return try args.returning(bound.schedule.apply(to: optimizer, epoch: epoch - 1, iteration: iteration - 1,
                                                           iterationsPerEpoch: iterations))
        }
        type.toString { bound in
            let s = bound.schedule
            return "CosineSchedule(lr=\(s.baseLR), min_lr=\(s.minLR), warmup_epochs=\(s.warmupEpochs), num_epoch=\(s.totalEpochs))"
        }
        return type
    }()

    static func install(_ state: LuaState) throws {
        try state.register(scheduleType)
        try state.bind("mv.optim", "cosine_schedule", doc: """
            mv.optim.cosine_schedule(options) -> CosineSchedule
            Linear warm-up from 0 to lr over warmup_epochs, then a half cosine down to min_lr at num_epoch (the MAE schedule; past num_epoch its formula rises again).
            lr = required  -- the peak learning rate
            num_epoch = required  -- the epoch at which the rate reaches min_lr
            min_lr = 0  -- the final rate
            warmup_epochs = 0  -- epochs of linear warm-up (fractional allowed)
            sched(t) gives the rate after t epochs (t may be fractional); sched:apply(opt, epoch, iter, iters_per_epoch) sets it.
            """) { args in
            let options = try args.options(1)
            guard let lr = try options.number("lr") else { throw args.error("option 'lr' is required") }
            guard let epochs = try options.number("num_epoch") else { throw args.error("option 'num_epoch' is required") }
            let values = [("lr", lr), ("min_lr", try options.number("min_lr", default: 0)),
                          ("warmup_epochs", try options.number("warmup_epochs", default: 0)), ("num_epoch", epochs)]
            for (key, value) in values where !value.isFinite {
                throw args.error("option '\(key)': expected a finite number, got \(value)")
            }
            let schedule = try CosineWarmupSchedule(baseLR: lr, minLR: values[1].1, warmupEpochs: values[2].1, totalEpochs: epochs)
            return try args.returning(object: BoundSchedule(schedule))
        }
    }
}
