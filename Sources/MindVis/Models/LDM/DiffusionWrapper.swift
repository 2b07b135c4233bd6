import MindTensor

/// The reference's `DiffusionWrapper` (`LatentDiffusion.model`), kept as a module only for its name: the UNet's
/// parameters are `model.diffusion_model.*` in every LDM checkpoint. Cross-attention conditioning
/// (`conditioning_key = "crossattn"`), the only kind MinD-Vis uses, passes the context straight to the UNet.
public final class DiffusionWrapper: Module {
    public let diffusionModel: UNetModel

    public init(_ unet: UNetModel) {
        diffusionModel = unet
        super.init()
        registerModule("diffusion_model", unet)
    }
}
