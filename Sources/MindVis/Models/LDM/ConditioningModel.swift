import MindTensor

/// The `cond_stage_model` of a latent diffusion model: what turns a condition (an fMRI vector, a class
/// label) into the UNet's cross-attention context. MinD-Vis uses the fMRI conditioner; a class-conditional
/// ("label2img") model uses a class embedder, whose null class also gives the unconditional context of
/// classifier-free guidance.
public protocol ConditioningModel: Module {
    /// Conditions [B, ...] (fMRI [B, V] or [B, 1, V]; labels [B]) -> context [B, T, context_dim].
    func context(_ conditions: Tensor) throws -> Tensor
    /// The context that stands for "no condition" ([1, T, context_dim]) for guidance; nil when there is none.
    func unconditionalContext() throws -> Tensor?
    /// Conditioning dropout for guidance training: each condition replaced by the null condition with
    /// probability `probability`, drawn from `generator`.
    func droppingConditions(_ conditions: Tensor, probability: Double, generator: Generator) throws -> Tensor
    /// How many conditions a batch holds (its first dimension), checked against what the model takes.
    func conditionCount(_ conditions: Tensor) throws -> Int
}

extension ClassEmbedder: ConditioningModel {
    public func context(_ conditions: Tensor) throws -> Tensor { try self(conditions) }

    public func unconditionalContext() throws -> Tensor? {
        guard nullClass != nil else { return nil }
        return try self(unconditionalLabels(batch: 1))
    }

    public func droppingConditions(_ conditions: Tensor, probability: Double, generator: Generator) throws -> Tensor {
        try droppingLabels(conditions, probability: probability, generator: generator)
    }

    public func conditionCount(_ conditions: Tensor) throws -> Int {
        guard conditions.rank == 1 else { throw TensorError("ClassEmbedder: expects labels [B], got \(Shape.describe(conditions.shape))") }
        if let bad = try conditions.toArray().first(where: { $0.rounded() != $0 || $0 < 0 || $0 >= Float(classCount) }) {
            throw TensorError("ClassEmbedder: labels must be integers in 0...\(classCount - 1), got \(bad)")
        }
        return conditions.shape[0]
    }
}
