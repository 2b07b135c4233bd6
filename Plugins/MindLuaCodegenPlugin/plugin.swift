import Foundation
import PackagePlugin

/// Generates MindLua's `GeneratedLuaSupport.swift` before each build: the list of every `LuaBindingSet` declared in
/// the target's Swift files (so adding a binding touches only its own file) and the target's `Lua/*.lua` library
/// sources as string constants (so they are read, linted and diffed as Lua, yet the `mindvis` binary stays a single
/// file that needs no resource bundle beside it).
@main
struct MindLuaCodegenPlugin: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        guard let target = target as? SourceModuleTarget else { return [] }
        let swiftFiles = target.sourceFiles(withSuffix: "swift").map(\.url)
        let luaDirectory = target.directoryURL.appendingPathComponent("Lua")
        let luaFiles = try FileManager.default.contentsOfDirectory(at: luaDirectory, includingPropertiesForKeys: nil)
            .filter { $0.pathExtension == "lua" }
            .sorted { $0.lastPathComponent < $1.lastPathComponent }
        let output = context.pluginWorkDirectoryURL.appendingPathComponent("GeneratedLuaSupport.swift")
        var arguments = ["--output", output.path]
        for file in luaFiles { arguments += ["--lua", file.path] }
        arguments += swiftFiles.map(\.path)
        return [.buildCommand(displayName: "Generating MindLua binding list and embedded Lua sources",
                              executable: try context.tool(named: "MindLuaCodegen").url,
                              arguments: arguments,
                              inputFiles: swiftFiles + luaFiles,
                              outputFiles: [output])]
    }
}
