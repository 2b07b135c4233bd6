import MindTensor

/// The Tensor conveniences of `tensor_extras.lua`: `t:shape()`/`t:size()` that print as `[2, 3]`,
/// `t:float()`, and function forms `mv.exp(x)`, `mv.sum(x, 2)`, ... of the methods PyTorch also offers as `torch.*`.
enum TensorExtras: LuaBindingSet {
    /// Methods that get a function form; each stays documented by its method (`help "Tensor:exp"`).
    static let functionForms = [
        "abs", "exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "gelu", "silu", "neg", "sign", "pow",
        "clamp", "sum", "mean", "std", "var", "max", "min", "argmax", "argmin", "argsort", "norm", "softmax", "log_softmax", "logsumexp",
        "maximum", "minimum", "reshape", "flatten", "transpose", "permute", "squeeze", "unsqueeze", "narrow", "select",
        "gather", "index_select", "masked_fill", "chunk", "split", "unbind", "allclose", "equal", "clone", "mm",
        "add", "sub", "mul", "div", "eq", "ne", "lt", "le", "gt", "ge",
    ]

    static func install(_ state: LuaState) throws {
        try state.setGlobal("mindvis_tensor_function_forms", LuaValue.array(functionForms.map { .string($0) }))
        try LuaLibraryChunk.run(state, EmbeddedLua.tensorExtras)
        try state.document("Tensor:float", """
            t:float() -> Tensor
            Returns t itself: every tensor is float32 already (kept so PyTorch code ports unchanged).
            """)
        for name in functionForms {
            try state.document("mv.\(name)", """
                mv.\(name)(t, ...)
                The function form of t:\(name)(...), as torch.\(name) (help "Tensor:\(name)" for the arguments).
                """)
        }
    }
}
