import Foundation
import XCTest
@testable import MindIO

final class PickleTests: XCTestCase {
    private func load(_ name: String, limits: PickleLimits = PickleLimits()) throws -> PickleValue {
        try Pickle.load(contentsOf: TestFiles.crafted(name), limits: limits)
    }

    private func load(bytes: [UInt8], limits: PickleLimits = PickleLimits()) throws -> PickleValue {
        try bytes.withUnsafeBytes { try Pickle.load($0, name: "inline", limits: limits) }
    }

    func testBuiltinTypesInProtocols2And5() throws {
        for name in ["pickle_builtins_p2.pkl", "pickle_builtins_p5.pkl"] {
            let value = try load(name)
            XCTAssertEqual(value["s"], .set([.int(1), .int(2)]), name)
            XCTAssertEqual(value["fs"], .set([.int(3)]), name)
            XCTAssertEqual(value["ba"], .bytes(Array("xy".utf8)), name)
            XCTAssertEqual(value["od"], .dict([(.string("a"), .int(1)), (.string("b"), .list([.float(2.5)]))]), name)
            XCTAssertEqual(value["big"], .bigInt("1180591620717411303424"), name)
            XCTAssertEqual(value["neg"], .bigInt("-1180591620717411303424"), name)
            XCTAssertEqual(value["neg1"], .int(-1), name)
            XCTAssertEqual(value["i64min"], .int(Int64.min), name)
            XCTAssertEqual(value["t"], .tuple([.int(1)]), name)
            XCTAssertEqual(value["f"], .float(0.5), name)
            XCTAssertEqual(value["b"], .bytes(Array("raw".utf8)), name)
            XCTAssertEqual(value["n"], PickleValue.none, name)
            XCTAssertEqual(value["u"], .string("héllo"), name)
            XCTAssertEqual(value["nested"], .dict([(.string("x"), .list([.tuple([]), .list([.bool(true), .bool(false)])]))]), name)
        }
    }

    func testNumpyArraysInProtocols2And4() throws {
        for name in ["pickle_numpy_p2.pkl", "pickle_numpy_p4.pkl"] {
            let value = try load(name)
            XCTAssertEqual(value["a"]?.asArray, try NDArray(floats: [0, 1, 2, 3, 4, 5], shape: [2, 3]), name)
            XCTAssertEqual(value["scalar"]?.asArray?.shape, [], name)
            XCTAssertEqual(value["scalar"]?.asDouble, 2.5, name)
            XCTAssertEqual(value["iscalar"]?.asInt, -7, name)
            XCTAssertEqual(value["text"]?.asStrings, ["ab", "c"], name)
            let fortran = try XCTUnwrap(value["fortran_be"]?.asArray)
            XCTAssertEqual(fortran.dtype, .int32, name)
            XCTAssertEqual(fortran.shape, [2, 3], name)
            XCTAssertEqual(try fortran.int64s(), [0, 1, 2, 3, 4, 5], name)
            XCTAssertEqual(value["objects"], .objectArray(shape: [2], elements: [.none, .string("x")]), name)
            XCTAssertEqual(value["str_scalar"], .string("hi"), name)
            XCTAssertEqual(value["dtype"], .object(className: "numpy.dtype", args: [.string(">f4")], state: nil), name)
        }
    }

    func testReconstructorKeywordConstructorAndOrderedDictPairs() throws {
        // Protocol 1 (Python 2 names): copy_reg._reconstructor(cls, __builtin__.object, None) + BUILD.
        XCTAssertEqual(try load("pickle_protocol1_object.pkl"),
                       .object(className: "mypkg.models.Plain", args: [], state: .dict([(.string("a"), .int(3)), (.string("b"), .string("x"))])))
        let extras = try load("pickle_p4_extras.pkl")
        // NEWOBJ_EX keeps keyword arguments as a trailing dict argument.
        XCTAssertEqual(extras["kw"], .object(className: "mypkg.models.KeywordOnly",
                                             args: [.int(2), .dict([(.string("scale"), .float(0.5))])],
                                             state: .dict([(.string("n"), .int(2)), (.string("scale"), .float(0.5))])))
        XCTAssertEqual(extras["od"], .dict([(.string("a"), .int(1)), (.string("b"), .list([.int(2)]))]))
        // A repeated key replaces the value, as in Python (SETITEM on an existing key).
        XCTAssertEqual(try load(bytes: [0x80, 0x02, 0x7D, 0x28, 0x4B, 0x01, 0x4B, 0x02, 0x4B, 0x01, 0x4B, 0x03, 0x75, 0x2E]),
                       .dict([(.int(1), .int(3))]))
        assertThrowsMessage(try load(bytes: [0x80, 0x02] + Array("P0\n.".utf8)), contains: "(PERSID)", "no external storages")
    }

    func testCodeExecutionIsRefused() {
        assertThrowsMessage(try load("pickle_os_system.pkl"), contains: "pickle_os_system.pkl", "refusing to call os.system (not on the allow-list)")
        assertThrowsMessage(try load("pickle_builtins_eval.pkl"), contains: "refusing to call builtins.eval (not on the allow-list)")
        assertThrowsMessage(try load("pickle_subprocess_popen.pkl"), contains: "refusing to call subprocess.Popen (not on the allow-list)")
        assertThrowsMessage(try load("pickle_function_call.pkl"), contains: "offset 25 (REDUCE)", "refusing to call mypkg.helpers.run_me")
        // Python 2 spellings are mapped before the check.
        assertThrowsMessage(try load(bytes: [0x80, 0x02] + Array("c__builtin__\ngetattr\n.".utf8)), contains: "builtins.getattr")
        assertThrowsMessage(try load(bytes: [0x80, 0x02] + Array("ctorch.hub\nload\n.".utf8)), contains: "torch.hub.load")
    }

    func testUnknownClassesBecomeInertObjects() throws {
        let value = try load("pickle_inert_class.pkl")
        XCTAssertEqual(value, .object(className: "mypkg.models.Config", args: [.int(5)], state: .dict([(.string("x"), .float(0.5))])))
        XCTAssertEqual(value["x"], .float(0.5))
        XCTAssertEqual(value.description, "mypkg.models.Config(5, state={'x': 0.5})")
        // A global that is only referenced, never called, stays a reference.
        XCTAssertEqual(try load(bytes: [0x80, 0x02] + Array("ctorch\nfloat32\n.".utf8)), .global(module: "torch", name: "float32"))
    }

    func testResourceBombsAreStopped() {
        assertThrowsMessage(try load("pickle_deep_nesting.pkl"), contains: "nested deeper than 256 levels")
        assertThrowsMessage(try load("pickle_memo_bomb.pkl"), contains: "more than 4000000 values", "memo bomb")
        assertThrowsMessage(try load("pickle_cycle.pkl"), contains: "reference cycle")
        // A 200-deep list used at the top and again under 200 more levels: sharing must not hide depth.
        let chain = [UInt8](repeating: 0x5D, count: 200) + [UInt8](repeating: 0x61, count: 199)
        let wrapped = [UInt8](repeating: 0x5D, count: 200) + [0x68, 0x00] + [UInt8](repeating: 0x61, count: 200)
        XCTAssertNoThrow(try load(bytes: [0x80, 0x02] + chain + [0x71, 0x00, 0x85, 0x2E]))
        assertThrowsMessage(try load(bytes: [0x80, 0x02] + chain + [0x71, 0x00] + wrapped + [0x86, 0x2E]),
                            contains: "nested deeper than 256 levels")
        var small = PickleLimits()
        small.maxStackDepth = 10
        assertThrowsMessage(try load(bytes: [0x80, 0x02] + [UInt8](repeating: 0x4E, count: 20) + [0x2E], limits: small),
                            contains: "stack deeper than 10")
        small.maxMemoEntries = 3
        assertThrowsMessage(try load(bytes: [0x80, 0x04, 0x4E] + [UInt8](repeating: 0x94, count: 5) + [0x2E], limits: small),
                            contains: "memo grows beyond 3 entries")
        // A LONG4 payload beyond the decimal-conversion limit.
        var long4: [UInt8] = [0x80, 0x02, 0x8B]
        withUnsafeBytes(of: Int32(5000).littleEndian) { long4 += $0 }
        long4 += [UInt8](repeating: 0x11, count: 5000) + [0x2E]
        assertThrowsMessage(try load(bytes: long4), contains: "5000 bytes exceeds the 4096-byte limit")
    }

    func testMalformedPickles() {
        assertThrowsMessage(try load("pickle_truncated.pkl"), contains: "truncated")
        assertThrowsMessage(try load("pickle_bad_memo.pkl"), contains: "memo entry 7 was never stored")
        assertThrowsMessage(try load("pickle_unsupported_opcode.pkl"), contains: "unsupported opcode 0x49 (INT)")
        assertThrowsMessage(try load(bytes: [0x80, 0x02, 0x61, 0x2E]), contains: "(APPEND): stack underflow")
        assertThrowsMessage(try load(bytes: [0x80, 0x02, 0x29, 0x4E, 0x61, 0x2E]), contains: "cannot append to a tuple")
        assertThrowsMessage(try load(bytes: [0x80, 0x02, 0x4E, 0x29, 0x52, 0x2E]), contains: "cannot call a None")
        assertThrowsMessage(try load(bytes: [0x80, 0x02, 0x75, 0x2E]), contains: "no MARK")
        assertThrowsMessage(try load(bytes: [0x80, 0x09]), contains: "unsupported pickle protocol 9")
        assertThrowsMessage(try load(bytes: [0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F]), contains: "truncated: need 2147483647 bytes")
        assertThrowsMessage(try load(bytes: [0x80, 0x02, 0x51, 0x2E]), contains: "stack underflow")
        assertThrowsMessage(try load(bytes: [0x80, 0x02, 0x4E, 0x51, 0x2E]), contains: "no external storages")
        assertThrowsMessage(try load(bytes: [0x80, 0x02, 0x30, 0x2E]), contains: "(POP): stack underflow")
        // bytearray([2**70]): an integer beyond 64 bits where an int is needed is named with its value.
        let big: [UInt8] = [0x8A, 0x09] + [UInt8](repeating: 0, count: 8) + [0x40]
        let appendsTupleReduceStop: [UInt8] = [0x65, 0x85, 0x52, 0x2E]
        assertThrowsMessage(try load(bytes: [0x80, 0x02] + Array("cbuiltins\nbytearray\n](".utf8) + big + appendsTupleReduceStop),
                            contains: "bytearray element 1180591620717411303424 is out of range (beyond 64 bits)")
    }
}
