/// Lua's lexical rules for names, used to validate binding names, print table keys bare (`{x = 1}`) and complete.
enum LuaIdentifier {
    static let keywords: Set<String> = [
        "and", "break", "do", "else", "elseif", "end", "false", "for", "function", "goto", "if", "in",
        "local", "nil", "not", "or", "repeat", "return", "then", "true", "until", "while",
    ]

    /// A letter or underscore (Lua names are ASCII).
    static func isStart(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || byte == UInt8(ascii: "_")
    }

    static func isContinuation(_ byte: UInt8) -> Bool {
        isStart(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    /// A name that can be written bare: `t.name`, `{name = 1}`.
    static func isValid(_ text: String) -> Bool {
        guard let first = text.utf8.first, isStart(first), !keywords.contains(text) else { return false }
        return text.utf8.allSatisfy(isContinuation)
    }
}
