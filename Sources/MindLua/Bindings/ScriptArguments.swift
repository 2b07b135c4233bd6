import Foundation
import MindVis

/// `mv.parse_args(arg, defaults)`: command-line options for example and experiment scripts, in the
/// reference's spelling (`--num_epoch 800 --mask_ratio 0.65`). Each option's type comes from its
/// default (number, integer, boolean, string); unknown options are errors naming the closest one;
/// `--help` prints the options with their defaults and exits the script.
enum ScriptArguments: LuaBindingSet {
    static func install(_ state: LuaState) throws {
        try state.register(table: "mv", name: "parse_args") { args in
            let given = try args.value(1, "arg")
            guard case .table(let defaultEntries) = try args.value(2, "defaults") else {
                throw args.argumentError(2, "defaults", expected: "a table of option = default value")
            }
            var defaults: [String: LuaValue] = [:]
            for entry in defaultEntries {
                guard case .string(let key) = entry.key else { throw args.argumentError(2, "defaults", expected: "string option names") }
                defaults[key] = entry.value
            }
            let words = positionalWords(given)
            var result = defaults
            var positional: [LuaValue] = []
            var i = 0
            while i < words.count {
                let word = words[i]
                i += 1
                guard word.hasPrefix("--"), word.count > 2 else { positional.append(.string(word)); continue }
                var name = String(word.dropFirst(2)), value: String?
                if let eq = name.firstIndex(of: "=") {
                    value = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                if name == "help" {
                    // A script asked for its options: print them and end the process successfully, as CLIs do.
                    print(usage(defaults))
                    exit(0)
                }
                guard let current = defaults[name] else {
                    let hint = EditDistance.closest(to: name, among: defaults.keys.sorted()).map { " (did you mean --\($0)?)" } ?? ""
                    throw LuaBindingError("unknown option --\(name)\(hint); options: " + defaults.keys.sorted().map { "--" + $0 }.joined(separator: " "))
                }
                if case .boolean = current, value == nil, i >= words.count || words[i].hasPrefix("--") {
                    result[name] = .boolean(true)
                    continue
                }
                if value == nil {
                    guard i < words.count else { throw LuaBindingError("option --\(name) needs a value") }
                    value = words[i]
                    i += 1
                }
                result[name] = try convert(value!, like: current, option: name)
            }
            var entries = result.keys.sorted().map { LuaTableEntry(key: .string($0), value: result[$0]!) }
            entries += positional.enumerated().map { LuaTableEntry(key: .integer($0 + 1), value: $1) }
            return try args.returning(LuaValue.table(entries))
        }
    }

    /// arg[1], arg[2], ... as strings (the script's own arguments).
    static func positionalWords(_ value: LuaValue) -> [String] {
        var words: [String] = []
        var k = 1
        while case .string(let s) = value[.integer(k)] {
            words.append(s)
            k += 1
        }
        return words
    }

    static func convert(_ text: String, like current: LuaValue, option: String) throws -> LuaValue {
        switch current {
        case .integer:
            guard let v = Int(text) else { throw LuaBindingError("option --\(option) expects an integer, got '\(text)'") }
            return .integer(v)
        case .number:
            guard let v = Double(text), v.isFinite else { throw LuaBindingError("option --\(option) expects a number, got '\(text)'") }
            return .number(v)
        case .boolean:
            switch text.lowercased() {
            case "true", "1", "yes": return .boolean(true)
            case "false", "0", "no": return .boolean(false)
            default: throw LuaBindingError("option --\(option) expects true or false, got '\(text)'")
            }
        default:
            return .string(text)
        }
    }

    static func usage(_ defaults: [String: LuaValue]) -> String {
        "options (with defaults):\n" + defaults.keys.sorted().map { "  --\($0) \(defaults[$0]!)" }.joined(separator: "\n")
    }
}
