extension Tensor {
    /// Gradient checkpointing (torch.utils.checkpoint): runs `body` without recording, keeping only its
    /// inputs, and runs it again with recording on when the gradient is needed, back-propagating through that
    /// second run. Memory for everything `body` would have saved (attention probabilities, activations) is
    /// traded for one more forward pass of `body`, and only while its backward runs.
    ///
    /// `body` must reach every tensor that needs a gradient through `inputs`: the replay gets fresh detached
    /// copies of them, so anything else it captures is treated as a constant. Without recording (inference)
    /// this is just `body(inputs)`, so a no-grad fast path inside `body` serves the forward pass too.
    public static func checkpoint(_ inputs: [Tensor], _ body: @escaping ([Tensor]) throws -> Tensor) throws -> Tensor {
        guard GradMode.isEnabled, inputs.contains(where: \.requiresGrad) else { return try body(inputs) }
        let out = try GradMode.withNoGrad { try body(inputs) }
        let saved = inputs.map { $0.saved() }
        let needs = inputs.map(\.needsGrad)
        return out.recorded("checkpoint", inputs: inputs) { g in
            // A fresh detached view per backward call, so a retained graph run twice does not pile up gradients.
            let replayInputs = try zip(saved, needs).map { s, need in
                let t = try s.get("checkpoint").detach()
                return need ? try t.requiresGrad() : t
            }
            let previous = GradMode.set(true)
            defer { _ = GradMode.set(previous) }
            let replayed = try body(replayInputs)
            guard replayed.shape == g.shape, replayed.requiresGrad else {
                throw TensorError("checkpoint: the replayed computation gave \(Shape.describe(replayed.shape)) without a gradient path; the forward pass gave \(Shape.describe(g.shape))")
            }
            try replayed.backward(gradient: g)
            return zip(replayInputs, needs).map { t, need in need ? t.grad : nil }
        }
    }
}
