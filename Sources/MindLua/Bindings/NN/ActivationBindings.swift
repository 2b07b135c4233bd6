import MindTensor

enum ActivationBindings: LuaBindingSet {
    static func install(_ state: LuaState) throws {
        try state.bind("mv.nn", "Dropout", doc: """
            mv.nn.Dropout([p]) -> Module
            Zeroes each element with probability p in [0, 1) (default 0.5) in training mode and scales the rest by 1/(1-p); the identity after eval().
            """) { args in
            try LayerArguments.noExtraArguments(args, 1)
            return try args.returning(module: try Dropout(Float(try args.optionalNumber(1, "p") ?? 0.5)))
        }
        try state.bind("mv.nn", "GELU", doc: """
            mv.nn.GELU([options]) -> Module
            x·Φ(x), the Gaussian error linear unit (exact erf form by default, as torch.nn.GELU).
            approximate = "none"  -- "tanh" for the tanh approximation
            """) { args in
            let options = try args.options(1)
            let approximate = try TensorMath.geluApproximation(try options.value("approximate")) {
                args.error("option 'approximate': expected 'none', 'tanh' or a boolean")
            }
            return try args.returning(module: GELU(approximate: approximate))
        }
        let activations: [(String, String, () -> Module)] = [
            ("SiLU", "x·sigmoid(x) (swish)", { SiLU() }), ("ReLU", "max(x, 0)", { ReLU() }), ("Tanh", "tanh(x)", { Tanh() }),
            ("Sigmoid", "1/(1+e⁻ˣ)", { Sigmoid() }), ("Identity", "returns its input unchanged", { Identity() }),
        ]
        for (name, formula, make) in activations {
            try state.bind("mv.nn", name, doc: """
                mv.nn.\(name)() -> Module
                Element-wise \(formula), as torch.nn.\(name).
                """) { args in
                try LayerArguments.noExtraArguments(args, 0)
                return try args.returning(module: make())
            }
        }
    }
}
