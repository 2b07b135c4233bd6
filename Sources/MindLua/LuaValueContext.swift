/// Where a value being read came from, for error messages: `argument #2 'size'`, `option 'lr'`,
/// `argument #1 'data' at [3][2]`.
enum LuaValueContext: CustomStringConvertible {
    case argument(Int, String?)
    case option(String)
    case global(String)
    case result(Int)
    /// A value inside a table: `[3]` or `.name` relative to the parent context.
    indirect case element(LuaValueContext, String)

    var description: String {
        var path: [String] = []
        var root = self
        while case .element(let parent, let step) = root {
            path.append(step)
            root = parent
        }
        let base: String
        switch root {
        case .argument(let index, let name?): base = "argument #\(index) '\(name)'"
        case .argument(let index, nil): base = "argument #\(index)"
        case .option(let name): base = "option '\(name)'"
        case .global(let name): base = "global '\(name)'"
        case .result(let index): base = "result #\(index)"
        case .element: base = ""
        }
        return path.isEmpty ? base : base + " at " + path.reversed().joined()
    }

    /// The context of a table element with key `key` (an integer or a string).
    func element(_ key: LuaValue) -> LuaValueContext {
        switch key {
        case .integer(let index): return .element(self, "[\(index)]")
        case .string(let name) where LuaIdentifier.isValid(name): return .element(self, "." + name)
        case .string(let name): return .element(self, "[" + LuaStack.quoted(name) + "]")
        default: return .element(self, "[\(key)]")
        }
    }
}
