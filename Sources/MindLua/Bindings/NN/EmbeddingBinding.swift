import MindTensor

enum EmbeddingBinding: LuaBindingSet {
    static func install(_ state: LuaState) throws {
        try state.bind("mv.nn", "Embedding", doc: """
            mv.nn.Embedding(num_embeddings, embedding_dim) -> Module
            A lookup table: emb(indices) gives the rows at the 1-based indices (a Tensor of whole numbers), shape indices.shape + [dim].
            """) { args in
            let (count, dim) = (try LayerArguments.size(args, 1, "num_embeddings"), try LayerArguments.size(args, 2, "embedding_dim"))
            return try args.returning(module: try Embedding(count, dim))
        }
    }
}

extension Embedding: LuaCallableModule {
    /// `emb(indices)` with 1-based indices.
    func callFromLua(_ args: LuaArgs) throws -> LuaReturn {
        try LayerArguments.noExtraArguments(args, 1)
        return try args.returning(tensor: try self(try args.indexTensor(1, "indices", bound: count)))
    }
}
