import CLua
import LuaShim
import MindTensor

/// An optimizer as Lua sees it: the engine's optimizer and the constructor name used in messages and printing.
final class BoundOptimizer {
    let optimizer: Optimizer
    let name: String
    let hyperparameters: String

    init(_ optimizer: Optimizer, name: String, hyperparameters: String) {
        self.optimizer = optimizer
        self.name = name
        self.hyperparameters = hyperparameters
    }
}

/// `mv.optim`: SGD, Adam and AdamW over an array of tensors or of PyTorch-style parameter groups
/// `{params = {...}, lr =, weight_decay =}`, with `opt:zero_grad()`, `opt:step()`, `opt:state_dict()`,
/// `opt:load_state_dict(sd)` and `opt.param_groups` (ParamGroup objects whose `lr`/`weight_decay` can be set);
/// `mv.nn.clip_grad_norm(params, max_norm)` -> the total norm before clipping. Schedules and EMA live in
/// `ScheduleBindings` and `EMABindings`.
///
///     mv.optim.SGD(params, {lr = 1e-3, momentum = 0, dampening = 0, weight_decay = 0, nesterov = false})
///     mv.optim.Adam(params, {lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8, weight_decay = 0})
///     mv.optim.AdamW(params, {lr = 1e-3, betas = {0.9, 0.999}, eps = 1e-8, weight_decay = 0.01})
enum OptimBindings: LuaBindingSet {
    static let optimizerType: LuaUserdataType<BoundOptimizer> = {
        let type = LuaUserdataType<BoundOptimizer>(name: "Optimizer", doc: "an optimizer from mv.optim.SGD, Adam or AdamW: opt:zero_grad(), loss:backward(), opt:step()")
        type.bound("step", doc: """
            opt:step()
            Updates every parameter that has a gradient, with its group's lr and weight_decay (torch.optim.Optimizer.step).
            Parameters whose .grad is nil are skipped; call it after loss:backward().
            """) { bound, args in
            try bound.optimizer.step()
            return .none
        }
        type.method("zero_grad", doc: """
            opt:zero_grad()
            Sets .grad of every parameter to nil (PyTorch's set_to_none), so the next backward starts from zero.
            """) { bound, args in
            bound.optimizer.zeroGrad()
            return .none
        }
        type.bound("state_dict", doc: """
            opt:state_dict() -> {name = Tensor, ...}, {names}
            The per-parameter state by name "i.field" and the names in order; i counts parameters in group order from 0, as PyTorch.
            Fields: step, exp_avg, exp_avg_sq (Adam, AdamW) or momentum_buffer (SGD with momentum); the tensors are the live state, not copies.
            Learning rates and other hyper-parameters are not included. mv.save writes the table like any state dict.
            """) { bound, args in try args.returning(named: try bound.optimizer.stateDict()) }
        type.bound("load_state_dict", doc: """
            opt:load_state_dict(state_dict)
            Replaces the per-parameter state with a copy of one from opt:state_dict() (to resume training); shapes must match the parameters.
            """) { bound, args in
            try bound.optimizer.loadStateDict(try args.namedTensors(1, "state_dict"))
            return .none
        }
        type.property("param_groups", doc: """
            opt.param_groups -> {ParamGroup, ...}
            The parameter groups in order (torch's param_groups); set group.lr or group.weight_decay to change them between steps.
            """, get: { bound, args in
            try args.pushSequence(count: bound.optimizer.groups.count) { position in
                try args.push(object: bound.optimizer.groups[position - 1])
            }
            return LuaReturn(count: 1)
        })
        type.toString { bound in "\(bound.name)(\(bound.hyperparameters), \(bound.optimizer.groups.count) parameter group\(bound.optimizer.groups.count == 1 ? "" : "s"))" }
        return type
    }()

    static let groupType: LuaUserdataType<ParamGroup> = {
        let type = LuaUserdataType<ParamGroup>(name: "ParamGroup", doc: "parameters sharing a learning rate and weight decay: an entry of opt.param_groups")
        type.property("lr", doc: """
            group.lr -> number
            The group's learning rate; assignable (group.lr = 1e-4, a finite number >= 0), as learning-rate schedules do. Stored as float32.
            """, get: { group, args in try args.returning(Double(group.lr)) },
                      set: { group, args in group.lr = try rate(args, 1, "lr") })
        type.property("weight_decay", doc: """
            group.weight_decay -> number
            The group's weight decay (L2 for SGD and Adam, decoupled for AdamW); assignable, a finite number >= 0.
            """, get: { group, args in try args.returning(Double(group.weightDecay)) },
                      set: { group, args in group.weightDecay = try rate(args, 1, "weight_decay") })
        type.property("params", doc: """
            group.params -> {Tensor, ...}
            The group's parameters, in order (a new array each read; the group itself cannot be changed through it).
            """, get: { group, args in try args.returning(tensors: group.params) })
        type.toString { "ParamGroup(lr=\($0.lr), weight_decay=\($0.weightDecay), \($0.params.count) tensors)" }
        return type
    }()

    static func install(_ state: LuaState) throws {
        try state.register(optimizerType)
        try state.register(groupType)
        try state.bind("mv.optim", "SGD", doc: """
            mv.optim.SGD(params [, options]) -> Optimizer
            Stochastic gradient descent with PyTorch's momentum rule (torch.optim.SGD): p -= lr·d, d the gradient (plus decay, momentum).
            lr = 1e-3  -- learning rate (a finite number >= 0)
            momentum = 0  -- momentum factor; 0 is plain SGD
            dampening = 0  -- the new gradient enters the momentum buffer scaled by 1 - dampening
            weight_decay = 0  -- L2 penalty: weight_decay·p is added to the gradient
            nesterov = false  -- Nesterov momentum (needs momentum > 0 and dampening 0)
            \(paramsHelp)
            """) { args in
            let options = try args.options(2)
            let (lr, decay) = (try optionRate(options, "lr", 1e-3, args), try optionRate(options, "weight_decay", 0, args))
            let momentum = try options.number("momentum", default: 0), dampening = try options.number("dampening", default: 0)
            let nesterov = try options.bool("nesterov", default: false)
            let sgd = try SGD(groups: try parameterGroups(args, lr: lr, weightDecay: decay), momentum: Float(momentum),
                              dampening: Float(dampening), nesterov: nesterov)
            return try args.returning(object: BoundOptimizer(sgd, name: "SGD",
                hyperparameters: "lr=\(lr), momentum=\(momentum), dampening=\(dampening), weight_decay=\(decay), nesterov=\(nesterov)"))
        }
        for decoupled in [false, true] {
            let name = decoupled ? "AdamW" : "Adam"
            let summary = decoupled
                ? "Adam with decoupled weight decay (torch.optim.AdamW): p is scaled by 1 - lr·weight_decay before each Adam update."
                : "Adam (torch.optim.Adam, amsgrad off): bias-corrected first and second moment estimates; weight decay is added to the gradient."
            let decay = decoupled ? "weight_decay = 0.01  -- decoupled decay rate (PyTorch's AdamW default)"
                : "weight_decay = 0  -- L2 penalty: weight_decay·p is added to the gradient"
            try state.bind("mv.optim", name, doc: """
                mv.optim.\(name)(params [, options]) -> Optimizer
                \(summary)
                lr = 1e-3  -- learning rate (a finite number >= 0)
                betas = {0.9, 0.999}  -- decay rates of the first and second moment estimates, each in [0, 1)
                eps = 1e-8  -- added to the denominator for numerical stability
                \(decay)
                \(paramsHelp)
                """) { args in
                let options = try args.options(2)
                let lr = try optionRate(options, "lr", 1e-3, args)
                let decay = try optionRate(options, "weight_decay", decoupled ? 0.01 : 0, args)
                let betas = try options.numberArray("betas") ?? [0.9, 0.999]
                guard betas.count == 2 else { throw args.error("option 'betas': expected {beta1, beta2}, got \(betas.count) numbers") }
                let eps = try options.number("eps", default: 1e-8)
                let adam = try Adam(groups: try parameterGroups(args, lr: lr, weightDecay: decay),
                                    betas: (betas[0], betas[1]), eps: Float(eps), decoupledWeightDecay: decoupled)
                return try args.returning(object: BoundOptimizer(adam, name: name,
                    hyperparameters: "lr=\(lr), betas=(\(betas[0]), \(betas[1])), eps=\(eps), weight_decay=\(decay)"))
            }
        }
        let clipHelp = [
            "clip_grad_norm_": """
                mv.nn.clip_grad_norm_(parameters, max_norm) -> number
                Scales gradients in place so their joint L2 norm is at most max_norm; returns the norm before clipping (torch.nn.utils.clip_grad_norm_).
                parameters is an array of tensors (model:parameters()); those without .grad are skipped. The factor is max_norm / (norm + 1e-6) when below 1.
                A nan or infinite norm is an error rather than a step that would corrupt the weights.
                """,
            "clip_grad_norm": """
                mv.nn.clip_grad_norm(parameters, max_norm) -> number
                The same as mv.nn.clip_grad_norm_ (PyTorch's older name): clips the gradients in place and returns the norm before clipping.
                """,
        ]
        for name in ["clip_grad_norm", "clip_grad_norm_"] {
            try state.bind("mv.nn", name, doc: clipHelp[name]) { args in
                let params = try args.tensorArray(1, "parameters")
                return try args.returning(Double(try clipGradNorm(params, maxNorm: Float(try args.number(2, "max_norm")))))
            }
        }
    }

    /// The note on `params` every optimizer's help ends with.
    static let paramsHelp = """
        params: an array of tensors (model:parameters()) or of groups {params = {...}, lr =, weight_decay =} whose own values override the options.
        Tensors outside a group form the first group; every parameter must be a leaf and appear once.
        """

    /// Argument 1: an array of tensors, or of groups `{params = {...}, lr =, weight_decay =}` (PyTorch's
    /// param_groups; a group's own lr/weight_decay override the optimizer's). Tensors outside a group form one
    /// group of their own, placed first.
    private static func parameterGroups(_ args: LuaArgs, lr: Float, weightDecay: Float) throws -> [ParamGroup] {
        let L = args.L, slot = args.slot(1, "params")
        guard slot.typeCode == LUA_TTABLE else { throw slot.mismatch("an array of tensors or of parameter groups") }
        if LuaStack.rawGet(L, table: slot.index, key: "__core") != LUA_TNIL {
            mv_pop(L, 1)
            throw slot.mismatch("an array of tensors (use model:parameters())")
        }
        mv_pop(L, 1)
        try args.ensureStack(4)
        var loose: [Tensor] = [], groups: [ParamGroup] = []
        for position in stride(from: 1, through: Int(lua_rawlen(L, slot.index)), by: 1) {
            lua_rawgeti(L, slot.index, lua_Integer(position))
            defer { mv_pop(L, 1) }
            let element = LuaSlot(L: L, index: lua_gettop(L), function: args.function, context: slot.context.element(.integer(position)))
            guard element.typeCode == LUA_TTABLE else {
                loose.append(try element.object(Tensor.self))
                continue
            }
            let options = try LuaOptions(slot: element, allowed: ["params", "lr", "weight_decay"])
            LuaStack.rawGet(L, table: element.index, key: "params")
            defer { mv_pop(L, 1) }
            let params = LuaSlot(L: L, index: lua_gettop(L), function: args.function, context: element.context.element(.string("params")))
            let tensors = try args.tensors(in: params)
            groups.append(ParamGroup(params: tensors, lr: try optionRate(options, "lr", Double(lr), args),
                                     weightDecay: try optionRate(options, "weight_decay", Double(weightDecay), args)))
        }
        if !loose.isEmpty { groups.insert(ParamGroup(params: loose, lr: lr, weightDecay: weightDecay), at: 0) }
        return groups
    }

    /// A learning rate or weight decay option: a finite number >= 0.
    private static func optionRate(_ options: LuaOptions, _ key: String, _ value: Double, _ args: LuaArgs) throws -> Float {
        let rate = try options.number(key, default: value)
        guard rate >= 0, rate.isFinite else { throw args.error("option '\(key)': expected a finite number >= 0, got \(rate)") }
        return Float(rate)
    }

    private static func rate(_ args: LuaArgs, _ i: Int, _ name: String) throws -> Float {
        let rate = try args.number(i, name)
        guard rate >= 0, rate.isFinite else { throw args.argumentError(i, name, expected: "a finite number >= 0") }
        return Float(rate)
    }
}
