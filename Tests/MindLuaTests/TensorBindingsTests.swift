import Foundation
import MindIO
import MindTensor
import XCTest
@testable import MindLua

/// Swift-level checks of the tensor/nn/optim bindings: the helpers other binding files use (reading and pushing
/// tensors and modules, subtypes of `Module`), error labelling and the lifetime of Lua-defined modules. The Lua
/// behaviour itself is tested by Tests/lua/test_*.lua.
final class TensorBindingsTests: XCTestCase {
    /// A model with an extra method, bound the way the MAE/UNet bindings are: a subtype of `ModuleBindings.moduleType`.
    final class Scaler: Module {
        let scale: Tensor

        init(size: Int) throws {
            scale = try Tensor.ones([size])
            super.init()
            try registerParameter("scale", scale)
            registerModule("proj", try Linear(size, size))
        }
    }

    static let scalerType = LuaUserdataType<Scaler>(name: "Scaler", parent: ModuleBindings.moduleType)
        .bound("scaled") { scaler, args in try args.returning(tensor: try args.tensor(1, "x") * scaler.scale) }
        .call { scaler, args in
            try BindingCall.run(args) { try args.returning(tensor: try args.tensor(1, "x") * scaler.scale * 2) }
        }

    private func makeState() throws -> LuaState {
        let state = try MindVisRuntime.makeState()
        try state.register(TensorBindingsTests.scalerType)
        try state.bind("test", "Scaler") { args in
            try args.returning(module: try Scaler(size: try args.integer(1, "size", min: 1, max: 64)))
        }
        return state
    }

    func testModuleSubtypesKeepTheModuleMethodsAndAddTheirOwn() throws {
        let state = try makeState()
        XCTAssertEqual(try evaluate(state, "local s = test.Scaler(3); return table.concat(s:parameter_names(), ' ')"),
                       "scale proj.weight proj.bias")
        XCTAssertEqual(try evaluate(state, "return test.Scaler(2):scaled(mv.tensor{3, 4}):sum():item()"), 7.0)
        XCTAssertEqual(try evaluate(state, "return test.Scaler(2)(mv.tensor{3, 4}):sum():item()"), 14.0, "its own __call")
        XCTAssertEqual(try evaluate(state, "return test.Scaler(2).proj.weight:dim()"), 2, "children are fields")
        XCTAssertEqual(try evaluate(state, "return tostring(test.Scaler(2))"),
                       "Scaler(\n  (proj): Linear(in=2, out=2, bias=true)\n)")
        XCTAssertEqual(try evaluate(state, "return table.concat(mv.nn.Sequential(test.Scaler(2)):parameter_names(), ' ')"),
                       "0.scale 0.proj.weight 0.proj.bias", "usable inside Lua containers")
        XCTAssertEqual(try pcallMessage(state, "test.Scaler(2):scaled(5)"),
                       "test:1: Scaler:scaled: argument #1 'x': expected a Tensor, got 5")
        XCTAssertEqual(try pcallMessage(state, "test.Scaler(2):scaled(mv.ones(3))"),
                       "test:1: Scaler:scaled: mul: shapes [3] and [2] cannot be broadcast (sizes 3 and 2 at the same position from the end differ and neither is 1)")
    }

    func testTensorsCrossTheBoundaryAsTheSameObjects() throws {
        let state = try makeState()
        let tensor = try Tensor([1, 2, 3, 4], shape: [2, 2])
        try state.setGlobal("t", LuaValue.object(tensor))
        let result = try state.run(chunk: "return t, t:transpose(1, 2), t[2][1]")
        guard case .object(let same) = result[0], case .object(let view as Tensor) = result[1] else {
            return XCTFail("expected tensors, got \(result)")
        }
        XCTAssertTrue(same === tensor, "pushing a tensor keeps its identity")
        XCTAssertTrue(view.storage === tensor.storage, "views share storage")
        XCTAssertEqual(try view.toArray(), [1, 3, 2, 4])
        XCTAssertEqual(result[2], .number(3))
    }

    /// mv.load names the file along with the array whose values float32 cannot hold.
    func testLoadErrorsNameTheFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("load-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("wide.npz")
        try NPZ.write([("ids", try NDArray(int64s: [1 << 25 + 1], shape: [1]))], to: file)
        let state = try MindVisRuntime.makeState()
        for (call, name) in [("mv.load(path)", "ids"), ("mv.load(path, {strip_prefix = 'i'})", "ds")] {
            XCTAssertThrowsError(try state.run(chunk: "local path = ...; \(call)", name: "=t", arguments: [.string(file.path)])) { error in
                XCTAssertTrue("\(error)".contains("wide.npz/\(name): I64 value 33554433 cannot be held exactly by a float32 tensor"), "\(error)")
            }
        }
    }

    func testEngineErrorsAreLabelledWithTheBoundFunction() {
        XCTAssertEqual(BindingCall.relabel(TensorError("matmul: [4, 3] x [5, 2]: inner sizes 3 and 5 differ").description, as: "Tensor:matmul").message,
                       "Tensor:matmul: [4, 3] x [5, 2]: inner sizes 3 and 5 differ")
        XCTAssertEqual(BindingCall.relabel(TensorError("add: shapes [2] and [3] cannot be broadcast").description, as: "Tensor.__add").message,
                       "Tensor.__add: shapes [2] and [3] cannot be broadcast")
        XCTAssertEqual(BindingCall.relabel(TensorError("where: shapes differ").description, as: "Tensor:masked_fill").message,
                       "Tensor:masked_fill: where: shapes differ")
        XCTAssertEqual(BindingCall.relabel(TensorError("linear: bad").inModule("qkv").inModule("attn").description, as: "TransformerBlock").message,
                       "TransformerBlock: attn.qkv: linear: bad")
        XCTAssertEqual(BindingCall.relabel(TensorError("VQModel: expects images [B, 3, 16, 16]").description, as: "VQModel:encode").message,
                       "VQModel:encode: expects images [B, 3, 16, 16]", "a method's type named once")
        XCTAssertEqual(BindingCall.relabel(TensorError("Tensor: bad").description, as: "mv.Tensor").message,
                       "mv.Tensor: bad", "a library function's last component")
        XCTAssertEqual(BindingCall.relabel(TensorError("ldm.finetune: 'val_items' must be in 2...8").description, as: "mv.ldm.finetune").message,
                       "mv.ldm.finetune: 'val_items' must be in 2...8", "the end of a dotted name")
        XCTAssertEqual(BindingCall.relabel(TensorError("clip_grad_norm: the norm is nan").description, as: "mv.nn.clip_grad_norm_").message,
                       "mv.nn.clip_grad_norm_: the norm is nan", "an in-place function's name without its _")
        XCTAssertEqual(BindingCall.relabel(TensorError("resume: no checkpoint").description, as: "mv.ldm.finetune").message,
                       "mv.ldm.finetune: resume: no checkpoint", "another prefix stays")
    }

    func testBindingsChargeTheirAllocationsToTheCollector() throws {
        let state = try makeState()
        XCTAssertNotNil(state.memory.liveBytesProvider, "the allocator's live bytes feed the soft limit")
        state.collectGarbage()
        CachingAllocator.shared.resetPeak()
        let base = CachingAllocator.shared.statistics.liveBytes
        try state.run(chunk: "for i = 1, 200 do local t = mv.zeros(1024, 1024) end")
        let peak = CachingAllocator.shared.statistics.peakBytes - base
        XCTAssertLessThan(peak, 64 << 20, "200 x 4 MB allocated, peak \(peak >> 20) MB")
    }

    func testLuaModulesAndTheirCoresAreCollected() throws {
        let state = try makeState()
        weak var core: ScriptModule?
        weak var weight: Tensor?
        do {
            let values = try state.run(chunk: """
                local Net = mv.nn.Module:extend("Net")
                function Net:__init() self.fc = mv.nn.Linear(4, 4); self.me = mv.nn.Sequential(mv.nn.Identity()) end
                net = Net()
                return rawget(net, "__core"), net.fc.weight
                """)
            if case .object(let object) = values[0] { core = object as? ScriptModule }
            if case .object(let object) = values[1] { weight = object as? Tensor }
        }
        XCTAssertNotNil(core)
        XCTAssertEqual(core?.typeName, "Net")
        try state.run(chunk: "net = nil")
        state.collectGarbage()
        state.collectGarbage()
        XCTAssertNil(core, "the object <-> core cycle lives in Lua and is collected")
        XCTAssertNil(weight, "and with it the parameters")
    }
}
