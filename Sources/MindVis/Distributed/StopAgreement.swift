/// A training loop's answer to Ctrl-C. One process stops before the next step as soon as `poll` says so. Under
/// mpirun the request reaches the ranks at different moments, so each rank adds `flag` to its step's all-reduce
/// and all of them stop after the same step, once any rank asked.
struct StopAgreement {
    let poll: () -> Bool
    private var agreed = false

    init(poll: @escaping () -> Bool) { self.poll = poll }

    /// Whether to stop before the next step.
    var stopsNow: Bool { ProcessGroup.isDistributed ? agreed : poll() }

    /// This rank's contribution to the step's all-reduce: 1 when it was asked to stop (always 0 in one process,
    /// which polls before each step instead).
    var flag: Double { ProcessGroup.isDistributed && poll() ? 1 : 0 }

    /// Takes the step's all-reduced flag.
    mutating func record(reducedFlag: Double) { agreed = reducedFlag > 0 }
}
