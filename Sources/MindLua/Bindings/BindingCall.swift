import MindTensor

/// What every tensor, nn and optim binding runs through (`LuaState.bind`, `LuaUserdataType.bound`):
///
/// 1. Host memory the call leaves allocated (new tensors, autograd graphs a forward pass keeps alive) is measured
///    on the tensor allocator and charged to the Lua collector (DESIGN.md §2 rule 5), so scripts
///    never need `collectgarbage()` in loops. Views and in-place ops allocate nothing and charge nothing.
/// 2. Engine errors are labelled with the bound function, so every message names what the user called:
///    `Tensor:matmul: [4, 3] x [5, 2]: inner sizes 3 and 5 differ` (the engine's own op prefix is dropped when it
///    repeats the function's name), `Tensor:masked_fill: where: shapes ...`.
public enum BindingCall {
    public static func run(_ args: LuaArgs, _ body: () throws -> LuaReturn) throws -> LuaReturn {
        let before = CachingAllocator.shared.statistics.liveBytes
        let result: LuaReturn
        do {
            result = try body()
        } catch let error as TensorError {
            throw relabel(error.description, as: args.function)
        } catch let error where !(error is LuaBindingError || error is LuaError) {
            // File-format and image errors (MindIO, MindImage) name the file; add what the user called.
            throw relabel(String(describing: error), as: args.function)
        }
        let grown = CachingAllocator.shared.statistics.liveBytes - before
        if grown > 0 { args.chargeAllocation(bytes: grown) }
        return result
    }

    /// More arguments than the help's signature names are an error, as in PyTorch (`t:softmax(2, 3)` quietly dropped
    /// the 3: a misplaced argument must not be ignored). Trailing nils do not count: a wrapper that forwards an
    /// absent option passes one.
    static func checkArgumentCount(_ args: LuaArgs, most: Int?) throws {
        guard let most, args.count > most else { return }
        let given = (0...args.count).last { $0 == 0 || !args.isNil($0) } ?? 0
        guard given > most else { return }
        throw LuaBindingError("\(args.function): expected at most \(most) argument\(most == 1 ? "" : "s"), got \(given)")
    }

    /// `Tensor:matmul` + `matmul: [4, 3] x ...` -> `Tensor:matmul: [4, 3] x ...`, and a method's type prefix too:
    /// `VQModel:encode` + `VQModel: expects ...` -> `VQModel:encode: expects ...`; so are the end of a dotted name
    /// (`mv.ldm.finetune` + `ldm.finetune: ...`) and an in-place function's name without its `_`
    /// (`mv.nn.clip_grad_norm_` + `clip_grad_norm: ...`). Other prefixes are kept.
    static func relabel(_ text: String, as function: String) -> LuaBindingError {
        if text.hasPrefix(function + ": ") { return LuaBindingError(text) }
        let parts = function.split(whereSeparator: { $0 == ":" || $0 == "." })
        var operation = parts.last ?? Substring(function)
        if operation.hasPrefix("__") { operation = operation.dropFirst(2) }
        let typeName = function.contains(":") ? parts.first : nil
        if let end = text.range(of: ": ") {
            let prefix = text[..<end.lowerBound]
            let repeats = prefix == operation || (operation.hasSuffix("_") && prefix == operation.dropLast())
                || prefix == typeName || (prefix.contains(".") && function.hasSuffix("." + prefix))
            if repeats { return LuaBindingError(function + text[end.lowerBound...]) }
        }
        return LuaBindingError(function + ": " + text)
    }
}

extension LuaState {
    /// Registers `table.name` like `register(table:name:_:)`, running the body through `BindingCall`; `doc` is its
    /// help (`LuaDoc`), checked here so malformed help fails every interpreter's start, not a later `help()`.
    public func bind(_ table: String, _ name: String, doc: String? = nil, _ body: @escaping (LuaArgs) throws -> LuaReturn) throws {
        if let doc {
            _ = try LuaDoc(name: table + "." + name, text: doc)
            LuaDocRegistry.shared.add(table + "." + name, doc)
        }
        let most = doc.flatMap(LuaDoc.maximumArguments(help:))
        try register(table: table, name: name) { args in
            try BindingCall.run(args) {
                try BindingCall.checkArgumentCount(args, most: most)
                return try body(args)
            }
        }
    }
}

extension LuaUserdataType {
    /// A method run through `BindingCall` (memory charging, labelled engine errors), with its help.
    @discardableResult
    public func bound(_ method: String, doc: String? = nil, _ body: @escaping (Object, LuaArgs) throws -> LuaReturn) -> Self {
        let most = doc.flatMap(LuaDoc.maximumArguments(help:))
        return self.method(method, doc: doc) { object, args in
            try BindingCall.run(args) {
                try BindingCall.checkArgumentCount(args, most: most)
                return try body(object, args)
            }
        }
    }

    /// An operator run through `BindingCall`.
    @discardableResult
    public func boundOperator(_ event: LuaMetamethod, _ body: @escaping (LuaArgs) throws -> LuaReturn) -> Self {
        metamethod(event) { args in try BindingCall.run(args) { try body(args) } }
    }
}
