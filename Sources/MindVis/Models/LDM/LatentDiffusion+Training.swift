import MindTensor

extension LatentDiffusion {
    /// What stage B optimises (REFERENCE.md §4.8), as an explicit, de-duplicated list in model order: the whole
    /// conditioner (its position table only with `train_pos_embed`), and in the UNet every cross-attention (`attn2`),
    /// the LayerNorm before it (`norm2` of each transformer block) and the time conditioning (`time_embed_condtion`).
    /// The reference selects by name substrings, which also lists the encoder blocks' `norm2` twice (two AdamW updates
    /// per step) and back-propagates through the whole frozen UNet's weights; neither is copied.
    public var finetunedParameters: [(name: String, tensor: Tensor)] {
        var chosen = Set<ObjectIdentifier>()
        if let fmri = conditioner as? FMRIConditioner {
            for t in fmri.finetunedParameters { chosen.insert(ObjectIdentifier(t)) }
        } else {
            for t in conditioner.parameters() { chosen.insert(ObjectIdentifier(t)) }
        }
        for case let block as BasicTransformerBlock in unet.namedModules().map(\.module) {
            for t in block.attn2.parameters() + block.norm2.parameters() { chosen.insert(ObjectIdentifier(t)) }
        }
        if let timeConditioning = unet.timeEmbedCondition {
            for t in timeConditioning.parameters() { chosen.insert(ObjectIdentifier(t)) }
        }
        return namedParameters().filter { chosen.contains(ObjectIdentifier($0.tensor)) }
    }

    /// What a label2img model trains: the whole UNet and the class embedder (everything but the first stage).
    public var label2imgParameters: [(name: String, tensor: Tensor)] {
        namedParameters().filter { !$0.name.hasPrefix("first_stage_model.") }
    }

    /// Makes exactly `trainable` receive gradients and freezes every other parameter: frozen layers then record
    /// nothing, and gradients pass through them only towards what trains before them.
    public func train(only trainable: [(name: String, tensor: Tensor)]) throws {
        freeze()
        for (_, t) in trainable { try t.requiresGrad(true) }
    }
}
