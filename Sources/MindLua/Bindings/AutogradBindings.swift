import MindTensor

/// Autograd from Lua: `t:requires_grad()`, `loss:backward()`, `t.grad`, `t.is_leaf`, `t.grad_fn`, `t:detach()`,
/// `t:clone()`, and the grad mode: `mv.no_grad(f, ...)` / `mv.enable_grad(f, ...)` run `f` with recording off/on
/// and restore the previous mode even when `f` errors (a to-be-closed guard; called without a function they return
/// the guard itself: `local _ <close> = mv.no_grad()`), `mv.is_grad_enabled()`, `mv.set_grad_enabled(b)`.
enum AutogradBindings {
    static func define(_ type: LuaUserdataType<Tensor>) {
        for name in ["requires_grad", "requires_grad_"] {
            type.bound(name) { t, args in
                try t.requiresGrad(try args.optionalBool(1, "requires_grad") ?? true)
                return try args.returning(tensor: t)
            }
        }
        type.bound("backward", doc: """
            t:backward([gradient] [, options])
            Back-propagates from t: leaves that require grad accumulate d t / d leaf into .grad. A non-scalar t needs gradient (shaped like t). The graph is freed afterwards.
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
        type.bound("detach") { t, args in try args.returning(tensor: t.detach()) }
        type.bound("clone") { t, args in try args.returning(tensor: try t.clone()) }
        // Assigning `t.grad = g` goes through the Tensor's __newindex (TensorIndexing) to `assignGradient`.
        type.property("grad", get: { t, args in
            guard let grad = t.grad else { return try args.returning(LuaValue.nil) }
            return try args.returning(tensor: grad)
        })
        type.property("is_leaf", get: { t, args in try args.returning(t.isLeaf) })
        type.property("needs_grad", get: { t, args in try args.returning(t.requiresGrad) })
        type.property("grad_fn", get: { t, args in try args.returning(t.gradFn?.name) })
    }

    /// `t.grad = g` (argument `i`): nil clears, otherwise a tensor of t's shape (stored detached and contiguous, as
    /// the optimizers expect).
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
        try state.register(table: "mv", name: "set_grad_enabled") { args in
            try args.returning(GradMode.set(try args.bool(1, "enabled")))
        }
        try state.register(table: "mv", name: "is_grad_enabled") { args in try args.returning(GradMode.isEnabled) }
        try LuaLibraryChunk.run(state, EmbeddedLua.gradMode)
    }
}
