import Foundation
import MindImage
import MindTensor
import MindVis

/// `mv.models`: the fMRI masked autoencoder (`MAE`) and the stage-B conditioning encoder
/// (`FMRIEncoder`) as Modules with the reference's methods, plus the probing tools of the REPL.
/// Index tensors cross the boundary 1-based (`ids_restore`), as every index in `mv` does.
enum ModelBindings: LuaBindingSet {
    static let maeType: LuaUserdataType<MaskedAutoencoder> = {
        let type = LuaUserdataType<MaskedAutoencoder>(name: "MAE", parent: ModuleBindings.moduleType)
        type.bound("forward_encoder") { mae, args in
            let x = try args.tensor(1, "x")
            let (ratio, noise, generator) = try maskingOptions(args, 2)
            let (latent, mask, ids) = try mae.forwardEncoder(x, maskRatio: ratio, noise: noise, generator: generator)
            return try args.returning(LuaValue.object(latent), LuaValue.object(mask), LuaValue.object(ids + 1))
        }
        type.bound("forward_decoder") { mae, args in
            let latent = try args.tensor(1, "latent")
            let ids = try args.tensor(2, "ids_restore") - 1
            return try args.returning(tensor: mae.forwardDecoder(latent, idsRestore: ids))
        }
        type.bound("forward_loss") { mae, args in
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
        type.bound("reconstruct") { mae, args in
            let x = try args.tensor(1, "x")
            let (ratio, noise, generator) = try maskingOptions(args, 2)
            let r = try mae.reconstruct(x, maskRatio: ratio, noise: noise, generator: generator)
            return try args.returning(LuaValue.table([
                LuaTableEntry(key: "reconstruction", value: .object(r.reconstruction)), LuaTableEntry(key: "mask", value: .object(r.mask)),
                LuaTableEntry(key: "masked_cor", value: .array(r.maskedCorrelation.map { .number(Double($0)) })),
                LuaTableEntry(key: "visible_cor", value: .array(r.visibleCorrelation.map { .number(Double($0)) })),
                LuaTableEntry(key: "loss", value: .number(Double(r.loss))),
            ]))
        }
        type.bound("encode") { mae, args in try args.returning(tensor: mae.encode(args.tensor(1, "x"))) }
        type.bound("attention") { mae, args in
            let block = try args.integer(2, "block", min: 1, max: Swift.max(1, mae.blocks.count))
            return try args.returning(tensor: mae.attentionWeights(args.tensor(1, "x"), block: block - 1))
        }
        type.bound("plot_reconstruction") { mae, args in
            let path = try args.string(1, "path")
            guard path.hasSuffix(".png") else { throw args.argumentError(1, "path", expected: "a .png file name") }
            let x = try args.tensor(2, "x")
            let options = try args.options(3, allowed: ["mask_ratio", "samples", "seed"])
            let r = try mae.reconstruct(x, maskRatio: try options.number("mask_ratio", default: 0.75),
                                        generator: Generator(seed: UInt64(try options.integer("seed", default: 2022, min: 0))))
            try ReconstructionFigure.write(URL(fileURLWithPath: path), truth: x, reconstruction: r.reconstruction, mask: r.mask,
                                           patchSize: mae.config.patchSize, samples: try options.integer("samples", default: 4, min: 1, max: 64))
            return try args.returning(path)
        }
        type.bound("save") { mae, args in
            let path = try args.string(1, "path")
            guard path.hasSuffix(".safetensors") else { throw args.argumentError(1, "path", expected: "a .safetensors file name") }
            try MAECheckpoint.write(URL(fileURLWithPath: path), model: mae)
            return try args.returning(path)
        }
        type.property("config", get: { mae, args in try args.returning(ConfigTables.table(mae.config.values)) })
        return type
    }()

    static let encoderType: LuaUserdataType<FMRIEncoder> = {
        let type = LuaUserdataType<FMRIEncoder>(name: "FMRIEncoder", parent: ModuleBindings.moduleType)
        type.property("config", get: { enc, args in
            let c = enc.config
            return try args.returning(ConfigTables.table([
                ("num_voxels", .int(c.numVoxels)), ("patch_size", .int(c.patchSize)), ("embed_dim", .int(c.embedDim)),
                ("depth", .int(c.depth)), ("num_heads", .int(c.numHeads)), ("mlp_ratio", .double(c.mlpRatio)), ("global_pool", .bool(c.globalPool)),
            ]))
        })
        return type
    }()

    static func install(_ state: LuaState) throws {
        try state.register(maeType)
        try state.register(encoderType)
        try state.bind("mv.models", "MAE") { args in
            let config = try MAEConfig(ConfigTables.values(try args.value(1, "config"), function: args.function))
            return try args.returning(module: try MaskedAutoencoder(config))
        }
        try state.bind("mv.models", "FMRIEncoder") { args in
            let config = try FMRIEncoderConfig(ConfigTables.values(try args.value(1, "config"), function: args.function))
            return try args.returning(module: try FMRIEncoder(config))
        }
        // mv.models.load_mae(path [, overrides]): our checkpoints and the reference's checkpoint.pth.
        try state.bind("mv.models", "load_mae") { args in
            let url = URL(fileURLWithPath: try args.string(1, "path"))
            let overrides = try ConfigTables.values(try args.value(2, "overrides"), function: args.function)
            return try args.returning(module: try MAECheckpoint.loadModel(url, overrides: overrides))
        }
    }

    /// `{mask_ratio=, noise=, seed=}` at argument `i`.
    static func maskingOptions(_ args: LuaArgs, _ i: Int) throws -> (Double, Tensor?, Generator) {
        let options = try args.options(i, allowed: ["mask_ratio", "noise", "seed"])
        let generator = try options.integer("seed", min: 0).map { Generator(seed: UInt64($0)) } ?? .default
        return (try options.number("mask_ratio", default: 0.75), try options.userdata("noise", as: Tensor.self), generator)
    }
}
