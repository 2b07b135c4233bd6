import MindVis
import XCTest
@testable import MindLua

/// Argument and option readers: accepted values and the exact error messages.
final class LuaArgumentTests: XCTestCase {
    private var state: LuaState!

    override func setUp() {
        state = LuaState()
    }

    /// Registers t.<name> returning `body(args)` as a string.
    private func bind(_ name: String, _ body: @escaping (LuaArgs) throws -> String) throws {
        try state.register(table: "t", name: name) { args in try args.returning(try body(args)) }
    }

    func testIntegerAcceptsIntegralFloatsAndRejectsEverythingElse() throws {
        try bind("i") { args in String(try args.integer(1, "k", min: -5, max: 5)) }
        XCTAssertEqual(try evaluate(state, "return t.i(3)"), "3")
        XCTAssertEqual(try evaluate(state, "return t.i(-5.0)"), "-5")
        XCTAssertEqual(try pcallMessage(state, "t.i(6)"), "test:1: t.i: argument #1 'k': expected an integer in -5...5, got 6")
        XCTAssertEqual(try pcallMessage(state, "t.i(0.5)"), "test:1: t.i: argument #1 'k': expected an integer in -5...5, got 0.5")
        XCTAssertEqual(try pcallMessage(state, "t.i(math.huge)"), "test:1: t.i: argument #1 'k': expected an integer in -5...5, got inf")
        XCTAssertEqual(try pcallMessage(state, "t.i(true)"), "test:1: t.i: argument #1 'k': expected an integer in -5...5, got true")
        try bind("big") { args in String(try args.integer(1)) }
        XCTAssertEqual(try evaluate(state, "return t.big(math.maxinteger)"), .string(String(Int.max)))
        XCTAssertEqual(try evaluate(state, "return t.big(-2^63)"), .string(String(Int.min)))
        XCTAssertEqual(try pcallMessage(state, "t.big(2^63)"), "test:1: t.big: argument #1: expected an integer, got 9.2233720368548e+18")
    }

    func testIntegerExpectationWording() {
        XCTAssertEqual(LuaSlot.integerExpectation(min: .min, max: .max), "an integer")
        XCTAssertEqual(LuaSlot.integerExpectation(min: 1, max: .max), "a positive integer")
        XCTAssertEqual(LuaSlot.integerExpectation(min: 0, max: .max), "a non-negative integer")
        XCTAssertEqual(LuaSlot.integerExpectation(min: 2, max: .max), "an integer >= 2")
        XCTAssertEqual(LuaSlot.integerExpectation(min: .min, max: 9), "an integer <= 9")
    }

    func testScalarReadersAndOptionalVariants() throws {
        try bind("s") { args in
            let number = try args.number(1, "x")
            let text = try args.string(2, "name")
            let flag = try args.bool(3, "flag")
            let optional = try args.optionalNumber(4, "scale").map { String($0) } ?? "none"
            return "\(number) \(text) \(flag) \(optional) \(args.count)"
        }
        XCTAssertEqual(try evaluate(state, "return t.s(1.5, 'abc', false)"), "1.5 abc false none 3")
        XCTAssertEqual(try evaluate(state, "return t.s(2, '', true, 4)"), "2.0  true 4.0 4")
        XCTAssertEqual(try pcallMessage(state, "t.s('1', 'a', true)"), "test:1: t.s: argument #1 'x': expected a number, got string \"1\"")
        XCTAssertEqual(try pcallMessage(state, "t.s(1, 2, true)"), "test:1: t.s: argument #2 'name': expected a string, got 2")
        XCTAssertEqual(try pcallMessage(state, "t.s(1, 'a', nil)"), "test:1: t.s: argument #3 'flag': expected a boolean, got nil")
        XCTAssertEqual(try pcallMessage(state, "t.s(1, 'a', true, {})"), "test:1: t.s: argument #4 'scale': expected a number, got table")
        XCTAssertEqual(try pcallMessage(state, "t.s(1, ('x'):rep(100), 1)"), "test:1: t.s: argument #3 'flag': expected a boolean, got 1")
        XCTAssertEqual(try pcallMessage(state, "t.s(print)"), "test:1: t.s: argument #1 'x': expected a number, got function")
        XCTAssertEqual(try pcallMessage(state, "t.s(io.stdout)"), "test:1: t.s: argument #1 'x': expected a number, got FILE*")
    }

    func testLongStringsAreShortenedInMessages() throws {
        try bind("n") { args in String(try args.number(1)) }
        let message = try pcallMessage(state, "t.n(('a'):rep(100))")
        XCTAssertEqual(message, "test:1: t.n: argument #1: expected a number, got string \"\(String(repeating: "a", count: 40))...\"")
    }

    func testArraysReportTheBadElement() throws {
        try bind("a") { args in
            "\(try args.numberArray(1, "betas")) \(try args.integerArray(2, "shape", min: 1))"
        }
        XCTAssertEqual(try evaluate(state, "return t.a({0.9, 1}, {2, 3.0})"), "[0.9, 1.0] [2, 3]")
        XCTAssertEqual(try evaluate(state, "return t.a({}, {})"), "[] []")
        XCTAssertEqual(try pcallMessage(state, "t.a({0.9, 'x'}, {})"),
                       "test:1: t.a: argument #1 'betas' at [2]: expected a number, got string \"x\"")
        XCTAssertEqual(try pcallMessage(state, "t.a({}, {4, 0})"),
                       "test:1: t.a: argument #2 'shape' at [2]: expected a positive integer, got 0")
        XCTAssertEqual(try pcallMessage(state, "t.a(3, {})"), "test:1: t.a: argument #1 'betas': expected a table of numbers, got 3")
    }

    func testIntegerListFromVarargsOrTable() throws {
        try bind("z") { args in "\(try args.integerList(from: 1, "size", min: 1))" }
        XCTAssertEqual(try evaluate(state, "return t.z(2, 3)"), "[2, 3]")
        XCTAssertEqual(try evaluate(state, "return t.z{2, 3}"), "[2, 3]")
        XCTAssertEqual(try evaluate(state, "return t.z()"), "[]")
        XCTAssertEqual(try pcallMessage(state, "t.z(2, -3)"), "test:1: t.z: argument #2 'size': expected a positive integer, got -3")
        XCTAssertEqual(try pcallMessage(state, "t.z({2}, 3)"), "test:1: t.z: argument #2: unexpected after the table of size")
    }

    func testOptionsGettersDefaultsAndSuggestions() throws {
        let allowed = ["lr", "betas", "weight_decay", "amsgrad", "name", "steps"]
        try state.register(table: "mv.optim", name: "AdamW") { args in
            let options = try args.options(1, allowed: allowed)
            let lr = try options.number("lr", default: 1e-3)
            let betas = try options.numberArray("betas") ?? [0.9, 0.999]
            let decay = try options.number("weight_decay") ?? 0
            let amsgrad = try options.bool("amsgrad", default: false)
            let name = try options.string("name", default: "adamw")
            let steps = try options.integer("steps", default: 10, min: 1)
            return try args.returning("\(lr) \(betas) \(decay) \(amsgrad) \(name) \(steps) \(options.has("lr"))")
        }
        XCTAssertEqual(try evaluate(state, "return mv.optim.AdamW()"), "0.001 [0.9, 0.999] 0.0 false adamw 10 false")
        XCTAssertEqual(try evaluate(state, "return mv.optim.AdamW{lr = 0.5, betas = {0.8, 0.9}, weight_decay = 0.05, amsgrad = true, name = 'x', steps = 3}"),
                       "0.5 [0.8, 0.9] 0.05 true x 3 true")
        XCTAssertEqual(try pcallMessage(state, "mv.optim.AdamW{weight_decy = 0.1}"),
                       "test:1: mv.optim.AdamW: unknown option 'weight_decy' (did you mean 'weight_decay'?)")
        XCTAssertEqual(try pcallMessage(state, "mv.optim.AdamW{bteas = {1, 2}}"),
                       "test:1: mv.optim.AdamW: unknown option 'bteas' (did you mean 'betas'?)")
        XCTAssertEqual(try pcallMessage(state, "mv.optim.AdamW{momentum = 0.9}"),
                       "test:1: mv.optim.AdamW: unknown option 'momentum' (valid options: amsgrad, betas, lr, name, steps, weight_decay)")
        // Several unknown keys: the alphabetically first is reported, whatever Lua's traversal order.
        XCTAssertEqual(try pcallMessage(state, "mv.optim.AdamW{zzz = 1, lrr = 2, yyy = 3}"),
                       "test:1: mv.optim.AdamW: unknown option 'lrr' (did you mean 'lr'?)")
        XCTAssertEqual(try pcallMessage(state, "mv.optim.AdamW{lr = '1'}"),
                       "test:1: mv.optim.AdamW: option 'lr': expected a number, got string \"1\"")
        XCTAssertEqual(try pcallMessage(state, "mv.optim.AdamW{betas = {0.9, nil, 3}}"),
                       "test:1: mv.optim.AdamW: option 'betas' at [2]: expected a number, got nil")
        XCTAssertEqual(try pcallMessage(state, "mv.optim.AdamW{steps = 0}"),
                       "test:1: mv.optim.AdamW: option 'steps': expected a positive integer, got 0")
    }

    func testOptionValueConversion() throws {
        try bind("v") { args in "\(try args.options(1, allowed: ["cfg"]).value("cfg"))" }
        XCTAssertEqual(try evaluate(state, "return t.v{cfg = {depth = 2, heads = {1, 2}}}"), "{[\"depth\"] = 2, [\"heads\"] = {1, 2}}")
        XCTAssertEqual(try evaluate(state, "return t.v()"), "nil")
    }

    final class Tag {
        let label: String
        init(label: String) { self.label = label }
    }

    func testOptionalReadersAndObjectOptions() throws {
        try state.register(LuaUserdataType<Tag>(name: "Tag"))
        try state.register(table: "t", name: "Tag") { args in try args.returning(object: Tag(label: try args.string(1, "label"))) }
        try bind("o") { args in
            let parts: [String] = [
                try args.optionalInteger(1, "n").map(String.init) ?? "-",
                try args.optionalString(2, "s") ?? "-",
                try args.optionalBool(3, "b").map(String.init) ?? "-",
                try args.optionalFunction(4, "f").map { _ in "f" } ?? "-",
                try args.optionalUserdata(5, "tag", as: Tag.self)?.label ?? "-",
                "\(args.isNil(2))\(args.type(5))",
            ]
            let options = try args.options(6, allowed: ["tag", "callback", "sizes"])
            let tag = try options.userdata("tag", as: Tag.self)?.label ?? "-"
            let callback = try options.function("callback").map { try args.call($0, [1]) } ?? []
            let sizes = try options.integerArray("sizes", min: 1) ?? []
            return parts.joined(separator: " ") + " | \(tag) \(callback) \(sizes) \(options.has("tag"))"
        }
        XCTAssertEqual(try evaluate(state, "return t.o()"), "- - - - - truenone | - [] [] false")
        XCTAssertEqual(try evaluate(state, "return t.o(1, 'x', true, print, t.Tag('a'), {tag = t.Tag('b'), callback = function(x) return x + 1 end, sizes = {2}})"),
                       "1 x true f a falseuserdata | b [2] [2] true")
        XCTAssertEqual(try pcallMessage(state, "t.o(nil, nil, nil, nil, 5)"), "test:1: t.o: argument #5 'tag': expected a Tag, got 5")
        XCTAssertEqual(try pcallMessage(state, "t.o(nil, nil, nil, 5)"), "test:1: t.o: argument #4 'f': expected a function, got 5")
        XCTAssertEqual(try pcallMessage(state, "t.o(nil, nil, nil, nil, nil, {tag = {}})"), "test:1: t.o: option 'tag': expected a Tag, got table")
        XCTAssertEqual(try pcallMessage(state, "t.o(nil, nil, nil, nil, nil, {sizes = {0}})"),
                       "test:1: t.o: option 'sizes' at [1]: expected a positive integer, got 0")
    }

    func testEditDistance() {
        XCTAssertEqual(EditDistance.distance("weight_decy", "weight_decay"), 1)
        XCTAssertEqual(EditDistance.distance("bteas", "betas"), 1) // transposition
        XCTAssertEqual(EditDistance.distance("", "abc"), 3)
        XCTAssertEqual(EditDistance.distance("kitten", "sitting"), 3)
        XCTAssertEqual(EditDistance.closest(to: "lrr", among: ["lr", "betas"]), "lr")
        XCTAssertNil(EditDistance.closest(to: "momentum", among: ["lr", "betas"]))
        // The arity of a help signature: optional parts count, a table's fields are one argument, ... any number.
        XCTAssertEqual(LuaDoc.maximumArguments(signature: "t:sum([dim [, keepdim]]) -> Tensor"), 2)
        XCTAssertEqual(LuaDoc.maximumArguments(signature: "mv.nn.functional.mse_loss(input, target [, options]) -> Tensor"), 3)
        XCTAssertEqual(LuaDoc.maximumArguments(signature: "t:zero_() -> t"), 0)
        XCTAssertEqual(LuaDoc.maximumArguments(signature: "mv.load(path [, {key =, strip_prefix =}]) -> table, metadata"), 2)
        XCTAssertNil(LuaDoc.maximumArguments(signature: "mv.zeros(size...) -> Tensor"))
        XCTAssertNil(LuaDoc.maximumArguments(signature: "mv.models.LDM{preset, ...} -> LDM"))
        // No typo close enough: the one name that has the word as a part, singular or plural.
        XCTAssertEqual(EditDistance.closest(to: "epochs", among: ["batch_size", "num_epoch", "lr"]), "num_epoch")
        XCTAssertEqual(EditDistance.closest(to: "steps", among: ["ddim_steps", "seed"]), "ddim_steps")
        XCTAssertNil(EditDistance.closest(to: "size", among: ["batch_size", "image_size"]), "two names hold it: no guess")
    }

    func testArgumentErrorHelperUsesTheStandardFormat() throws {
        try state.register(table: "t", name: "dim") { args in
            let dim = try args.integer(1, "dim")
            guard (-3...3).contains(dim), dim != 0 else { throw args.argumentError(1, "dim", expected: "a dimension in -3...3") }
            return .none
        }
        XCTAssertEqual(try pcallMessage(state, "t.dim(5)"), "test:1: t.dim: argument #1 'dim': expected a dimension in -3...3, got 5")
    }

    func testFunctionArguments() throws {
        try state.register(table: "t", name: "twice") { args in
            let function = try args.function(1, "f")
            let first = try args.call(function, [3])
            return try args.returning(try args.call(function, first))
        }
        XCTAssertEqual(try evaluate(state, "return t.twice(function(x) return x * x end)"), [81])
        XCTAssertEqual(try pcallMessage(state, "t.twice(3)"), "test:1: t.twice: argument #1 'f': expected a function, got 3")
    }
}
