import CLua
import LuaShim

/// Tab completion for the REPL: globals and keywords (`pri` -> `print`), table fields (`mv.nn.Li` -> `Linear`)
/// and methods through the metatable (`t:sh` -> `shape`, using a bound type's `__methods`/`__properties` or an
/// `__index` table, following class chains). Only raw access: completing never runs Lua code.
enum LuaCompleter {
    struct Completion: Equatable {
        /// The partial name being completed (the text after the last `.` or `:`).
        let partial: String
        /// Full names that extend `partial`, sorted.
        let candidates: [String]
    }

    static func complete(_ state: LuaState, textBeforeCursor text: String) -> Completion {
        let L = state.L
        let bytes = Array(text.utf8)
        var start = bytes.count
        let dot = UInt8(ascii: "."), colon = UInt8(ascii: ":")
        while start > 0, LuaIdentifier.isContinuation(bytes[start - 1]) || bytes[start - 1] == dot || bytes[start - 1] == colon {
            start -= 1
        }
        let expression = String(decoding: bytes[start...], as: UTF8.self)
        let separatorIndex = expression.lastIndex { $0 == "." || $0 == ":" }
        let partial = separatorIndex.map { String(expression[expression.index(after: $0)...]) } ?? expression
        let none = Completion(partial: partial, candidates: [])
        if let first = partial.utf8.first, !LuaIdentifier.isStart(first) { return none }

        let top = lua_gettop(L)
        defer { lua_settop(L, top) }
        guard lua_checkstack(L, 8) != 0 else { return none }
        LuaStack.pushGlobals(L)
        guard let separatorIndex else {
            let names = keys(L, lua_gettop(L), methodsOnly: false).union(LuaIdentifier.keywords)
            return Completion(partial: partial, candidates: names.filter { $0.hasPrefix(partial) }.sorted())
        }
        let path = expression[..<separatorIndex].split(separator: ".", omittingEmptySubsequences: false)
        for component in path {
            guard LuaIdentifier.isValid(String(component)), lookUp(L, String(component)) else { return none }
        }
        let methodsOnly = expression[separatorIndex] == ":"
        let names = keys(L, lua_gettop(L), methodsOnly: methodsOnly)
        return Completion(partial: partial, candidates: names.filter { $0.hasPrefix(partial) }.sorted())
    }

    /// Pushes the field `name` of the value on top (raw, then through `__index` tables); false if absent.
    private static func lookUp(_ L: OpaquePointer, _ name: String) -> Bool {
        for source in fieldSources(L, lua_gettop(L)) {
            if LuaStack.rawGet(L, table: source.index, key: name) != LUA_TNIL { return true }
            mv_pop(L, 1)
        }
        return false
    }

    /// Stack indices of the tables where fields of the value at `index` live: the table itself, then its
    /// `__methods`/`__properties` (bound types) or `__index` table, repeated along class chains (at most 8 levels).
    private static func fieldSources(_ L: OpaquePointer, _ index: Int32) -> [(index: Int32, isProperties: Bool)] {
        var sources: [(index: Int32, isProperties: Bool)] = []
        if lua_type(L, index) == LUA_TTABLE { sources.append((index, false)) }
        var current = index
        for _ in 0..<8 {
            guard lua_checkstack(L, 4) != 0, lua_getmetatable(L, current) != 0 else { break }
            let metatable = lua_gettop(L)
            if LuaStack.rawGet(L, table: metatable, key: "__methods") == LUA_TTABLE {
                sources.append((lua_gettop(L), false))
                if LuaStack.rawGet(L, table: metatable, key: "__properties") == LUA_TTABLE {
                    sources.append((lua_gettop(L), true))
                }
                break
            }
            guard LuaStack.rawGet(L, table: metatable, key: "__index") == LUA_TTABLE else { break }
            current = lua_gettop(L)
            sources.append((current, false))
        }
        return sources
    }

    private static func keys(_ L: OpaquePointer, _ index: Int32, methodsOnly: Bool) -> Set<String> {
        var names: Set<String> = []
        for source in fieldSources(L, index) where !(methodsOnly && source.isProperties) {
            try? LuaStack.extraKeys(L, source.index) { key in
                guard lua_type(L, key) == LUA_TSTRING else { return }
                let name = LuaStack.string(L, key)
                guard LuaIdentifier.isValid(name), !name.hasPrefix("__") else { return }
                if methodsOnly {
                    lua_pushvalue(L, key)
                    let isFunction = lua_rawget(L, source.index) == LUA_TFUNCTION
                    mv_pop(L, 1)
                    guard isFunction else { return }
                }
                names.insert(name)
            }
        }
        return names
    }
}
