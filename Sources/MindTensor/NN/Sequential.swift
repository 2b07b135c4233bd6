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

    public func forward(_ x: Tensor) throws -> Tensor {
        var h = x
        for layer in layers { h = try layer(h) }
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
