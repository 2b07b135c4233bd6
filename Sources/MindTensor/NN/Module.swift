/// The base of every layer and model: ordered, named parameters, buffers and child modules whose
/// dotted names follow PyTorch (`blocks.0.attn.qkv.weight`), so reference state dicts load by name.
/// Registration order is kept exactly: optimizers, checkpoints and seeds depend on it.
open class Module {
    public private(set) var ownParameters: [(name: String, tensor: Tensor)] = []
    public private(set) var ownBuffers: [(name: String, tensor: Tensor, persistent: Bool)] = []
    public private(set) var children: [(name: String, module: Module)] = []
    public private(set) var isTraining = true
    /// The name under which this module was first registered in a parent, and that parent. Registration is
    /// the one place a child is named: errors raised while the child runs carry the name (see `scoped`).
    public private(set) var registeredName: String?
    public private(set) weak var parent: Module?

    public init() {}

    /// Containers that hold children for their owner to call (`ModuleList`) lend their own name to the
    /// children's error paths: `blocks.3.attn: ...` rather than `3.attn: ...`.
    open var lendsNameToChildren: Bool { false }

    /// The dotted name this module reports in errors, relative to the module that calls it.
    public var errorPathName: String? {
        guard let registeredName else { return nil }
        if let parent, parent.lendsNameToChildren, let outer = parent.errorPathName { return outer + "." + registeredName }
        return registeredName
    }

    /// Runs `body` as this module: a `TensorError` thrown inside gets the module's registered name in
    /// front of its path. `callAsFunction` of every layer goes through here, so a parent never repeats a
    /// child's name; models with several inputs call it from their own `callAsFunction`.
    public func scoped<T>(_ body: () throws -> T) throws -> T {
        guard let name = errorPathName else { return try body() }
        return try inModule(name, body)
    }

    /// A short type name for printing (`Linear`, `MultiheadAttention`).
    open var typeName: String { String(describing: type(of: self)) }

    /// One-line description of the module's configuration (`in=16, out=32`), for printing.
    open var summary: String { "" }

    /// Registers a parameter; frozen ones (`trainable: false`, e.g. fixed sin-cos tables) are
    /// saved and loaded but get no gradient.
    @discardableResult
    public func registerParameter(_ name: String, _ tensor: Tensor, trainable: Bool = true) throws -> Tensor {
        guard tensor.isLeaf else {
            throw TensorError("register_parameter: '\(name)' is the result of an operation; parameters must be leaf tensors (use detach())")
        }
        try tensor.requiresGrad(trainable)
        ownParameters.append((name, tensor))
        return tensor
    }

    @discardableResult
    public func registerBuffer(_ name: String, _ tensor: Tensor, persistent: Bool = true) -> Tensor {
        ownBuffers.append((name, tensor, persistent))
        return tensor
    }

    @discardableResult
    public func registerModule<M: Module>(_ name: String, _ module: M) -> M {
        children.append((name, module))
        if module.registeredName == nil {
            module.registeredName = name
            module.parent = self
        }
        return module
    }

    /// Self first, then children depth-first, as `torch.nn.Module.named_modules`.
    public func namedModules(prefix: String = "") -> [(name: String, module: Module)] {
        var out: [(String, Module)] = [(prefix, self)]
        for (name, child) in children {
            out += child.namedModules(prefix: prefix.isEmpty ? name : prefix + "." + name)
        }
        return out
    }

    /// Every parameter with its dotted name, each tensor once (shared parameters keep their first name).
    public func namedParameters(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        var seen = Set<ObjectIdentifier>()
        var out: [(String, Tensor)] = []
        for (path, module) in namedModules(prefix: prefix) {
            for (name, t) in module.ownParameters where seen.insert(ObjectIdentifier(t)).inserted {
                out.append((path.isEmpty ? name : path + "." + name, t))
            }
        }
        return out
    }

    public func parameters() -> [Tensor] { namedParameters().map(\.tensor) }

    /// Parameters that receive gradients.
    public func trainableParameters() -> [Tensor] { parameters().filter(\.isGradLeaf) }

    public func namedBuffers(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        namedModules(prefix: prefix).flatMap { path, module in
            module.ownBuffers.map { (path.isEmpty ? $0.name : path + "." + $0.name, $0.tensor) }
        }
    }

    /// Parameters and persistent buffers by dotted name, in PyTorch's `state_dict` order (per module:
    /// its parameters, its buffers, then its children).
    public func stateDict(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        namedModules(prefix: prefix).flatMap { path, module -> [(String, Tensor)] in
            let key = { (name: String) in path.isEmpty ? name : path + "." + name }
            return module.ownParameters.map { (key($0.name), $0.tensor) }
                + module.ownBuffers.filter(\.persistent).map { (key($0.name), $0.tensor) }
        }
    }

    /// "missing keys: …; unexpected keys: …" with the first 12 of each kind: a checkpoint of another model misses
    /// hundreds of keys (a 40 KB message otherwise).
    public static func describeKeyMismatch(missing: [String], unexpected: [String]) -> String {
        func list(_ names: [String]) -> String {
            names.prefix(12).joined(separator: ", ") + (names.count > 12 ? " and \(names.count - 12) more" : "")
        }
        var parts: [String] = []
        if !missing.isEmpty { parts.append("missing keys: " + list(missing)) }
        if !unexpected.isEmpty { parts.append("unexpected keys: " + list(unexpected)) }
        return parts.joined(separator: "; ")
    }

    /// Copies values from `state` into this module's tensors (in place, so optimizers keep their
    /// references). Keys are looked up as `prefix + name`. Shape mismatches are errors; missing and
    /// unexpected keys are returned, and are errors when `strict`.
    @discardableResult
    public func loadStateDict(_ state: [(name: String, tensor: Tensor)], strict: Bool = true, prefix: String = "") throws
        -> (missing: [String], unexpected: [String])
    {
        var byName: [String: Tensor] = [:]
        for (k, t) in state { byName[k] = t }
        let own = stateDict()
        var missing: [String] = []
        var used = Set<String>()
        for (name, target) in own {
            guard let source = byName[prefix + name] else { missing.append(name); continue }
            used.insert(prefix + name)
            guard source.shape == target.shape else {
                throw TensorError("load_state_dict: \(prefix + name): checkpoint shape \(Shape.describe(source.shape)) does not match model shape \(Shape.describe(target.shape))")
            }
        }
        let unexpected = state.map(\.name).filter { $0.hasPrefix(prefix) && !used.contains($0) }
        if strict && (!missing.isEmpty || !unexpected.isEmpty) {
            throw TensorError("load_state_dict: " + Self.describeKeyMismatch(missing: missing, unexpected: unexpected))
        }
        try checkLoadedState(state.compactMap { entry in
            entry.name.hasPrefix(prefix) ? (String(entry.name.dropFirst(prefix.count)), entry.tensor) : nil
        })
        // All checks passed: only now write, so a failed load leaves the model untouched.
        try withNoGrad {
            for (name, target) in own {
                if let source = byName[prefix + name] { try target.copyFrom(source) }
            }
        }
        return (missing, unexpected)
    }

    /// Called by `loadStateDict` with the entries meant for this module (prefix removed) once names and shapes fit,
    /// before anything is written: a subclass refuses values that fit by name and shape but contradict its
    /// configuration (a diffusion model's schedule tables). Throwing leaves the module untouched.
    open func checkLoadedState(_ state: [(name: String, tensor: Tensor)]) throws {}

    /// Switches training mode (dropout etc.) for this module and all children.
    public func train(_ mode: Bool = true) {
        for (_, m) in namedModules() { m.isTraining = mode }
    }

    public func eval() { train(false) }

    /// Total number of parameter elements.
    public var parameterCount: Int { parameters().reduce(0) { $0 + $1.numel } }

    /// Sets whether every parameter of this module and its children receives gradients (PyTorch's
    /// `requires_grad_`). Turning it on includes tables registered as fixed (the MAE's sin-cos positions), as in
    /// PyTorch; autograd records nothing for a subgraph whose inputs need no gradient, so frozen layers cost
    /// only the gradient with respect to their input when something before them trains.
    public func requiresGrad(_ flag: Bool) {
        for p in parameters() { p.isGradLeaf = flag }
    }

    /// No parameter of this module receives gradients (`requiresGrad(false)`).
    public func freeze() { requiresGrad(false) }

    /// Every parameter of this module receives gradients (`requiresGrad(true)`).
    public func unfreeze() { requiresGrad(true) }
}

/// A module with one input and one output tensor: what `Sequential` chains.
public protocol Layer: Module {
    func forward(_ x: Tensor) throws -> Tensor
}

extension Layer {
    /// `forward` under the module's registered name (errors read `norm1: layer_norm: ...`).
    public func callAsFunction(_ x: Tensor) throws -> Tensor { try scoped { try forward(x) } }
}
