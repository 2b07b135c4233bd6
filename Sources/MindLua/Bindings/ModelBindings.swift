import Foundation
import MindImage
import MindTensor
import MindVis

/// `mv.models`: the fMRI masked autoencoder (`MAE`) and the stage-B conditioning encoder
/// (`FMRIEncoder`) as Modules with the reference's methods, plus the probing tools of the REPL.
/// Index tensors cross the boundary 1-based (`ids_restore`), as every index in `mv` does.
enum ModelBindings: LuaBindingSet {
    static let maeType: LuaUserdataType<MaskedAutoencoder> = {
        let type = LuaUserdataType<MaskedAutoencoder>(name: "MAE", parent: ModuleBindings.moduleType,
                                                      doc: "the fMRI masked autoencoder of stage A (the reference's MAEforFMRI)")
        type.bound("forward_encoder", doc: """
            mae:forward_encoder(x [, options]) -> latent, mask, ids_restore
            The encoder with random masking: x [B, 1, V] -> latent [B, K+1, D] (cls first), mask [B, L] (1 = masked), ids_restore [B, L] (1-based).
            mask_ratio = 0.75  -- fraction of the L patches masked (K = floor(L·(1 − mask_ratio)) are kept)
            noise = nil  -- [B, L] uniform noise deciding the masks (argsort ascending keeps the first K), as the reference
            seed = nil  -- draw the noise from a fresh generator with this seed instead of the global one
            """) { mae, args in
            let x = try args.tensor(1, "x")
            let (ratio, noise, generator) = try maskingOptions(args, 2)
            let (latent, mask, ids) = try mae.forwardEncoder(x, maskRatio: ratio, noise: noise, generator: generator)
            return try args.returning(LuaValue.object(latent), LuaValue.object(mask), LuaValue.object(ids + 1))
        }
        type.bound("forward_decoder", doc: """
            mae:forward_decoder(latent, ids_restore) -> pred
            The decoder: mask tokens appended, order restored with ids_restore (1-based), → per-patch prediction [B, L, patch_size].
            """) { mae, args in
            let latent = try args.tensor(1, "latent")
            let ids = try args.tensor(2, "ids_restore") - 1
            return try args.returning(tensor: mae.forwardDecoder(latent, idsRestore: ids))
        }
        type.bound("forward_loss", doc: """
            mae:forward_loss(x, pred, mask) -> loss
            Mean squared error per patch, averaged over the masked patches only (the reference's loss).
            """) { mae, args in
            try args.returning(tensor: mae.forwardLoss(args.tensor(1, "x"), pred: args.tensor(2, "pred"), mask: args.tensor(3, "mask")))
        }
        type.call { mae, args in
            try BindingCall.run(args) {
                let x = try args.tensor(1, "x")
                let (ratio, noise, generator) = try maskingOptions(args, 2)
                let (loss, pred, mask) = try mae(x, maskRatio: ratio, noise: noise, generator: generator)
                return try args.returning(LuaValue.object(loss), LuaValue.object(pred), LuaValue.object(mask))
            }
        }
        type.bound("reconstruct", doc: """
            mae:reconstruct(x [, options]) -> {reconstruction, mask, masked_cor, visible_cor, masked_cor_mean, visible_cor_mean, loss}
            Masks, encodes and decodes x [B, 1, V] without gradients: the reconstruction [B, 1, V], the mask, and per-sample correlations with x on the masked and the visible patches (arrays) and their means.
            mask_ratio = 0.75  -- fraction of patches masked
            noise = nil  -- [B, L] noise deciding the masks
            seed = nil  -- a fixed seed gives the same masks every call (comparable numbers across checkpoints)
            """) { mae, args in
            let x = try args.tensor(1, "x")
            let (ratio, noise, generator) = try maskingOptions(args, 2)
            let r = try mae.reconstruct(x, maskRatio: ratio, noise: noise, generator: generator)
            return try args.returning(LuaValue.table([
                LuaTableEntry(key: "reconstruction", value: .object(r.reconstruction)), LuaTableEntry(key: "mask", value: .object(r.mask)),
                LuaTableEntry(key: "masked_cor", value: .array(r.maskedCorrelation.map { .number(Double($0)) })),
                LuaTableEntry(key: "visible_cor", value: .array(r.visibleCorrelation.map { .number(Double($0)) })),
                LuaTableEntry(key: "masked_cor_mean", value: .number(mean(r.maskedCorrelation))),
                LuaTableEntry(key: "visible_cor_mean", value: .number(mean(r.visibleCorrelation))),
                LuaTableEntry(key: "loss", value: .number(Double(r.loss))),
            ]))
        }
        type.bound("encode", doc: """
            mae:encode(x) -> tokens
            The encoder without masking and without the cls token: x [B, 1, V] -> [B, L, D] (what stage B conditions on).
            """) { mae, args in try args.returning(tensor: mae.encode(args.tensor(1, "x"))) }
        type.bound("attention", doc: """
            mae:attention(x, block) -> probabilities
            The attention probabilities [B, heads, L+1, L+1] of encoder block `block` (1-based) on unmasked x, for probing.
            """) { mae, args in
            let block = try args.integer(2, "block", min: 1, max: Swift.max(1, mae.blocks.count))
            return try args.returning(tensor: mae.attentionWeights(args.tensor(1, "x"), block: block - 1))
        }
        type.bound("plot_reconstruction", doc: """
            mae:plot_reconstruction(path, x [, options]) -> path
            Writes a PNG: per sample the fMRI (gray) and its reconstruction (blue) over the voxels, masked patches shaded, with the correlations in each title.
            mask_ratio = 0.75  -- fraction of patches masked
            samples = 4  -- how many samples (panels)
            seed = 2022  -- seed of the masks
            """) { mae, args in
            let path = try args.string(1, "path")
            guard path.hasSuffix(".png") else { throw args.argumentError(1, "path", expected: "a .png file name") }
            let x = try args.tensor(2, "x")
            let options = try args.options(3)
            let r = try mae.reconstruct(x, maskRatio: try options.number("mask_ratio", default: 0.75),
                                        generator: Generator(seed: UInt64(try options.integer("seed", default: 2022, min: 0))))
            try ReconstructionFigure.write(URL(fileURLWithPath: path), truth: x, reconstruction: r.reconstruction, mask: r.mask,
                                           patchSize: mae.config.patchSize, samples: try options.integer("samples", default: 4, min: 1, max: 64))
            return try args.returning(path)
        }
        type.bound("save", doc: """
            mae:save(path) -> path
            Writes the weights (reference parameter names) and the configuration to a .safetensors file, atomically; mv.models.load_mae reads it.
            """) { mae, args in
            let path = try FileBindings.safetensorsPath(args)
            try MAECheckpoint.write(URL(fileURLWithPath: path), model: mae)
            return try args.returning(path)
        }
        type.property("config", doc: """
            mae.config -> table
            The model's configuration with the reference's key names (num_voxels, patch_size, embed_dim, ...).
            """, get: { mae, args in try args.returning(ConfigTables.table(mae.config.values)) })
        return type
    }()

    static let encoderType: LuaUserdataType<FMRIEncoder> = {
        let type = LuaUserdataType<FMRIEncoder>(name: "FMRIEncoder", parent: ModuleBindings.moduleType,
                                                doc: "the stage-B fMRI encoder: the MAE's encoder without masking and cls token")
        type.property("config", doc: """
            enc.config -> table
            The encoder's configuration (num_voxels, patch_size, embed_dim, depth, num_heads, mlp_ratio, global_pool).
            """, get: { enc, args in
            let c = enc.config
            return try args.returning(ConfigTables.table([
                ("num_voxels", .int(c.numVoxels)), ("patch_size", .int(c.patchSize)), ("embed_dim", .int(c.embedDim)),
                ("depth", .int(c.depth)), ("num_heads", .int(c.numHeads)), ("mlp_ratio", .double(c.mlpRatio)), ("global_pool", .bool(c.globalPool)),
            ]))
        })
        return type
    }()

    /// What the MAE and encoder configuration keys mean (their defaults come from the code: `ConfigHelp`).
    static let maeKeys: [String: String] = [
        "preset": "\"tiny\", \"small\" (trains in minutes on 2 cores) or \"paper\" (the reference: 1024 wide, 24 blocks); the defaults below are small's",
        "num_voxels": "V, the padded voxel count (a multiple of patch_size): required",
        "patch_size": "voxels per token", "embed_dim": "encoder width", "depth": "encoder blocks", "num_heads": "encoder attention heads",
        "mlp_ratio": "MLP hidden width as a multiple of the width (the reference: 1.0)",
        "decoder_embed_dim": "decoder width", "decoder_depth": "decoder blocks", "decoder_num_heads": "decoder attention heads",
        "focus_range": "{a, b}: voxels whose patches are masked preferentially (REFERENCE §2.3); nil: uniform masking",
        "focus_rate": "masking weight of the focus patches",
    ]

    /// The encoder's keys: the MAE's encoder keys and `global_pool`.
    static let encoderKeys = maeKeys.filter { !$0.key.hasPrefix("decoder_") && !$0.key.hasPrefix("focus_") }
        .merging(["global_pool": "mean-pool the tokens to one (the reference's global_pool = True variant)"]) { a, _ in a }

    static func install(_ state: LuaState) throws {
        try state.register(maeType)
        try state.register(encoderType)
        try state.bind("mv.models", "MAE", doc: try ConfigHelp.text(
            signature: "mv.models.MAE{num_voxels = [, preset, key = value, ...]} -> MAE",
            summary: "The fMRI masked autoencoder of stage A (REFERENCE §2.2): 1-D patch embedding, ViT encoder/decoder, masked-patch loss.",
            reading: { _ = try MAEConfig($0) }, meanings: maeKeys,
            notes: ["mae(x [, {mask_ratio, noise, seed}]) -> loss, pred, mask is the training forward. Unknown keys are errors naming the closest."],
            name: "mv.models.MAE")) { args in
            let config = try MAEConfig(ConfigTables.values(try args.value(1, "config"), function: args.function))
            return try args.returning(module: try MaskedAutoencoder(config))
        }
        try state.bind("mv.models", "FMRIEncoder", doc: try ConfigHelp.text(
            signature: "mv.models.FMRIEncoder{num_voxels = [, preset, key = value, ...]} -> FMRIEncoder",
            summary: "The conditioning encoder of stage B: the MAE's encoder on unmasked fMRI, without the cls token: [B, 1, V] -> [B, L, D].",
            reading: { _ = try FMRIEncoderConfig($0) }, meanings: encoderKeys, name: "mv.models.FMRIEncoder")) { args in
            let config = try FMRIEncoderConfig(ConfigTables.values(try args.value(1, "config"), function: args.function))
            return try args.returning(module: try FMRIEncoder(config))
        }
        try state.bind("mv.models", "load_mae", doc: """
            mv.models.load_mae(path [, overrides]) -> MAE
            Loads an MAE from our checkpoints (.safetensors) or the reference's checkpoint.pth: the architecture is read from the weights' shapes and the stored config; overrides set config keys.
            """) { args in
            let url = URL(fileURLWithPath: try args.string(1, "path"))
            let overrides = try ConfigTables.values(try args.value(2, "overrides"), function: args.function)
            return try args.returning(module: try MAECheckpoint.loadModel(url, overrides: overrides))
        }
    }

    private static func mean(_ values: [Float]) -> Double {
        values.isEmpty ? 0 : values.reduce(0) { $0 + Double($1) } / Double(values.count)
    }

    /// `{mask_ratio=, noise=, seed=}` at argument `i`.
    static func maskingOptions(_ args: LuaArgs, _ i: Int) throws -> (Double, Tensor?, Generator) {
        let options = try args.options(i, allowed: ["mask_ratio", "noise", "seed"])
        let generator = try options.integer("seed", min: 0).map { Generator(seed: UInt64($0)) } ?? .default
        return (try options.number("mask_ratio", default: 0.75), try options.userdata("noise", as: Tensor.self), generator)
    }
}
