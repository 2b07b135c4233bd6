import CLua
import LuaShim

/// `help(x)` (also `mv.help`): the help of a function, an object's type with its methods, a module, a namespace
/// (`help(mv.nn)`) or a name (`help "mv.randn"`), from `LuaDocRegistry`. The lookup runs in Lua (`help.lua`); these
/// hidden functions give it the registry and the names behind bound function values.
enum HelpBindings: LuaBindingSet {
    static let internalTable = "mindvis_help_internal"

    static func install(_ state: LuaState) throws {
        let registry = LuaDocRegistry.shared
        try state.register(table: internalTable, name: "doc_text") { args in
            try args.returning(try registry.doc(try args.string(1, "name"))?.formatted)
        }
        try state.register(table: internalTable, name: "doc_line") { args in
            guard let doc = try registry.doc(try args.string(1, "name")) else { return try args.returning(nil as String?) }
            return try args.returning(doc.signature + "\n      " + doc.summary)
        }
        try state.register(table: internalTable, name: "function_name") { args in
            guard args.count >= 1, let box = mv_swift_function_box(args.L, args.slot(1, nil).index),
                  let function = Unmanaged<AnyObject>.fromOpaque(box).takeUnretainedValue() as? LuaFunctionBox else {
                return try args.returning(nil as String?)
            }
            return try args.returning(function.name)
        }
        // The help of the constructor that makes a module like this one (`mv.nn.Linear` for a Linear).
        try state.register(table: internalTable, name: "constructor_help") { args in
            // The module's own class name (Linear), or the bound type's (UNet for a UNetModel).
            let names = [ModuleBindings.displayName(try args.module(1, "module"))] + (try args.optionalString(2, "type_name").map { [$0] } ?? [])
            let constructor = registry.documentedNames.first { name in name.hasPrefix("mv.") && names.contains { name.hasSuffix("." + $0) } }
            return try args.returning(try constructor.flatMap { try registry.doc($0)?.formatted })
        }
        try state.register(table: internalTable, name: "type_summary") { args in
            try args.returning(registry.typeSummary(try args.string(1, "name")))
        }
        try state.register(table: internalTable, name: "type_parent") { args in
            try args.returning(registry.typeParent(try args.string(1, "name")))
        }
        try LuaLibraryChunk.run(state, EmbeddedLua.help)
        try registerLibraryHelp(state)
    }

    /// Help of the functions `help.lua` itself defines.
    private static func registerLibraryHelp(_ state: LuaState) throws {
        try state.document("mv.help", """
            help([x]) / mv.help([x])
            Prints the help of a function, an object (its type and methods), a module, a namespace (help(mv.nn)) or a name (help "mv.randn").
            With no argument: an overview of the mv namespaces. In the REPL, :help says the same.
            """)
        try state.document("mv.help_text", """
            mv.help_text([x]) -> string
            The text help(x) prints, as a string.
            """)
    }
}

extension LuaState {
    /// Records help for a function defined in Lua library code (not through `bind`), checking its form.
    func document(_ name: String, _ text: String) throws {
        _ = try LuaDoc(name: name, text: text)
        LuaDocRegistry.shared.add(name, text)
    }
}
