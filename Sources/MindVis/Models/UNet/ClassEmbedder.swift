import MindTensor

/// Class labels as cross-attention context, for a class-conditional ("label2img") latent diffusion model:
/// the latent-diffusion `ClassEmbedder` — a learned table `embedding.weight` [n_classes, embed_dim], one
/// row per label, giving a context of one token [B, 1, embed_dim]. One row may serve as the learned "null"
/// class of classifier-free guidance: training replaces a fraction of the labels by it (conditioning
/// dropout), sampling uses it as the unconditional context. With `attributes` the table holds one row per
/// factor level instead (and one for the null class), and a class's embedding is the sum of its levels' rows.
public final class ClassEmbedder: Module {
    public let classCount: Int, embedDim: Int
    /// The label of the unconditional ("null") class, one of the table's rows; nil without guidance support.
    public let nullClass: Int?
    public let attributes: ClassAttributes?
    public let embedding: Embedding
    /// With attributes, [classCount, rows]: the table rows each class sums (a constant of the configuration).
    private let membership: Tensor?

    public init(embedDim: Int, classCount: Int, nullClass: Int? = nil, attributes: ClassAttributes? = nil, generator: Generator = .default) throws {
        guard classCount > 0, embedDim > 0 else {
            throw TensorError("ClassEmbedder: n_classes and embed_dim must be positive, got \(classCount) and \(embedDim)")
        }
        if let nullClass, !(0..<classCount).contains(nullClass) {
            throw TensorError("ClassEmbedder: the null class \(nullClass) must be one of the \(classCount) rows (0...\(classCount - 1))")
        }
        (self.classCount, self.embedDim, self.nullClass, self.attributes) = (classCount, embedDim, nullClass, attributes)
        membership = try attributes?.membership(classCount: classCount, nullClass: nullClass)
        embedding = try Embedding(attributes?.tableRows(hasNullClass: nullClass != nil) ?? classCount, embedDim, generator: generator)
        super.init()
        registerModule("embedding", embedding)
    }

    public override var summary: String {
        "classes=\(classCount), dim=\(embedDim)" + (nullClass.map { ", null class \($0 + 1) of \(classCount)" } ?? "") + (attributes.map { ", attribute levels=\($0.counts)" } ?? "")
    }

    public func callAsFunction(_ labels: Tensor) throws -> Tensor { try scoped { try forward(labels) } }

    /// labels [B] (integers 0..n_classes-1) -> context [B, 1, embed_dim].
    public func forward(_ labels: Tensor) throws -> Tensor {
        guard labels.rank == 1 else { throw TensorError("ClassEmbedder: expects labels [B], got \(Shape.describe(labels.shape))") }
        if let membership {
            return try membership.indexSelect(0, index: labels).matmul(embedding.weight).reshape([labels.shape[0], 1, embedDim])
        }
        return try embedding(labels.reshape([labels.shape[0], 1]))
    }

    /// The null class for `batch` samples: the unconditional context of guided sampling.
    public func unconditionalLabels(batch: Int) throws -> Tensor {
        guard let nullClass else {
            throw TensorError("ClassEmbedder: no null class configured (null_class), so there is no unconditional context for guidance")
        }
        return try Tensor.full([batch], Float(nullClass))
    }

    /// Conditioning dropout: each label replaced by the null class with probability `probability`.
    public func droppingLabels(_ labels: Tensor, probability: Double, generator: Generator) throws -> Tensor {
        guard probability >= 0 && probability <= 1 else { throw TensorError("ClassEmbedder: dropout probability must be in [0, 1], got \(probability)") }
        guard probability > 0 else { return labels }
        guard let nullClass else {
            throw TensorError("ClassEmbedder: conditioning dropout needs a null class (null_class)")
        }
        let kept = try labels.toArray().map { generator.nextUnit() < probability ? Float(nullClass) : $0 }
        return try Tensor(kept, shape: labels.shape)
    }
}
