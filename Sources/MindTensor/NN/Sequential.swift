/// Layers applied in order; children are named "0", "1", ... like torch.nn.Sequential.
public final class Sequential: Module, Layer {
    public private(set) var layers: [Layer] = []

    public init(_ layers: [Layer]) {
        super.init()
        for l in layers { append(l) }
    }

    public convenience init(_ layers: Layer...) { self.init(layers) }

    public func append(_ layer: Layer) {
        registerModule(String(layers.count), layer)
        layers.append(layer)
    }

    /// Runs the layers in order; a GroupNorm followed by a SiLU (the UNet's norm → SiLU → conv blocks) runs as one
    /// fused pass, with the same values (`GroupNorm.silu`).
    public func forward(_ x: Tensor) throws -> Tensor {
        var h = x, i = 0
        while i < layers.count {
            if let norm = layers[i] as? GroupNorm, i + 1 < layers.count, layers[i + 1] is SiLU {
                h = try norm.silu(h)
                i += 2
            } else {
                h = try layers[i](h)
                i += 1
            }
        }
        return h
    }
}

/// An indexable list of modules named "0", "1", ... (torch.nn.ModuleList); the owner decides how
/// they are called.
public final class ModuleList<Element: Module>: Module {
    public private(set) var items: [Element] = []

    public init(_ items: [Element] = []) {
        super.init()
        for m in items { append(m) }
    }

    public func append(_ module: Element) {
        registerModule(String(items.count), module)
        items.append(module)
    }

    public var count: Int { items.count }
    public subscript(i: Int) -> Element { items[i] }

    public override var lendsNameToChildren: Bool { true }
}
