/// One recorded operation on the autograd tape. It knows where the gradient of each input goes
/// (another node, or a leaf's `.grad`) and how to turn the gradient of its output into gradients
/// of its inputs. Nodes hold the tensors they saved for backward only until backward has run.
public final class Node {
    enum Edge {
        case node(Node)
        case leaf(Tensor)
    }

    /// The operation, as `t.grad_fn` shows it and backward's messages name it.
    public internal(set) var name: String
    var edges: [Edge?]
    var backward: ((Tensor) throws -> [Tensor?])?
    let outputShape: [Int]

    init(name: String, edges: [Edge?], outputShape: [Int], backward: @escaping (Tensor) throws -> [Tensor?]) {
        self.name = name
        self.edges = edges
        self.outputShape = outputShape
        self.backward = backward
    }

    /// Drops saved tensors and links so the graph's memory is returned after backward.
    func release() {
        backward = nil
        edges = []
    }
}

extension Tensor {
    /// Names the node that made this fresh result of a composite operation after the operation the caller asked for
    /// (mean ends in a multiplication, mse_loss in a mean), as PyTorch's grad_fn names it.
    func recordedAs(_ name: String) -> Tensor {
        gradFn?.name = name
        return self
    }

    /// Whether the gradient with respect to this input is needed by the op being recorded.
    var needsGrad: Bool { GradMode.isEnabled && requiresGrad }

    /// Attaches a backward function to `self` (an op's fresh output) when any input requires a
    /// gradient. `backward` receives the gradient of `self` and returns one gradient (or nil) per
    /// input, each shaped like that input.
    @discardableResult
    func recorded(_ name: String, inputs: [Tensor], backward: @escaping (Tensor) throws -> [Tensor?]) -> Tensor {
        guard GradMode.isEnabled else { return self }
        var any = false
        let edges: [Node.Edge?] = inputs.map { input in
            if let fn = input.gradFn { any = true; return .node(fn) }
            if input.isGradLeaf { any = true; return .leaf(input) }
            return nil
        }
        if any { gradFn = Node(name: name, edges: edges, outputShape: shape, backward: backward) }
        return self
    }

    /// A handle on a tensor saved for backward that notices later in-place modification.
    func saved() -> SavedTensor { SavedTensor(self) }
}

/// A tensor kept for the backward pass together with the storage version it had when saved; an
/// in-place write in between would make the gradient silently wrong, so it is reported instead.
struct SavedTensor {
    let tensor: Tensor
    let version: Int

    init(_ tensor: Tensor) {
        // A detached view (same storage, no gradFn): an op that saves its own output would otherwise form the
        // cycle output -> node -> closure -> output, and a graph never run backward would never be freed.
        self.tensor = tensor.detach()
        self.version = tensor.storage.version
    }

    func get(_ op: String) throws -> Tensor {
        if tensor.storage.version != version {
            throw TensorError("\(op) backward: a tensor saved for the gradient was modified in place after the forward pass")
        }
        return tensor
    }
}
