import Foundation
import MindIO
import MindTensor
import MindVis

/// `mv.models.VQModel{...}` (the reference's first stage), `mv.models.load_vq(path)` and `mv.vq.train{...}`.
/// Codebook indices cross the boundary 1-based, like every index in `mv`.
enum VQBindings: LuaBindingSet {
    static let vqType: LuaUserdataType<VQModel> = {
        let type = LuaUserdataType<VQModel>(name: "VQModel", parent: ModuleBindings.moduleType,
                                            doc: "the VQ autoencoder (first stage) of the latent diffusion model")
        type.bound("encode", doc: """
            vq:encode(images) -> h
            Images [B, in_channels, R, R] in [-1, 1], R the config's ddconfig.resolution -> the latent before quantisation [B, embed_dim, R/f, R/f] (after quant_conv): what the diffusion model works on.
            """) { vq, args in try args.returning(tensor: vq.encode(args.tensor(1, "images"))) }
        type.bound("quantize", doc: """
            vq:quantize(h) -> quant, emb_loss, indices
            Nearest codebook entries of h: the quantised latent, the codebook loss, and the 1-based code indices flattened in (batch, row, column) order.
            """) { vq, args in
            let (quant, loss, indices) = try vq.quantize(args.tensor(1, "h"))
            return try args.returning(LuaValue.object(quant), LuaValue.object(loss), LuaValue.object(try indices + 1))
        }
        type.bound("decode", doc: """
            vq:decode(h [, options]) -> images
            Quantises h, then post_quant_conv and the decoder (the reference's decode): images in about [-1, 1].
            quantize = true  -- false decodes h as it is (the reference's force_not_quantize)
            """) { vq, args in
            let options = try args.options(2)
            return try args.returning(tensor: vq.decode(args.tensor(1, "h"), quantizeFirst: try options.bool("quantize", default: true)))
        }
        type.bound("decode_code", doc: """
            vq:decode_code(indices) -> images
            Decodes 1-based code indices ([B, h, w], [B, h·w] or flat) into images.
            """) { vq, args in
            try args.returning(tensor: vq.decodeCode(args.indexTensor(1, "indices", bound: vq.config.nEmbed)))
        }
        type.bound("reconstruct", doc: """
            vq:reconstruct(images [, batch_size]) -> images
            encode → quantise → decode without gradients, in batches of batch_size (default 8).
            """) { vq, args in
            let batch = try args.optionalInteger(2, "batch_size", min: 1, max: 1 << 20) ?? 8
            return try args.returning(tensor: vq.reconstruct(args.tensor(1, "images"), batchSize: batch))
        }
        type.call { vq, args in
            try BindingCall.run(args) {
                try LayerArguments.noExtraArguments(args, 1)
                let (reconstruction, loss) = try vq(args.tensor(1, "images"))
                return try args.returning(LuaValue.object(reconstruction), LuaValue.object(loss))
            }
        }
        type.bound("save", doc: """
            vq:save(path [, options]) -> path
            Writes the weights (reference names) and the configuration to a .safetensors file, atomically; mv.models.load_vq reads it.
            dtype = "float32"  -- "float16" halves the file
            """) { vq, args in
            let path = try FileBindings.safetensorsPath(args)
            try VQCheckpoint.write(URL(fileURLWithPath: path), model: vq, halfPrecision: try FileBindings.halfPrecision(args.options(2), args: args))
            return try args.returning(path)
        }
        type.property("config", doc: """
            vq.config -> table
            The configuration with the reference's keys: embed_dim, n_embed, ddconfig = {...}.
            """, get: { vq, args in try args.returning(ConfigTables.table(vq.config.values)) })
        return type
    }()

    /// Meanings of the VQModel keys; defaults come from the presets (`ConfigHelp`).
    static let configKeys: [String: String] = [
        "preset": "\"tiny\" (tests), \"small\" (64×64 images, f = 4, 16×16×3 latents) or \"paper\" (the reference's f = 4 first stage, 256×256); the defaults below are small's",
        "embed_dim": "channels of the latent", "n_embed": "codebook entries", "ddconfig": "table of the encoder/decoder geometry (keys below)",
        "ddconfig.double_z": "must be false for a VQ", "ddconfig.z_channels": "channels before quant_conv",
        "ddconfig.resolution": "image side in pixels", "ddconfig.in_channels": "image channels", "ddconfig.out_ch": "output channels",
        "ddconfig.ch": "base width (a multiple of 32)", "ddconfig.ch_mult": "width multipliers per level (f = 2^(levels-1))",
        "ddconfig.num_res_blocks": "ResnetBlocks per level", "ddconfig.attn_resolutions": "resolutions with a self-attention block",
        "ddconfig.dropout": "dropout in the ResnetBlocks",
    ]

    static func install(_ state: LuaState) throws {
        try state.register(vqType)
        try state.bind("mv.models", "VQModel", doc: try ConfigHelp.text(
            signature: "mv.models.VQModel{[preset, embed_dim, n_embed, ddconfig = {...}]} -> VQModel",
            summary: "The reference's first stage (REFERENCE §4.6): ResnetBlock encoder/decoder with GroupNorm 32, vector quantiser (β 0.25, straight-through).",
            reading: { _ = try VQConfig($0) }, meanings: configKeys, nested: ["ddconfig"],
            notes: ["vq(images) -> reconstruction, emb_loss is the training forward. Unknown keys (at either level) are errors naming the closest."],
            name: "mv.models.VQModel")) { args in
            try args.returning(module: try VQModel(VQConfig(ConfigTables.values(try args.value(1, "config"), function: args.function))))
        }
        try state.bind("mv.models", "load_vq", doc: """
            mv.models.load_vq(path [, options]) -> VQModel
            Loads a first stage: our .safetensors (with its config), a reference vq.ckpt, or the first_stage_model of a reference LDM model.ckpt (architecture read from the weights).
            resolution = 256  -- image side, for reference files (their weights do not record it)
            """) { args in
            let options = try args.options(2)
            let resolution = try options.integer("resolution", default: 256, min: 1, max: 1 << 16)
            return try args.returning(module: try VQCheckpoint.loadModel(URL(fileURLWithPath: try args.string(1, "path")), resolution: resolution))
        }
    }
}
