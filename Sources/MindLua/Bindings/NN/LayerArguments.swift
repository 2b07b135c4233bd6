import MindTensor

/// Argument readers shared by the `mv.nn` layer constructors.
enum LayerArguments {
    /// Strides and paddings above this are refused before the engine computes output sizes from them.
    static let maxStrideOrPadding = 1 << 20

    /// A positive size (features, channels, groups).
    static func size(_ args: LuaArgs, _ i: Int, _ name: String) throws -> Int {
        try args.integer(i, name, min: 1, max: Shape.maxElements)
    }

    /// A required positive integer option.
    static func requiredSize(_ options: LuaOptions, _ key: String, _ args: LuaArgs) throws -> Int {
        guard let value = try options.integer(key, min: 1, max: Shape.maxElements) else {
            throw args.error("option '\(key)' is required")
        }
        return value
    }

    /// The `eps` option of a normalisation layer.
    static func eps(_ options: LuaOptions, _ args: LuaArgs, default value: Double = 1e-5) throws -> Float {
        let eps = try options.number("eps", default: value)
        guard eps >= 0, eps.isFinite else { throw args.error("option 'eps': expected a finite number >= 0, got \(eps)") }
        return Float(eps)
    }

    static func noExtraArguments(_ args: LuaArgs, _ expected: Int) throws {
        guard args.count <= expected else {
            throw args.error("expected at most \(expected) argument\(expected == 1 ? "" : "s"), got \(args.count)")
        }
    }
}

/// A Swift module with its own Lua call convention (several inputs, index arguments). Declared in the module's
/// binding file; every other `Layer` is called with one tensor.
protocol LuaCallableModule: Module {
    func callFromLua(_ args: LuaArgs) throws -> LuaReturn
}

enum ModuleCall {
    /// `m(...)` for a Swift module: its own convention if it has one, one input tensor for every `Layer`.
    static func call(_ module: Module, _ args: LuaArgs) throws -> LuaReturn {
        try BindingCall.run(args) {
            switch module {
            case let callable as LuaCallableModule:
                return try callable.callFromLua(args)
            case is ScriptModule:
                throw args.error("this is the core of a Lua module; call the module itself")
            case let layer as Layer:
                try LayerArguments.noExtraArguments(args, 1)
                return try args.returning(tensor: try layer(try args.tensor(1, "input")))
            default:
                throw args.error("this module cannot be called with a tensor from Lua")
            }
        }
    }
}
