/// The subset of Python literal syntax that npy headers use: a dict of strings, bools and tuples of
/// ints, e.g. `{'descr': '<f4', 'fortran_order': False, 'shape': (16, 9), }` (numpy reads it with
/// `ast.literal_eval`; Python 2 era files may write `3L`).
indirect enum PythonLiteral: Equatable, CustomStringConvertible {
    case string(String)
    case int(Int)
    case bool(Bool)
    case none
    case tuple([PythonLiteral])
    case list([PythonLiteral])
    case dict([(key: PythonLiteral, value: PythonLiteral)])

    static func == (lhs: PythonLiteral, rhs: PythonLiteral) -> Bool {
        switch (lhs, rhs) {
        case (.string(let a), .string(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.bool(let a), .bool(let b)): return a == b
        case (.none, .none): return true
        case (.tuple(let a), .tuple(let b)), (.list(let a), .list(let b)): return a == b
        case (.dict(let a), .dict(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: return false
        }
    }

    /// As Python would print it, for messages: `'shape'`, `[2]`, `(2,)`, `True`.
    var description: String {
        switch self {
        case .string(let text): return "'" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "'", with: "\\'") + "'"
        case .int(let value): return String(value)
        case .bool(let value): return value ? "True" : "False"
        case .none: return "None"
        case .tuple(let items): return "(" + items.map(\.description).joined(separator: ", ") + (items.count == 1 ? ",)" : ")")
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .dict(let pairs): return "{" + pairs.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }

    static func parse(_ text: String, context: String) throws -> PythonLiteral {
        var parser = PythonLiteralParser(scalars: Array(text.unicodeScalars), context: context)
        parser.skipWhitespace()
        let value = try parser.parseValue(depth: 0)
        parser.skipWhitespace()
        guard parser.position == parser.scalars.count else {
            throw parser.error("unexpected text after the literal")
        }
        return value
    }
}

private struct PythonLiteralParser {
    let scalars: [Unicode.Scalar]
    let context: String
    var position = 0
    static let maxDepth = 16

    init(scalars: [Unicode.Scalar], context: String) {
        self.scalars = scalars
        self.context = context
    }

    func error(_ message: String) -> MindIOError {
        MindIOError("\(context): malformed header at character \(position): \(message)")
    }

    var current: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

    mutating func skipWhitespace() {
        while let scalar = current, scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
            position += 1
        }
    }

    mutating func parseValue(depth: Int) throws -> PythonLiteral {
        guard depth < PythonLiteralParser.maxDepth else { throw error("nested too deeply") }
        guard let scalar = current else { throw error("unexpected end") }
        switch scalar {
        case "{":
            let items = try parseSequence(close: "}", depth: depth, keyed: true)
            return .dict(items.map { ($0.key ?? .none, $0.value) })
        case "(":
            let items = try parseSequence(close: ")", depth: depth, keyed: false)
            return .tuple(items.map(\.value))
        case "[":
            let items = try parseSequence(close: "]", depth: depth, keyed: false)
            return .list(items.map(\.value))
        case "'", "\"":
            return .string(try parseString(quote: scalar))
        case "-", "0"..."9":
            return .int(try parseInt())
        default:
            let word = parseWord()
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            default: throw error("unexpected '\(word.isEmpty ? String(Character(scalar)) : word)'")
            }
        }
    }

    /// Comma-separated items up to `close`, trailing comma allowed; `keyed` parses `key: value` pairs.
    mutating func parseSequence(close: Unicode.Scalar, depth: Int, keyed: Bool) throws -> [(key: PythonLiteral?, value: PythonLiteral)] {
        position += 1
        var items: [(key: PythonLiteral?, value: PythonLiteral)] = []
        while true {
            skipWhitespace()
            if current == close {
                position += 1
                return items
            }
            var key: PythonLiteral?
            if keyed {
                key = try parseValue(depth: depth + 1)
                skipWhitespace()
                guard current == ":" else { throw error("expected ':'") }
                position += 1
                skipWhitespace()
            }
            items.append((key, try parseValue(depth: depth + 1)))
            skipWhitespace()
            if current == "," {
                position += 1
            } else if current != close {
                throw error("expected ',' or '\(Character(close))'")
            }
        }
    }

    mutating func parseString(quote: Unicode.Scalar) throws -> String {
        position += 1
        var text = ""
        while let scalar = current {
            position += 1
            if scalar == quote { return text }
            if scalar == "\\" {
                guard let escaped = current else { break }
                position += 1
                switch escaped {
                case "n": text.unicodeScalars.append("\n")
                case "t": text.unicodeScalars.append("\t")
                case "r": text.unicodeScalars.append("\r")
                case "0": text.unicodeScalars.append("\0")
                default: text.unicodeScalars.append(escaped)
                }
            } else {
                text.unicodeScalars.append(scalar)
            }
        }
        throw error("unterminated string")
    }

    mutating func parseInt() throws -> Int {
        let start = position
        if current == "-" { position += 1 }
        while let scalar = current, ("0"..."9").contains(scalar) {
            position += 1
        }
        var digits = ""
        digits.unicodeScalars.append(contentsOf: scalars[start..<position])
        if current == "L" || current == "l" { position += 1 }
        guard let value = Int(digits) else { throw error("integer '\(digits)' out of range") }
        return value
    }

    mutating func parseWord() -> String {
        var word = ""
        while let scalar = current, scalar.properties.isAlphabetic || scalar == "_" {
            word.unicodeScalars.append(scalar)
            position += 1
        }
        return word
    }
}
