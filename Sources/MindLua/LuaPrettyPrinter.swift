import CLua
import LuaShim

/// How the REPL shows values: strings quoted, numbers as Lua writes them, tables expanded up to a nesting and an
/// item limit (one line when they fit in `width` columns, otherwise one entry per line), userdata and tables with
/// `__tostring` through it (protected), cycles marked. Tables are read raw: printing never runs `__index`.
struct LuaPrettyPrinter {
    var maxDepth = 3
    var maxItems = 40
    var width = 100

    private indirect enum Node {
        case text(String)
        case table(entries: [(prefix: String, node: Node)], omitted: Int)
    }

    func render(_ L: OpaquePointer, _ index: Int32) -> String {
        var path: Set<UnsafeRawPointer> = []
        return layout(node(L, lua_absindex(L, index), depth: 0, path: &path), indent: 0)
    }

    private func node(_ L: OpaquePointer, _ index: Int32, depth: Int, path: inout Set<UnsafeRawPointer>) -> Node {
        switch lua_type(L, index) {
        case LUA_TNIL: return .text("nil")
        case LUA_TBOOLEAN: return .text(lua_toboolean(L, index) != 0 ? "true" : "false")
        case LUA_TNUMBER: return .text(LuaStack.numberText(L, index))
        case LUA_TSTRING: return .text(LuaStack.quoted(LuaStack.string(L, index)))
        case LUA_TTABLE: return table(L, index, depth: depth, path: &path)
        default: return .text(LuaStack.tostring(L, index))
        }
    }

    private func table(_ L: OpaquePointer, _ index: Int32, depth: Int, path: inout Set<UnsafeRawPointer>) -> Node {
        if hasToString(L, index) { return .text(LuaStack.tostring(L, index)) }
        guard let address = lua_topointer(L, index), lua_checkstack(L, 4) != 0 else { return .text("{...}") }
        if path.contains(address) { return .text("<cycle>") }
        if depth >= maxDepth { return .text(lua_rawlen(L, index) == 0 && isEmpty(L, index) ? "{}" : "{...}") }
        path.insert(address)
        defer { path.remove(address) }

        var entries: [(prefix: String, node: Node)] = []
        let length = Int(lua_rawlen(L, index))
        for position in stride(from: 1, through: min(length, maxItems), by: 1) {
            lua_rawgeti(L, index, lua_Integer(position))
            entries.append(("", node(L, lua_gettop(L), depth: depth + 1, path: &path)))
            mv_pop(L, 1)
        }
        var keyed: [(order: KeyOrder, prefix: String, node: Node)] = []
        var keyCount = 0
        try? LuaStack.extraKeys(L, index) { key in
            keyCount += 1
            let order = KeyOrder(L, key)
            lua_pushvalue(L, key)
            lua_rawget(L, index)
            keyed.append((order, keyPrefix(L, key, order: order), node(L, lua_gettop(L), depth: depth + 1, path: &path)))
            mv_pop(L, 1)
        }
        keyed.sort { $0.order < $1.order }
        let room = max(0, maxItems - entries.count)
        entries += keyed.prefix(room).map { ($0.prefix, $0.node) }
        return .table(entries: entries, omitted: max(0, length - maxItems) + max(0, keyCount - room))
    }

    private func hasToString(_ L: OpaquePointer, _ index: Int32) -> Bool {
        guard lua_getmetatable(L, index) != 0 else { return false }
        defer { mv_pop(L, 2) }
        return LuaStack.rawGet(L, table: -1, key: "__tostring") != LUA_TNIL
    }

    private func isEmpty(_ L: OpaquePointer, _ index: Int32) -> Bool {
        var empty = true
        try? LuaStack.extraKeys(L, index) { _ in empty = false }
        return empty
    }

    private func keyPrefix(_ L: OpaquePointer, _ key: Int32, order: KeyOrder) -> String {
        if lua_type(L, key) == LUA_TSTRING, LuaIdentifier.isValid(order.text) { return order.text + " = " }
        var path: Set<UnsafeRawPointer> = []
        return "[" + flat(node(L, key, depth: maxDepth, path: &path)) + "] = "
    }

    /// Display order of keys: numbers by value, then strings, then everything else by its text.
    private struct KeyOrder: Comparable {
        let rank: Int
        let number: Double
        let text: String

        init(_ L: OpaquePointer, _ key: Int32) {
            switch lua_type(L, key) {
            case LUA_TNUMBER: rank = 0; number = lua_tonumberx(L, key, nil); text = LuaStack.numberText(L, key)
            case LUA_TSTRING: rank = 1; number = 0; text = LuaStack.string(L, key)
            default: rank = 2; number = 0; text = LuaStack.tostring(L, key)
            }
        }

        static func < (a: KeyOrder, b: KeyOrder) -> Bool {
            (a.rank, a.number, a.text) < (b.rank, b.number, b.text)
        }
    }

    private func flat(_ node: Node) -> String {
        switch node {
        case .text(let text): return text
        case .table(let entries, let omitted):
            var items = entries.map { $0.prefix + flat($0.node) }
            if omitted > 0 { items.append("...(\(omitted) more)") }
            return items.isEmpty ? "{}" : "{" + items.joined(separator: ", ") + "}"
        }
    }

    private func layout(_ node: Node, indent: Int) -> String {
        let single = flat(node)
        guard case .table(let entries, let omitted) = node, indent + single.count > width else { return single }
        let pad = String(repeating: " ", count: indent + 2)
        var lines = entries.map { pad + $0.prefix + layout($0.node, indent: indent + 2 + $0.prefix.count) + "," }
        if omitted > 0 { lines.append(pad + "...(\(omitted) more)") }
        return "{\n" + lines.joined(separator: "\n") + "\n" + String(repeating: " ", count: indent) + "}"
    }
}
