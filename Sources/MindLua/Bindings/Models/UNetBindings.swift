import Foundation
import MindTensor
import MindVis

/// `mv.models.UNet{...}` (the reference's conditioned UNet: `unet(x, t, context)`) and `mv.models.ClassEmbedder{...}`
/// (class labels as a one-token context, the "label2img" conditioning). Labels cross the boundary 1-based.
enum UNetBindings: LuaBindingSet {
    static let unetType: LuaUserdataType<UNetModel> = {
        let type = LuaUserdataType<UNetModel>(name: "UNet", parent: ModuleBindings.moduleType,
                                              doc: "the noise-predicting UNet of the latent diffusion model (the reference's UNetModel)")
        type.call { unet, args in
            try BindingCall.run(args) {
                try LayerArguments.noExtraArguments(args, 3)
                return try args.returning(tensor: unet(args.tensor(1, "x"), t: timesteps(args, 2, batch: try args.tensor(1, "x").shape.first ?? 0),
                                                       context: args.optionalTensor(3, "context")))
            }
        }
        type.property("config", doc: """
            unet.config -> table
            The configuration with the reference's keys (image_size, model_channels, channel_mult, attention_resolutions, ...).
            """, get: { unet, args in try args.returning(ConfigTables.table(unet.config.values)) })
        return type
    }()

    static let embedderType: LuaUserdataType<ClassEmbedder> = {
        let type = LuaUserdataType<ClassEmbedder>(name: "ClassEmbedder", parent: ModuleBindings.moduleType,
                                                  doc: "class labels as cross-attention context (latent diffusion's ClassEmbedder)")
        type.call { embedder, args in
            try BindingCall.run(args) {
                try LayerArguments.noExtraArguments(args, 1)
                return try args.returning(tensor: embedder(try labels(args, 1, embedder)))
            }
        }
        type.bound("unconditional", doc: """
            emb:unconditional(batch) -> labels
            `batch` copies of the null class (1-based): the labels of the unconditional context for guidance.
            """) { embedder, args in
            try args.returning(tensor: try embedder.unconditionalLabels(batch: try args.integer(1, "batch", min: 1, max: 1 << 20)) + 1)
        }
        type.bound("drop", doc: """
            emb:drop(labels, probability [, seed]) -> labels
            Conditioning dropout for classifier-free guidance: each label replaced by the null class with the given probability.
            """) { embedder, args in
            let generator = try args.optionalInteger(3, "seed", min: 0).map { Generator(seed: UInt64($0)) } ?? .default
            let dropped = try embedder.droppingLabels(try labels(args, 1, embedder), probability: try args.number(2, "probability"), generator: generator)
            return try args.returning(tensor: try dropped + 1)
        }
        return type
    }()

    static let unetKeys: [String: String] = [
        "preset": "\"tiny\" (tests), \"small\" (16×16×3 latents, base 64, mult 1-2-2, attention at ds 2 and 4, 4 heads, context 256) or \"paper\" (REFERENCE §4.2); the defaults below are small's",
        "image_size": "latent side", "in_channels": "latent channels in", "out_channels": "predicted noise channels",
        "model_channels": "base width", "attention_resolutions": "downsampling factors (ds) with a SpatialTransformer",
        "num_res_blocks": "ResBlocks per level", "channel_mult": "width multipliers per level",
        "num_heads": "attention heads (head width = channels / heads, the reference's legacy sizing)",
        "num_head_channels": "head width instead of a head count (-1: use num_heads)", "use_spatial_transformer": "must be true (the reference's setting)",
        "transformer_depth": "BasicTransformerBlocks per SpatialTransformer", "context_dim": "width of the context tokens",
        "use_time_cond": "add time_embed_condtion(context) to the timestep embedding (the fMRI's second path)",
        "global_pool": "the context is one token (global_pool variant)", "dropout": "dropout in the ResBlocks", "cond_scale": "stored, unused (as the reference)",
    ]

    static func install(_ state: LuaState) throws {
        try state.register(unetType)
        try state.register(embedderType)
        try state.bind("mv.models", "UNet", doc: try ConfigHelp.text(
            signature: "mv.models.UNet{[preset, key = value, ...]} -> UNet",
            summary: "The reference's UNetModel (REFERENCE §4.4–4.5): ResBlocks with the timestep embedding, SpatialTransformers with cross-attention on the context.",
            reading: { _ = try UNetConfig($0) }, meanings: unetKeys,
            notes: ["unet(x, t, context) -> ε̂: x [B, C, H, W], t the timesteps 0..T-1 ([B] tensor or a number), context [B, 77, context_dim].",
                    "A reference checkpoint loads with unet:load_state_dict(mv.load(path, {key = \"state_dict\"}), {prefix = \"model.diffusion_model.\", strict = false})."],
            name: "mv.models.UNet")) { args in
            try args.returning(module: try UNetModel(UNetConfig(ConfigTables.values(try args.value(1, "config"), function: args.function))))
        }
        try state.bind("mv.models", "ClassEmbedder", doc: """
            mv.models.ClassEmbedder{n_classes =, embed_dim = [, null_class]} -> ClassEmbedder
            A learned table (embedding.weight) giving each class one context token: emb(labels) with 1-based labels [B] -> [B, 1, embed_dim].
            n_classes = required  -- rows of the table (including the null class, if any)
            embed_dim = required  -- the UNet's context_dim
            null_class = nil  -- the label (1-based) of the unconditional class used for guidance and conditioning dropout
            """) { args in
            let options = try args.options(1)
            let count = try LayerArguments.requiredSize(options, "n_classes", args)
            let dim = try LayerArguments.requiredSize(options, "embed_dim", args)
            let null = try options.integer("null_class", min: 1, max: count).map { $0 - 1 }
            return try args.returning(module: try ClassEmbedder(embedDim: dim, classCount: count, nullClass: null))
        }
    }

    /// Timesteps from a number or a one-element tensor (0-d or [1]), shared by the batch, or a [B] tensor, as floats 0..T-1.
    static func timesteps(_ args: LuaArgs, _ i: Int, batch: Int) throws -> Tensor {
        if args.type(i) == .number { return try Tensor.full([batch], Float(try args.number(i, "t"))) }
        let t = try args.tensor(i, "t")
        if t.rank <= 1 && t.numel == 1 && t.shape != [batch] { return try Tensor.full([batch], t.toArray()[0]) }
        return t
    }

    /// 1-based labels [B] as the embedder's 0-based ones.
    static func labels(_ args: LuaArgs, _ i: Int, _ embedder: ClassEmbedder) throws -> Tensor {
        try args.indexTensor(i, "labels", bound: embedder.classCount)
    }
}
