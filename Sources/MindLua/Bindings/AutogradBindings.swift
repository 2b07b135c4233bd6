import MindTensor

/// Autograd from Lua: `t:requires_grad()`, `loss:backward()`, `t.grad`, `t.is_leaf`, `t.grad_fn`, `t:detach()`,
/// `t:clone()`, and the grad mode: `mv.no_grad(f, ...)` / `mv.enable_grad(f, ...)` run `f` with recording off/on
/// and restore the previous mode even when `f` errors (a to-be-closed guard; called without a function they return
/// the guard itself: `local _ <close> = mv.no_grad()`), `mv.is_grad_enabled()`, `mv.set_grad_enabled(b)`.
enum AutogradBindings {
    static func define(_ type: LuaUserdataType<Tensor>) {
        let requiresGradHelp = [
            "requires_grad": """
                t:requires_grad([flag]) -> t
                Sets whether the leaf t accumulates a gradient in t.grad (default true) and returns t: local w = mv.randn(3):requires_grad().
                A setter, unlike PyTorch's attribute of that name: read the state with t.needs_grad.
                On a computed tensor true changes nothing and false is an error (use detach()).
                """,
            "requires_grad_": """
                t:requires_grad_([flag]) -> t
                The same as t:requires_grad([flag]) (torch.Tensor.requires_grad_): marks the leaf t as trainable (default true) and returns it.
                """,
        ]
        for name in ["requires_grad", "requires_grad_"] {
            type.bound(name, doc: requiresGradHelp[name]) { t, args in
                try t.requiresGrad(try args.optionalBool(1, "requires_grad") ?? true)
                return try args.returning(tensor: t)
            }
        }
        type.bound("backward", doc: """
            t:backward([gradient] [, options])
            Back-propagates from t: leaves that require grad accumulate d t / d leaf into their .grad; the graph is freed afterwards.
            A non-scalar t needs gradient, shaped like t (torch.Tensor.backward).
            retain_graph = false  -- keep the graph so backward can run through it again
            Options may come first: loss:backward{retain_graph = true}.
            """) { t, args in
            // backward{retain_graph = true}: an options table in the gradient's place.
            let optionsFirst = args.type(1) == .table
            let gradient = optionsFirst ? nil : try args.optionalTensor(1, "gradient")
            let options = try args.options(optionsFirst ? 1 : 2)
            try t.backward(gradient: gradient, retainGraph: try options.bool("retain_graph", default: false))
            return .none
        }
        type.bound("detach", doc: """
            t:detach() -> Tensor
            The same values without autograd history, sharing t's storage (torch.Tensor.detach): a leaf that does not require grad.
            In-place changes to either show in both; use t:detach():clone() for an independent copy.
            """) { t, args in try args.returning(tensor: t.detach()) }
        type.bound("clone", doc: """
            t:clone() -> Tensor
            A contiguous copy with its own storage (torch.Tensor.clone); differentiable: the gradient passes through to t.
            """) { t, args in try args.returning(tensor: try t.clone()) }
        // Assigning `t.grad = g` goes through the Tensor's __newindex (TensorIndexing) to `assignGradient`.
        type.property("grad", doc: """
            t.grad -> Tensor | nil
            The gradient accumulated in the leaf t by backward(), or nil before any (or after zero_grad).
            Assignable: t.grad = g (a Tensor of t's shape, stored detached; it shares g's storage, as in PyTorch, unless g is not contiguous, when it is a contiguous copy) or t.grad = nil.
            """, get: { t, args in
            guard let grad = t.grad else { return try args.returning(LuaValue.nil) }
            return try args.returning(tensor: grad)
        })
        type.property("is_leaf", doc: """
            t.is_leaf -> boolean
            Whether t was not produced by a recorded operation (torch.Tensor.is_leaf): parameters, inputs and anything made without grad.
            """, get: { t, args in try args.returning(t.isLeaf) })
        type.property("needs_grad", doc: """
            t.needs_grad -> boolean
            Whether gradients flow to or through t (PyTorch's t.requires_grad): a leaf marked with requires_grad, or a result computed from one.
            """, get: { t, args in try args.returning(t.requiresGrad) })
        type.property("grad_fn", doc: """
            t.grad_fn -> string | nil
            The name of the operation that produced t on the autograd tape ("matmul", "add", ...), or nil for a leaf.
            A string, not PyTorch's node object.
            """, get: { t, args in try args.returning(t.gradFn?.name) })
    }

    /// `t.grad = g` (argument `i`): nil clears, otherwise a tensor of t's shape, stored detached and contiguous (as the
    /// optimizers expect): g itself when it is contiguous, so the two share storage as in PyTorch.
    static func assignGradient(_ t: Tensor, _ args: LuaArgs, _ i: Int) throws {
        if args.isNil(i) {
            t.grad = nil
            return
        }
        guard let grad = try? args.tensor(i) else { throw args.error("expected a Tensor or nil, got \(args.slot(i, nil).actual)") }
        guard grad.shape == t.shape else {
            throw args.error("a gradient of shape \(Shape.describe(grad.shape)) does not fit a tensor of shape \(Shape.describe(t.shape))")
        }
        t.grad = try grad.detach().contiguous()
    }

    static func install(_ state: LuaState) throws {
        try state.bind("mv", "set_grad_enabled", doc: """
            mv.set_grad_enabled(enabled) -> boolean
            Switches gradient recording on or off for everything that follows and returns the previous setting (torch.set_grad_enabled).
            Prefer the scoped mv.no_grad / mv.enable_grad, which restore the mode even when an error is raised.
            """) { args in
            try args.returning(GradMode.set(try args.bool(1, "enabled")))
        }
        try state.bind("mv", "is_grad_enabled", doc: """
            mv.is_grad_enabled() -> boolean
            Whether operations are currently recorded for autograd (torch.is_grad_enabled); true unless inside mv.no_grad or switched off.
            """) { args in try args.returning(GradMode.isEnabled) }
        try LuaLibraryChunk.run(state, EmbeddedLua.gradMode)
        try state.document("mv.no_grad", """
            mv.no_grad([f, ...]) -> ...
            Runs f(...) with gradient recording off and returns its results, restoring the previous mode even if f raises (torch.no_grad).
            Without f it returns a guard for a scope: local _ <close> = mv.no_grad(). For evaluation, EMA and manual weight updates.
            A guard never closed leaves recording off (a warning says so when it is collected); mv.set_grad_enabled(false) switches it off on purpose.
            Each coroutine keeps its own mode (as PyTorch keeps one per thread): one that yields inside mv.no_grad leaves its resumer recording.
            """)
        try state.document("mv.enable_grad", """
            mv.enable_grad([f, ...]) -> ...
            Runs f(...) with gradient recording on and returns its results, restoring the previous mode even if f raises (torch.enable_grad).
            Without f it returns a guard for a scope: local _ <close> = mv.enable_grad(), e.g. inside an mv.no_grad block.
            """)
    }
}
