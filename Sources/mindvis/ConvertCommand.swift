import Foundation
import MindIO

extension Subcommand {
    static let convert = Subcommand(
        name: "convert",
        summary: "convert a PyTorch checkpoint (.pth/.pt/.ckpt) to safetensors",
        usage: """
            usage: mindvis convert IN OUT.safetensors [--key KEY] [--strip-prefix PREFIX]

            Reads IN with the restricted pickle reader (nothing in it can run code), picks the state dict
            (KEY, e.g. model or state_dict; by default the first of state_dict, model_state_dict, model) and
            writes its tensors to OUT atomically, printing what was kept and what was skipped.
              --key KEY              the entry holding the state dict (dotted for nesting: module.state_dict)
              --strip-prefix PREFIX  keep only tensors whose names start with PREFIX, without it
                                     (model.diffusion_model., cond_stage_model., first_stage_model.)
            """,
        run: runConvert)

    private static func runConvert(_ arguments: [String]) -> Int32 {
        let parsed: SubcommandArguments
        switch convert.parse(arguments, valueOptions: ["--key": "a key", "--strip-prefix": "a prefix"]) {
        case .success(let p): parsed = p
        case .failure(let exit): return exit.code
        }
        guard parsed.positional.count == 2 else { return convert.usageError("expected IN and OUT, got \(parsed.positional.count) paths") }
        let input = URL(fileURLWithPath: parsed.positional[0]), output = URL(fileURLWithPath: parsed.positional[1])
        guard output.pathExtension == "safetensors" else { return convert.usageError("OUT must end in .safetensors") }
        do {
            let state = try StateDict.load(contentsOf: input, keyPath: parsed.values["--key"], stripPrefix: parsed.values["--strip-prefix"])
            guard !state.tensors.isEmpty else {
                fputs("mindvis convert: no tensors selected from \(input.path)\n", stderr)
                return 1
            }
            var metadata = ["source": input.lastPathComponent]
            if let key = parsed.values["--key"] { metadata["key"] = key }
            if let prefix = parsed.values["--strip-prefix"] { metadata["stripped_prefix"] = prefix }
            try Safetensors.write(state.tensors, metadata: metadata, to: output)
            let elements = state.tensors.reduce(0) { $0 + $1.array.numel }
            print("kept \(state.tensors.count) tensors (\(elements) values) -> \(output.path)")
            for (name, kind) in state.skipped { print("  skipped \(name) (\(kind), not a tensor)") }
            if !state.droppedByPrefix.isEmpty {
                print("  dropped \(state.droppedByPrefix.count) tensors without the prefix '\(parsed.values["--strip-prefix"] ?? "")'")
            }
            return 0
        } catch {
            fputs("mindvis convert: \(error)\n", stderr)
            return 1
        }
    }
}
