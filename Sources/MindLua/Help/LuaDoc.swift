import Foundation

/// The help text of one bound function, method or property: what `help(f)` prints and `docs/API.md` lists. Written
/// next to the binding it describes, in a small plain-text form:
///
///     mv.nn.Linear(in_features, out_features [, options]) -> Module
///     Applies y = x·Wᵀ + b to the last dimension, as torch.nn.Linear.
///     bias = true  -- learn the additive bias b
///     Weights start Kaiming-uniform, as in PyTorch.
///
/// Line 1 is the signature, line 2 the one-line summary; a line `name = default  -- text` documents an option (the
/// documented names are the accepted ones: `LuaArgs.options(i)` reads them from here); any other line is a note.
public struct LuaDoc: Equatable, Sendable {
    public struct Option: Equatable, Sendable {
        public let name: String
        /// The default as Lua source (`true`, `1e-3`, `{0.9, 0.999}`), or `required`.
        public let defaultValue: String
        public let text: String
    }

    /// The qualified name: `mv.nn.Linear`, `Tensor:matmul`, `Tensor.grad`.
    public let name: String
    public let signature: String
    public let summary: String
    public let options: [Option]
    public let notes: [String]

    /// Parses `text` (see above). Malformed help is a programming error caught by the test that parses every entry.
    init(name: String, text: String) throws {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
        guard lines.count >= 2 else {
            throw LuaBindingError("help of \(name): needs a signature line and a summary line")
        }
        self.name = name
        signature = lines[0]
        summary = lines[1]
        var options: [Option] = [], notes: [String] = []
        for line in lines.dropFirst(2) {
            if let option = LuaDoc.option(line) {
                guard !options.contains(where: { $0.name == option.name }) else {
                    throw LuaBindingError("help of \(name): option '\(option.name)' is documented twice")
                }
                options.append(option)
            } else {
                notes.append(line)
            }
        }
        self.options = options
        self.notes = notes
    }

    /// `maximumArguments(signature:)` of a help text's signature line (its first non-blank line), read without
    /// parsing the rest: every method's help is read at each interpreter's start.
    static func maximumArguments(help text: String) -> Int? {
        text.split(separator: "\n").first { !$0.allSatisfy(\.isWhitespace) }.flatMap { maximumArguments(signature: String($0)) }
    }

    /// How many arguments (after `self` for a method) the signature line `f(a, b [, c [, d]]) -> r` takes: here 4;
    /// nil when it takes any number (`...`) or is not a parenthesised call (`mv.models.LDM{...}`).
    static func maximumArguments(signature: String) -> Int? {
        guard let open = signature.firstIndex(of: "(") else { return nil }
        var depth = 0, inner = ""
        for character in signature[signature.index(after: open)...] {
            if character == "(" { depth += 1 }
            if character == ")" {
                if depth == 0 { break }
                depth -= 1
            }
            inner.append(character)
        }
        guard !inner.contains("...") else { return nil }
        // Brackets mark optional parts; braces hold a table's fields (one argument), so their commas do not count.
        var count = 0, braces = 0, inPart = false
        for character in inner {
            switch character {
            case "{": braces += 1; inPart = true
            case "}": braces -= 1
            case "," where braces == 0: if inPart { count += 1 }; inPart = false
            case "[", "]", " ": break
            default: inPart = true
            }
        }
        return count + (inPart ? 1 : 0)
    }

    /// `name = default  -- text`, or nil for any other line.
    private static func option(_ line: String) -> Option? {
        guard let equals = line.range(of: " = "), let dashes = line.range(of: "  -- ") , equals.upperBound <= dashes.lowerBound else {
            return nil
        }
        let name = String(line[..<equals.lowerBound])
        // Keys of nested settings read `ddconfig.ch`.
        guard name.split(separator: ".", omittingEmptySubsequences: false).allSatisfy({ LuaIdentifier.isValid(String($0)) }) else { return nil }
        return Option(name: name, defaultValue: String(line[equals.upperBound..<dashes.lowerBound]).trimmingCharacters(in: .whitespaces),
                      text: String(line[dashes.upperBound...]).trimmingCharacters(in: .whitespaces))
    }

    /// The text `help()` prints.
    public var formatted: String {
        var lines = [signature, "  " + summary]
        if !options.isEmpty {
            lines.append("  options:")
            let width = options.map { $0.name.count + 3 + $0.defaultValue.count }.max() ?? 0
            for option in options {
                let head = "\(option.name) = \(option.defaultValue)"
                lines.append("    " + head + String(repeating: " ", count: width - head.count) + "  " + option.text)
            }
        }
        lines += notes.map { "  " + $0 }
        return lines.joined(separator: "\n")
    }
}
