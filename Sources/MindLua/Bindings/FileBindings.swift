import Foundation
import MindIO
import MindTensor

/// `mv.load(path [, {key=, strip_prefix=}])` and `mv.save(path, table [, metadata])`: the field's
/// files as Lua tables of tensors, nested like the Python objects they hold. Nothing in a pickle is
/// ever executed (MindIO's restricted reader); unknown classes arrive as tables with `__class`.
enum FileBindings: LuaBindingSet {
    static func install(_ state: LuaState) throws {
        try state.bind("mv", "load", doc: """
            mv.load(path [, options]) -> table, metadata
            Reads a tensor file as a Lua table of tensors, nested like the Python object it holds: safetensors, .npy, .npz, PyTorch .pth/.pt/.ckpt/.bin (zip or legacy); the format is recognised from the bytes, not the name.
            key = nil  -- a dotted path inside a checkpoint to return ("model", "state_dict")
            strip_prefix = nil  -- drop this prefix from tensor names ("model.diffusion_model.")
            Nothing in a pickle is executed: unknown classes arrive as tables with __class. metadata is the safetensors header's.
            """) { args in
            let path = try args.string(1, "path")
            let options = try args.options(2)
            let (value, metadata) = try load(URL(fileURLWithPath: path), key: try options.string("key"),
                                             stripPrefix: try options.string("strip_prefix"))
            return try args.returning(value, metadata)
        }
        try state.bind("mv", "mkdir", doc: """
            mv.mkdir(path) -> path
            Creates the folder and any missing parents (mkdir -p), without a shell: any path is safe, quotes and spaces included. An existing folder is fine; a file in the way is an error.
            """) { args in
            // Folder.create names an empty path and a file in the way (at any level of the path).
            let path = try args.string(1, "path")
            do {
                try Folder.create(path)
            } catch let error as MindIOError {
                throw args.error(error.message)
            }
            return try args.returning(path)
        }
        try state.bind("mv", "save", doc: """
            mv.save(path, data [, metadata [, options]])
            Writes tensors atomically, by extension: .safetensors (a table of tensors; nested tables become dotted names; string metadata), .npz (a table of tensors) or .npy (one tensor).
            dtype = "float32"  -- "float16" stores safetensors in half precision (half the size; loading widens them back)
            """) { args in
            let path = try args.string(1, "path")
            let value = try args.value(2, "data")
            var metadata: [String: String] = [:]
            if !args.isNil(3) {
                guard case .table(let entries) = try args.value(3, "metadata") else { throw args.argumentError(3, "metadata", expected: "a table of strings") }
                for entry in entries {
                    guard case .string(let k) = entry.key, case .string(let v) = entry.value else {
                        throw args.argumentError(3, "metadata", expected: "string keys and string values")
                    }
                    metadata[k] = v
                }
            }
            try save(value, to: URL(fileURLWithPath: path), metadata: metadata, half: try halfPrecision(args.options(4), args: args), function: args.function)
            return .none
        }
    }

    /// The path argument of a model's save, which always writes safetensors: another extension (.pth, .ckpt) would
    /// name a format the file is not in.
    static func safetensorsPath(_ args: LuaArgs, _ index: Int = 1) throws -> String {
        let path = try args.string(index, "path")
        guard path.hasSuffix(".safetensors") else { throw args.argumentError(index, "path", expected: "a .safetensors file name (models save safetensors)") }
        return path
    }

    /// The `dtype = "float32" | "float16"` option of every save: whether to store half precision.
    static func halfPrecision(_ options: LuaOptions, args: LuaArgs) throws -> Bool {
        let dtype = try options.string("dtype", default: "float32")
        guard ["float32", "float16"].contains(dtype) else { throw args.error("option 'dtype': expected \"float32\" or \"float16\", got \"\(dtype)\"") }
        return dtype == "float16"
    }

    /// The file as a Lua value, and the safetensors metadata (empty for other formats). The format comes from the
    /// file's bytes (`FileFormat`), not its name.
    static func load(_ url: URL, key: String?, stripPrefix: String?) throws -> (LuaValue, LuaValue) {
        let format = try FileFormat.detect(url, context: "mv.load")
        switch format {
        case .npz where key == nil && stripPrefix == nil:
            let archive = try NPZ.read(contentsOf: url)
            return (.table(try archive.entries.map { LuaTableEntry(key: .string($0.name), value: try luaValue($0.value, path: url.lastPathComponent + "/" + $0.name)) }), .table([]))
        case .torch where stripPrefix == nil:
            let checkpoint = try TorchCheckpoint.load(contentsOf: url)
            let root = try key.map { k -> PickleValue in
                guard let v = checkpoint[k] else { throw LuaBindingError("mv.load: \(url.lastPathComponent) has no key '\(k)'") }
                return v
            } ?? checkpoint
            return (try luaValue(root, path: key ?? ""), .table([]))
        case .npy:
            return (try luaValue(NPY.read(contentsOf: url), path: url.lastPathComponent), .table([]))
        case .safetensors, .npz, .torch:
            let state = try StateDict.load(contentsOf: url, keyPath: key, stripPrefix: stripPrefix)
            let tensors = try state.tensors.map { entry in
                LuaTableEntry(key: .string(entry.name), value: .object(try entry.array.tensor(name: url.lastPathComponent + "/" + entry.name)))
            }
            let metadata = state.metadata.sorted { $0.key < $1.key }.map { LuaTableEntry(key: .string($0.key), value: .string($0.value)) }
            return (.table(tensors), .table(metadata))
        }
    }

    /// A Python object as a Lua value: dicts -> tables, lists and tuples -> arrays, tensors and numeric
    /// arrays -> tensors, None -> absent, inert objects -> tables with `__class`.
    static func luaValue(_ value: PickleValue, path: String) throws -> LuaValue {
        switch value {
        case .none: return .nil
        case .bool(let b): return .boolean(b)
        case .int(let i): return .integer(Int(i))
        case .bigInt(let text): return .string(text)
        case .float(let d): return .number(d)
        case .string(let s): return .string(s)
        case .bytes(let b): return .string(String(decoding: b, as: UTF8.self))
        case .array(let a): return .object(try a.tensor(name: path))
        case .list(let items), .tuple(let items), .set(let items):
            return try sequence(items, path: path)
        case .objectArray(let shape, let elements):
            // A 0-d object array (numpy's way of saving a dict, as img_dict.npy does) is its one element.
            if shape.isEmpty, let only = elements.first { return try luaValue(only, path: path) }
            return try sequence(elements, path: path)
        case .dict(let entries):
            return .table(try entries.compactMap { k, v in
                let key: LuaValue
                switch k {
                case .string(let s): key = .string(s)
                case .int(let i): key = .integer(Int(i))
                default: key = .string(k.description)
                }
                let converted = try luaValue(v, path: path.isEmpty ? "\(key)" : "\(path).\(key)")
                return converted == .nil ? nil : LuaTableEntry(key: key, value: converted)
            })
        case .object(let className, _, let state):
            var entries = [LuaTableEntry(key: .string("__class"), value: .string(className))]
            if case .table(let fields)? = try state.map({ try luaValue($0, path: path) }) {
                entries += fields
            } else if let state {
                entries.append(LuaTableEntry(key: .string("__state"), value: try luaValue(state, path: path)))
            }
            return .table(entries)
        case .global(let module, let name):
            return .table([LuaTableEntry(key: .string("__global"), value: .string(module + "." + name))])
        }
    }

    /// Python None inside a sequence keeps its position (a table with explicit integer keys).
    static func sequence(_ items: [PickleValue], path: String) throws -> LuaValue {
        let values = try items.enumerated().map { try luaValue($1, path: "\(path)[\($0 + 1)]") }
        if !values.contains(.nil) { return .array(values) }
        return .table(values.enumerated().compactMap { $1 == .nil ? nil : LuaTableEntry(key: .integer($0 + 1), value: $1) })
    }

    /// Writes tensors: `.safetensors` (a table of tensors; nested tables flatten to dotted names; string
    /// metadata), `.npz` (a table of tensors), `.npy` (one tensor). Atomic.
    static func save(_ value: LuaValue, to url: URL, metadata: [String: String], half: Bool, function: String) throws {
        let ext = url.pathExtension.lowercased()
        if ext == "npy" {
            guard case .object(let o) = value, let t = o as? Tensor else { throw LuaBindingError("\(function): .npy files hold one tensor") }
            try NPY.write(NDArray(t), to: url)
            return
        }
        var arrays: [NamedArray] = []
        try flatten(value, prefix: "", into: &arrays, function: function)
        if half {
            guard ext == "safetensors" else { throw LuaBindingError("\(function): float16 is written to .safetensors files only") }
            arrays = try arrays.map { ($0.name, try NDArray(halvesFrom: $0.array.floats(), shape: $0.array.shape)) }
        }
        guard !arrays.isEmpty else { throw LuaBindingError("\(function): nothing to save: the table holds no tensors") }
        switch ext {
        case "safetensors": try Safetensors.write(arrays, metadata: metadata, to: url)
        case "npz":
            guard metadata.isEmpty else { throw LuaBindingError("\(function): .npz files have no metadata; use .safetensors") }
            try NPZ.write(arrays, to: url)
        default: throw LuaBindingError("\(function): can write .safetensors, .npz or .npy, not '.\(ext)'")
        }
    }

    static func flatten(_ value: LuaValue, prefix: String, into arrays: inout [NamedArray], function: String) throws {
        switch value {
        case .object(let o):
            guard let t = o as? Tensor else { throw LuaBindingError("\(function): '\(prefix)' is a \(type(of: o)), not a tensor") }
            arrays.append((prefix, try NDArray(t)))
        case .table(let entries):
            for entry in entries {
                let key: String
                switch entry.key {
                case .string(let s): key = s
                case .integer(let i): key = String(i)
                default: throw LuaBindingError("\(function): table keys must be strings or integers")
                }
                try flatten(entry.value, prefix: prefix.isEmpty ? key : prefix + "." + key, into: &arrays, function: function)
            }
        case .array(let items):
            for (i, item) in items.enumerated() {
                try flatten(item, prefix: prefix.isEmpty ? String(i + 1) : "\(prefix).\(i + 1)", into: &arrays, function: function)
            }
        default:
            throw LuaBindingError("\(function): '\(prefix)' is a \(value), not a tensor")
        }
    }
}
