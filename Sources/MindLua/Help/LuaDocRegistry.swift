import Foundation

/// Every help entry, bound name and type summary of the `mv` API, process-wide (the texts are the same in every
/// interpreter). Bindings add their help where they are defined (`bind(_:_:doc:)`, `bound(_:doc:)`, the userdata
/// type's `doc`), so the registry is the one source of `help()`, the REPL's `:help` and `docs/API.md`.
public final class LuaDocRegistry: @unchecked Sendable {
    public static let shared = LuaDocRegistry()

    private let lock = NSLock()
    private var texts: [String: String] = [:]
    /// Parsed help by name: functions taking options look their valid keys up on every call, and parsing the
    /// text each time cost ~70 µs per call (a `loss:backward()` in a Lua loop).
    private var parsed: [String: LuaDoc] = [:]
    private var boundNames: Set<String> = []
    private var typeSummaries: [String: String] = [:]
    private var typeParents: [String: String] = [:]

    /// Records help `text` for the qualified name (`mv.nn.Linear`, `Tensor:matmul`); the last definition wins.
    func add(_ name: String, _ text: String) {
        lock.withLock {
            texts[name] = text
            parsed[name] = nil
        }
    }

    /// Records that a function of this name is bound (documented or not), so a test can list what lacks help.
    func noteBound(_ name: String) {
        lock.withLock { _ = boundNames.insert(name) }
    }

    func addType(_ name: String, summary: String?, parent: String?) {
        lock.withLock {
            if let summary { typeSummaries[name] = summary }
            if let parent { typeParents[name] = parent }
        }
    }

    /// The parsed help of `name`; for a method, the nearest ancestor type's entry (an MAE's `parameters` is
    /// `Module:parameters`). Nil when undocumented.
    public func doc(_ name: String) throws -> LuaDoc? {
        for candidate in lineageNames(name) {
            if let doc = lock.withLock({ parsed[candidate] }) { return doc }
            if let text = lock.withLock({ texts[candidate] }) {
                let doc = try LuaDoc(name: candidate, text: text)
                lock.withLock { parsed[candidate] = doc }
                return doc
            }
        }
        return nil
    }

    /// `MAE:encode` -> [`MAE:encode`, `Module:encode`]; other names -> [name].
    private func lineageNames(_ name: String) -> [String] {
        guard let colon = name.firstIndex(where: { $0 == ":" || $0 == "." }), name.first?.isUppercase == true else { return [name] }
        var type = String(name[..<colon])
        let member = name[colon...]
        var names = [name]
        while let parent = lock.withLock({ typeParents[type] }) {
            names.append(parent + member)
            type = parent
        }
        return names
    }

    public func typeSummary(_ name: String) -> String? { lock.withLock { typeSummaries[name] } }
    public func typeParent(_ name: String) -> String? { lock.withLock { typeParents[name] } }

    /// Every documented name, sorted.
    public var documentedNames: [String] { lock.withLock { texts.keys.sorted() } }

    /// Bound user-facing names (metamethods and `__` internals excluded) that have no help of their own or inherited.
    public var undocumentedNames: [String] {
        let names = lock.withLock { boundNames }
        return names.filter { !$0.contains("__") && (try? doc($0)) == nil }.sorted()
    }

    /// Every registered type name with a summary, sorted.
    public var typeNames: [String] { lock.withLock { typeSummaries.keys.sorted() } }
}
