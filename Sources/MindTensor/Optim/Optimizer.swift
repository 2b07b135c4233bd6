/// A set of parameters sharing a learning rate and weight decay (PyTorch's param_groups); schedules
/// change `lr` between steps.
public final class ParamGroup {
    public var params: [Tensor]
    public var lr: Float
    public var weightDecay: Float

    public init(params: [Tensor], lr: Float, weightDecay: Float = 0) {
        self.params = params
        self.lr = lr
        self.weightDecay = weightDecay
    }
}

/// PyTorch's optimizer protocol: `zeroGrad()`, `step()`, and per-parameter state for checkpoints.
public protocol Optimizer: AnyObject {
    var groups: [ParamGroup] { get }
    /// Applies one update to every parameter that has a gradient.
    func step() throws
    /// Per-parameter state by name `<index>.<field>` (e.g. `3.exp_avg`), indices in group order.
    func stateDict() throws -> [(name: String, tensor: Tensor)]
    /// Restores what `stateDict` produced; shapes must match the current parameters.
    func loadStateDict(_ state: [(name: String, tensor: Tensor)]) throws
}

extension Optimizer {
    /// Forgets the gradients (PyTorch's default `set_to_none=True`).
    public func zeroGrad() {
        for g in groups { for p in g.params { p.grad = nil } }
    }

    /// All parameters in group order; their position is the index used in `stateDict`.
    public var allParameters: [Tensor] { groups.flatMap(\.params) }

    public var learningRates: [Float] { groups.map(\.lr) }

    /// Sets the learning rate of every group (what the MAE's per-iteration schedule does).
    public func setLearningRate(_ lr: Float) {
        for g in groups { g.lr = lr }
    }

    /// The gradient of `p` for an update, or nil when the parameter received none.
    func gradient(of p: Tensor, index: Int) throws -> Tensor? {
        guard let g = p.grad else { return nil }
        guard g.shape == p.shape, g.isContiguous, p.isContiguous else {
            throw TensorError("optimizer: parameter \(index) \(Shape.describe(p.shape)) has an incompatible gradient \(Shape.describe(g.shape))")
        }
        return g
    }

    /// Splits a `<index>.<field>` state name and checks the index.
    func parseStateKey(_ name: String) throws -> (index: Int, field: String) {
        let parts = name.split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, let i = Int(parts[0]), i >= 0, i < allParameters.count else {
            throw TensorError("optimizer state: unexpected key '\(name)' for \(allParameters.count) parameters")
        }
        return (i, parts[1])
    }

    /// A state tensor shaped like parameter `index`.
    func checkedState(_ t: Tensor, index: Int, name: String) throws -> Tensor {
        let p = allParameters[index]
        guard t.shape == p.shape else {
            throw TensorError("optimizer state: \(name) has shape \(Shape.describe(t.shape)), parameter \(index) has \(Shape.describe(p.shape))")
        }
        return try t.contiguousCopy()
    }
}

/// Checks hyper-parameters and that every parameter is a leaf listed once.
func validateGroups(_ groups: [ParamGroup], optimizer name: String) throws {
    var seen = Set<ObjectIdentifier>()
    for (gi, g) in groups.enumerated() {
        guard g.lr >= 0, g.lr.isFinite else { throw TensorError("\(name): learning rate must be a non-negative number, got \(g.lr)") }
        guard g.weightDecay >= 0, g.weightDecay.isFinite else {
            throw TensorError("\(name): weight decay must be a non-negative number, got \(g.weightDecay)")
        }
        for p in g.params {
            guard p.isLeaf else { throw TensorError("\(name): parameter group \(gi + 1) (counting from 1) holds a tensor that is not a leaf; optimise parameters, not results") }
            guard seen.insert(ObjectIdentifier(p)).inserted else {
                throw TensorError("\(name): a parameter appears more than once in the parameter groups")
            }
        }
    }
    guard groups.contains(where: { !$0.params.isEmpty }) else { throw TensorError("\(name): got an empty parameter list") }
}
