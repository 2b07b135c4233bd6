/// timm's `add_weight_decay` rule used by the MAE: no decay for 1-D parameters (norm weights,
/// biases) and names ending in `.bias`; frozen parameters are left out.
public func weightDecayGroups(_ named: [(name: String, tensor: Tensor)], lr: Float, weightDecay: Float) -> [ParamGroup] {
    var decay: [Tensor] = [], noDecay: [Tensor] = []
    for (name, t) in named where t.isGradLeaf {
        if t.rank <= 1 || name.hasSuffix(".bias") { noDecay.append(t) } else { decay.append(t) }
    }
    return [ParamGroup(params: noDecay, lr: lr, weightDecay: 0), ParamGroup(params: decay, lr: lr, weightDecay: weightDecay)]
}
