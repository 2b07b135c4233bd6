import Foundation
import XCTest
@testable import MindLua

/// The help registry: its text format, and `docs/API.md` generated from it.
final class HelpTests: XCTestCase {
    func testDocFormat() throws {
        let doc = try LuaDoc(name: "mv.f", text: """
            mv.f(x [, options]) -> Tensor
            Does f.
            scale = 1.0  -- multiplies the result
            betas = {0.9, 0.999}  -- two numbers: a default may contain ' = ' or '--' only before the separator
            Any other line is a note.
            """)
        XCTAssertEqual(doc.signature, "mv.f(x [, options]) -> Tensor")
        XCTAssertEqual(doc.options.map(\.name), ["scale", "betas"])
        XCTAssertEqual(doc.options[1].defaultValue, "{0.9, 0.999}")
        XCTAssertEqual(doc.notes, ["Any other line is a note."])
        XCTAssertThrowsError(try LuaDoc(name: "mv.g", text: "mv.g()"))
        XCTAssertThrowsError(try LuaDoc(name: "mv.h", text: "mv.h()\nsummary\na = 1  -- x\na = 2  -- y"))
    }

    /// Parsed help is kept (option lookups run on every call); a redefinition replaces it.
    func testRegistryReparsesARedefinedHelp() throws {
        let registry = LuaDocRegistry()
        registry.add("mv.t", "mv.t{...}\nFirst.\na = 1  -- the first option")
        XCTAssertEqual(try registry.doc("mv.t")?.options.map(\.name), ["a"])
        XCTAssertEqual(try registry.doc("mv.t")?.options.map(\.name), ["a"], "read again from the parsed copy")
        registry.add("mv.t", "mv.t{...}\nSecond.\nb = 2  -- the second option")
        XCTAssertEqual(try registry.doc("mv.t")?.options.map(\.name), ["b"], "the last definition wins")
    }

    /// docs/API.md is what `mindvis help --api` prints, so the reference never drifts from the code.
    func testCommittedAPIReferenceIsCurrent() throws {
        _ = try MindVisRuntime.makeState()
        let generated = try APIReference.markdown()
        let committed = try String(contentsOf: packageRoot().appendingPathComponent("docs/API.md"), encoding: .utf8)
        XCTAssertTrue(generated == committed,
                      "docs/API.md is stale: regenerate it with `swift build && .build/debug/mindvis help --api > docs/API.md`")
        XCTAssertTrue(generated.contains("### `mv.nn.Linear`"))
        XCTAssertTrue(generated.contains("| `bias` | `true` |"))
    }
}
