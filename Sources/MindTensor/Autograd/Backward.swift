import CKernels

extension Tensor {
    /// Reverse-mode differentiation from this tensor. A scalar output gets the seed gradient 1;
    /// otherwise pass `gradient` shaped like `self`. Leaf gradients accumulate into `.grad`; the
    /// graph is freed afterwards unless `retainGraph` is set.
    public func backward(gradient: Tensor? = nil, retainGraph: Bool = false) throws {
        guard requiresGrad else {
            throw TensorError("backward: tensor of shape \(Shape.describe(shape)) does not require grad: none of its inputs requires grad, or it was computed while gradient recording was off (no_grad)")
        }
        let seed: Tensor
        if let gradient {
            guard gradient.shape == shape else {
                throw TensorError("backward: gradient of shape \(Shape.describe(gradient.shape)) does not match tensor of shape \(Shape.describe(shape))")
            }
            seed = gradient
        } else {
            guard numel == 1 else {
                throw TensorError("backward: output of shape \(Shape.describe(shape)) is not a scalar; pass a gradient of the same shape")
            }
            seed = try Tensor.full(shape, 1)
        }
        try GradMode.withNoGrad {
            guard let root = gradFn else {
                var g = seed
                try accumulateLeafGrad(&g)
                return
            }
            try runBackward(from: root, seed: seed, retainGraph: retainGraph)
        }
    }

    /// Adds `g` to this leaf's `.grad`. The first gradient is copied when anything else may see it (an add passes
    /// its upstream gradient, perhaps the caller's seed, straight through; a reshape returns a view of it), and kept
    /// as it is when `g` is the only reference to a tensor that is the only one on its storage, as PyTorch's
    /// AccumulateGrad does: a copy of every parameter's gradient each step, and of an input's, saved.
    func accumulateLeafGrad(_ g: inout Tensor) throws {
        if let existing = grad {
            mv_add_inplace(existing.data, try g.contiguousIfNeeded().data, Int64(numel))
            existing.bumpVersion()
        } else if isKnownUniquelyReferenced(&g), g.viewsStorageAlone(), g.offset == 0, g.isContiguous, g.shape == shape,
                  g.gradFn == nil, !g.isGradLeaf {
            grad = g
        } else {
            grad = try g.contiguousCopy()
        }
    }

    /// `self` when it is contiguous, otherwise a contiguous copy.
    func contiguousIfNeeded() throws -> Tensor {
        isContiguous ? self : try contiguousCopy()
    }
}

/// Topologically orders the graph below `root` (iteratively: deep networks make deep graphs) and
/// runs every node's backward once, after all gradients of its output have arrived.
private func runBackward(from root: Node, seed: Tensor, retainGraph: Bool) throws {
    var order: [Node] = []
    var visited = Set<ObjectIdentifier>()
    var stack: [(Node, Int)] = [(root, 0)]
    visited.insert(ObjectIdentifier(root))
    while let (node, next) = stack.popLast() {
        if next < node.edges.count {
            stack.append((node, next + 1))
            if case .node(let child)? = node.edges[next], !visited.contains(ObjectIdentifier(child)) {
                visited.insert(ObjectIdentifier(child))
                stack.append((child, 0))
            }
        } else {
            order.append(node)
        }
    }
    if root.backward == nil {
        throw TensorError("backward: the graph was already freed by an earlier backward(); keep it with retain_graph (retainGraph in Swift) on the first backward to run it twice")
    }
    var pending: [ObjectIdentifier: Tensor] = [ObjectIdentifier(root): seed]
    for node in order.reversed() {
        guard let gradOut = pending.removeValue(forKey: ObjectIdentifier(node)) else { continue }
        guard let fn = node.backward else {
            throw TensorError("backward: the graph through \(node.name) was already freed; keep it with retain_graph (retainGraph in Swift) on the first backward to run it twice")
        }
        var grads = try withErrorContext(node.name + " backward") { try fn(gradOut) }
        for i in 0..<Swift.min(node.edges.count, grads.count) {
            guard let edge = node.edges[i], var g = grads[i] else { continue }
            // Dropped from the list so that a gradient nothing else holds can become the leaf's `.grad` uncopied.
            grads[i] = nil
            switch edge {
            case .leaf(let t):
                try t.accumulateLeafGrad(&g)
            case .node(let child):
                let key = ObjectIdentifier(child)
                if let existing = pending[key] {
                    pending[key] = try existing + g
                } else {
                    pending[key] = g
                }
            }
        }
        if !retainGraph { node.release() }
    }
}
