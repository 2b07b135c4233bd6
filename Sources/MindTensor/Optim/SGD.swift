import CKernels

/// Stochastic gradient descent with PyTorch's momentum rule (torch.optim.SGD):
/// d = g + wd*p; buf = momentum*buf + (1-dampening)*d (buf = d on the first step);
/// d = nesterov ? d + momentum*buf : buf; p -= lr*d.
public final class SGD: Optimizer {
    public let groups: [ParamGroup]
    public let momentum: Float, dampening: Float, nesterov: Bool
    var momentumBuffers: [Int: Tensor] = [:]

    public init(groups: [ParamGroup], momentum: Float = 0, dampening: Float = 0, nesterov: Bool = false) throws {
        try validateGroups(groups, optimizer: "SGD")
        guard momentum >= 0, dampening >= 0 else { throw TensorError("SGD: momentum and dampening must be non-negative") }
        if nesterov && (momentum <= 0 || dampening != 0) {
            throw TensorError("SGD: Nesterov momentum requires a momentum and zero dampening")
        }
        self.groups = groups
        (self.momentum, self.dampening, self.nesterov) = (momentum, dampening, nesterov)
    }

    public convenience init(_ params: [Tensor], lr: Float, momentum: Float = 0, dampening: Float = 0,
                            weightDecay: Float = 0, nesterov: Bool = false) throws {
        try self.init(groups: [ParamGroup(params: params, lr: lr, weightDecay: weightDecay)], momentum: momentum,
                      dampening: dampening, nesterov: nesterov)
    }

    public func step() throws {
        var index = 0
        for group in groups {
            for p in group.params {
                defer { index += 1 }
                guard let g = try gradient(of: p, index: index) else { continue }
                var first = false
                var buf: Tensor? = nil
                if momentum != 0 {
                    if let b = momentumBuffers[index] { buf = b } else {
                        let b = try Tensor.zeros(p.shape)
                        momentumBuffers[index] = b
                        buf = b
                        first = true
                    }
                }
                mv_sgd_step(p.data, g.data, buf?.data, Int64(p.numel), group.lr, momentum, dampening, group.weightDecay,
                            nesterov ? 1 : 0, first ? 1 : 0)
                p.bumpVersion()
            }
        }
    }

    public func stateDict() throws -> [(name: String, tensor: Tensor)] {
        momentumBuffers.keys.sorted().map { ("\($0).momentum_buffer", momentumBuffers[$0]!) }
    }

    public func loadStateDict(_ state: [(name: String, tensor: Tensor)]) throws {
        var buffers: [Int: Tensor] = [:]
        for (name, t) in state {
            let (i, field) = try parseStateKey(name)
            guard field == "momentum_buffer" else {
                throw TensorError("optimizer state: unknown field '\(field)' in '\(name)' (expected momentum_buffer)")
            }
            buffers[i] = try checkedState(t, index: i, name: name)
        }
        momentumBuffers = buffers
    }
}
