import Foundation
import MindVis

/// `mv.parse_args(arg, options [, description])`: command-line options for example and experiment scripts, in the
/// reference's spelling (`--num_epoch 800 --mask_ratio 0.65`). An option is `name = default` or
/// `name = {default, "what it does"}`; its type comes from the default (number, integer, boolean, string). Unknown
/// options are errors naming the closest one; `-h`/`--help` prints the description and every option with its
/// default and help, then ends the script successfully.
enum ScriptArguments: LuaBindingSet {
    struct Option {
        let name: String
        let defaultValue: LuaValue
        let help: String?
    }

    static func install(_ state: LuaState) throws {
        try state.bind("mv", "parse_args", doc: """
            mv.parse_args(arg, options [, description]) -> table
            Parses a script's command line (--name value, --name=value, --flag) against options {name = default} or {name = {default, "help"}}; the result holds every option and the positional words at 1, 2, ...
            A boolean option alone (--flag) is true; it takes the next word only when that is true, false, yes or no (--flag=0 also works). Words after -- are positional.
            Types follow the defaults; unknown options are errors naming the closest one. -h or --help prints the description and the options with defaults and help, and ends the script.
            """) { args in
            let given = try args.value(1, "arg")
            let entries: [LuaTableEntry]
            switch try args.value(2, "options") {
            case .table(let items): entries = items
            case .array(let items) where items.isEmpty: entries = []
            default: throw args.argumentError(2, "options", expected: "a table of name = default or name = {default, \"help\"}")
            }
            let description = try args.optionalString(3, "description")
            var options: [String: Option] = [:]
            for entry in entries {
                guard case .string(let key) = entry.key else { throw args.argumentError(2, "options", expected: "string option names") }
                switch entry.value {
                case .array(let pair) where pair.count == 2:
                    guard case .string(let help) = pair[1], [.integer(0), .number(0), .boolean(false), .string("")].contains(where: { sameKind($0, pair[0]) }) else {
                        throw args.argumentError(2, "options", expected: "\(key) = {default, \"help\"} with a number, boolean or string default")
                    }
                    options[key] = Option(name: key, defaultValue: pair[0], help: help)
                case .integer, .number, .boolean, .string:
                    options[key] = Option(name: key, defaultValue: entry.value, help: nil)
                default:
                    throw args.argumentError(2, "options", expected: "\(key) = a number, boolean or string default, or {default, \"help\"}")
                }
            }
            let words = positionalWords(given)
            var result = options.mapValues(\.defaultValue)
            var positional: [LuaValue] = []
            var i = 0
            while i < words.count {
                let word = words[i]
                i += 1
                if word == "--" {
                    // The usual end of options: what follows is positional, even words that start with --.
                    positional += words[i...].map { .string($0) }
                    break
                }
                if word == "-h" || word == "--help" {
                    // A script asked for its options: print them and end the process successfully, as CLIs do.
                    print(usage(script: given[.integer(0)], description: description, options: options))
                    fflush(stdout)
                    exit(0)
                }
                guard word.hasPrefix("--"), word.count > 2 else {
                    if word.hasPrefix("-"), word.count > 1, Double(word) == nil {
                        throw LuaBindingError("unknown option \(word) (options are spelled --name; -h or --help lists them)")
                    }
                    // `epochs=2` for a known option is a forgotten `--`, not a positional word a script would ignore.
                    if let eq = word.firstIndex(of: "="), options[String(word[..<eq])] != nil {
                        throw LuaBindingError("'\(word)' is not an option; did you mean --\(word)?")
                    }
                    positional.append(.string(word))
                    continue
                }
                var name = String(word.dropFirst(2)), value: String?
                if let eq = name.firstIndex(of: "=") {
                    value = String(name[name.index(after: eq)...])
                    name = String(name[..<eq])
                }
                guard let current = options[name]?.defaultValue else {
                    let hint = EditDistance.closest(to: name, among: options.keys.sorted()).map { " (did you mean --\($0)?)" } ?? ""
                    throw LuaBindingError("unknown option --\(name)\(hint); -h or --help lists the options")
                }
                if case .boolean = current, value == nil,
                   i >= words.count || !["true", "false", "yes", "no"].contains(words[i].lowercased()) {
                    // A bare switch: the next word (a file name, a number) stays positional.
                    result[name] = .boolean(true)
                    continue
                }
                if value == nil {
                    guard i < words.count else { throw LuaBindingError("option --\(name) needs a value") }
                    // `--name --lr 0.1`: the value was forgotten, and taking "--lr" would drop the next option too.
                    if words[i].hasPrefix("--"), options[String(words[i].dropFirst(2).prefix { $0 != "=" })] != nil {
                        throw LuaBindingError("option --\(name) needs a value, but the next word is the option \(words[i])")
                    }
                    value = words[i]
                    i += 1
                }
                if case .string(let fallback) = current, !fallback.isEmpty, value!.isEmpty {
                    // An empty path where the default names one (`--output=`) would write into the current folder or /.
                    throw LuaBindingError("option --\(name) needs a non-empty value (default \"\(fallback)\")")
                }
                result[name] = try convert(value!, like: current, option: name)
            }
            var resultEntries = result.keys.sorted().map { LuaTableEntry(key: .string($0), value: result[$0]!) }
            resultEntries += positional.enumerated().map { LuaTableEntry(key: .integer($0 + 1), value: $1) }
            return try args.returning(LuaValue.table(resultEntries))
        }
    }

    private static func sameKind(_ a: LuaValue, _ b: LuaValue) -> Bool {
        switch (a, b) {
        case (.integer, .integer), (.number, .number), (.integer, .number), (.number, .integer), (.boolean, .boolean), (.string, .string): return true
        default: return false
        }
    }

    /// arg[1], arg[2], ... as strings (the script's own arguments; numbers, as a script may pass, are written out).
    static func positionalWords(_ value: LuaValue) -> [String] {
        var words: [String] = []
        var k = 1
        while true {
            switch value[.integer(k)] {
            case .string(let s): words.append(s)
            case .integer(let n): words.append(String(n))
            case .number(let x): words.append(String(x))
            default: return words
            }
            k += 1
        }
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

    /// `usage: mindvis script.lua [options]`, the description, then one line per option: `--name VALUE  help [default]`.
    static func usage(script: LuaValue, description: String?, options: [String: Option]) -> String {
        let name: String
        if case .string(let path) = script { name = path } else { name = "script.lua" }
        var lines = ["usage: mindvis \(name) [--option value ...]"]
        if let description { lines += ["", description] }
        guard !options.isEmpty else { return (lines + ["", "(no options)"]).joined(separator: "\n") }
        lines += ["", "options:"]
        let heads = options.keys.sorted().map { name -> (String, Option) in
            let option = options[name]!
            let placeholder: String
            switch option.defaultValue {
            case .boolean: placeholder = ""
            case .integer: placeholder = " N"
            case .number: placeholder = " X"
            default: placeholder = " TEXT"
            }
            return ("  --\(name)\(placeholder)", option)
        }
        let width = heads.map(\.0.count).max() ?? 0
        for (head, option) in heads {
            let shown: String
            if case .string(let text) = option.defaultValue { shown = "\"\(text)\"" } else { shown = "\(option.defaultValue)" }
            let help = option.help.map { $0 + " " } ?? ""
            lines.append(head.padding(toLength: width + 2, withPad: " ", startingAt: 0) + help + "[default \(shown)]")
        }
        return lines.joined(separator: "\n")
    }
}
