/// A Python object as read by MindIO's restricted unpickler. Nothing in it is executable: classes that
/// are not on the allow-list arrive as inert `.object` records (see PickleAllowList.swift).
///
/// Mapping rules:
/// - `dict` and `collections.OrderedDict` -> `.dict` (insertion order kept; an OrderedDict's `_metadata`
///   attribute, set by BUILD on saved state dicts, is dropped).
/// - torch tensors and parameters, numpy arrays of numeric/bool dtype, numpy scalars -> `.array`
///   (numpy scalars and 0-d arrays have shape `[]`).
/// - numpy object arrays (`|O`), unicode arrays (`<U…`, elements `.string`) and byte-string arrays (`|S…`,
///   elements `.bytes`) -> `.objectArray`; `np.save` of a Python object gives a 0-d object array, so the
///   object itself is `value.item`.
/// - `set`/`frozenset` -> `.set`; `bytearray` -> `.bytes`; `torch.Size` -> `.tuple`; `torch.device` -> `.string`
///   (e.g. "cuda:0").
public indirect enum PickleValue {
    case none
    case bool(Bool)
    case int(Int64)
    /// An integer outside Int64's range, as its decimal text.
    case bigInt(String)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    case list([PickleValue])
    case tuple([PickleValue])
    case set([PickleValue])
    case dict([(key: PickleValue, value: PickleValue)])
    case array(NDArray)
    case objectArray(shape: [Int], elements: [PickleValue])
    /// An inert instance of a class that is not on the allow-list. `className` is "module.Name";
    /// `args` are the constructor arguments the pickle supplied; `state` what BUILD supplied
    /// (normally the instance `__dict__`).
    case object(className: String, args: [PickleValue], state: PickleValue?)
    /// A reference to a module-level name that was never called (e.g. `torch.float32`).
    case global(module: String, name: String)
}

extension PickleValue {
    /// Dictionary lookup by string key. Also looks into an `.object`'s dict state, so attributes of a
    /// pickled config object read like dict entries: `checkpoint["config"]?["mask_ratio"]`.
    public subscript(key: String) -> PickleValue? {
        switch self {
        case .dict(let items):
            return items.first { if case .string(key) = $0.key { return true } else { return false } }?.value
        case .object(_, _, let state?):
            return state[key]
        default:
            return nil
        }
    }

    /// Dictionary lookup by any key (optimizer states use int keys: `state.value(forKey: .int(0))`).
    public func value(forKey key: PickleValue) -> PickleValue? {
        asDict?.first { $0.key == key }?.value
    }

    /// Element of a list, tuple, set or object array (flat index).
    public subscript(index: Int) -> PickleValue? {
        let elements: [PickleValue]
        switch self {
        case .list(let items), .tuple(let items), .set(let items): elements = items
        case .objectArray(_, let items): elements = items
        default: return nil
        }
        return elements.indices.contains(index) ? elements[index] : nil
    }

    /// Integer value of `.int`, `.bool`, or a one-element integer/bool array (numpy scalars).
    public var asInt: Int64? {
        switch self {
        case .int(let value): return value
        case .bool(let value): return value ? 1 : 0
        case .array(let array) where array.numel == 1 && !array.dtype.isFloatingPoint:
            return (try? array.int64s())?.first
        default: return nil
        }
    }

    /// Numeric value of `.float`, `.int`, `.bool`, or any one-element array.
    public var asDouble: Double? {
        switch self {
        case .float(let value): return value
        case .int(let value): return Double(value)
        case .bool(let value): return value ? 1 : 0
        case .array(let array) where array.numel == 1: return array.doubles().first
        default: return nil
        }
    }

    public var asBool: Bool? {
        switch self {
        case .bool(let value): return value
        case .array(let array) where array.numel == 1: return array.bools().first
        default: return nil
        }
    }

    public var asString: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var asBytes: [UInt8]? {
        if case .bytes(let value) = self { return value }
        return nil
    }

    public var asArray: NDArray? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// Elements of a list or tuple.
    public var asList: [PickleValue]? {
        switch self {
        case .list(let items), .tuple(let items): return items
        default: return nil
        }
    }

    public var asDict: [(key: PickleValue, value: PickleValue)]? {
        if case .dict(let items) = self { return items }
        return nil
    }

    /// The elements of a unicode (`<U…`) or object array whose elements are all strings.
    public var asStrings: [String]? {
        guard case .objectArray(_, let elements) = self else { return nil }
        var strings: [String] = []
        strings.reserveCapacity(elements.count)
        for element in elements {
            guard case .string(let text) = element else { return nil }
            strings.append(text)
        }
        return strings
    }

    /// The single element of a 0-d object array (numpy's `.item()`), e.g. the dict saved in `img_dict.npy`.
    public var item: PickleValue? {
        if case .objectArray(let shape, let elements) = self, shape.isEmpty, elements.count == 1 {
            return elements[0]
        }
        return nil
    }

    /// A short name of the case, for error messages ("dict", "NDArray F32 [2, 3]", ...).
    public var kindDescription: String {
        switch self {
        case .none: return "None"
        case .bool: return "bool"
        case .int, .bigInt: return "int"
        case .float: return "float"
        case .string: return "str"
        case .bytes: return "bytes"
        case .list: return "list"
        case .tuple: return "tuple"
        case .set: return "set"
        case .dict: return "dict"
        case .array(let array): return "array \(array.dtype.rawValue) \(array.shape)"
        case .objectArray(let shape, _): return "object array \(shape)"
        case .object(let className, _, _): return "\(className) object"
        case .global(let module, let name): return "global \(module).\(name)"
        }
    }
}

extension PickleValue: Equatable {
    public static func == (lhs: PickleValue, rhs: PickleValue) -> Bool {
        switch (lhs, rhs) {
        case (.none, .none): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.bigInt(let a), .bigInt(let b)): return a == b
        case (.float(let a), .float(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.bytes(let a), .bytes(let b)): return a == b
        case (.list(let a), .list(let b)), (.tuple(let a), .tuple(let b)), (.set(let a), .set(let b)):
            return a == b
        case (.dict(let a), .dict(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.array(let a), .array(let b)): return a == b
        case (.objectArray(let shapeA, let a), .objectArray(let shapeB, let b)): return shapeA == shapeB && a == b
        case (.object(let nameA, let argsA, let stateA), .object(let nameB, let argsB, let stateB)):
            return nameA == nameB && argsA == argsB && stateA == stateB
        case (.global(let moduleA, let nameA), .global(let moduleB, let nameB)):
            return moduleA == moduleB && nameA == nameB
        default: return false
        }
    }
}

extension PickleValue: CustomStringConvertible {
    /// Python-like rendering; arrays are summarised, long containers elided after 20 items.
    public var description: String {
        var output = ""
        render(into: &output)
        return output
    }

    private static let maxRenderedItems = 20

    private func render(into output: inout String) {
        switch self {
        case .none: output += "None"
        case .bool(let value): output += value ? "True" : "False"
        case .int(let value): output += String(value)
        case .bigInt(let text): output += text
        case .float(let value): output += String(value)
        case .string(let text): output += "'" + text + "'"
        case .bytes(let bytes): output += "b<\(bytes.count) bytes>"
        case .list(let items): renderSequence(items, open: "[", close: "]", into: &output)
        case .tuple(let items): renderSequence(items, open: "(", close: items.count == 1 ? ",)" : ")", into: &output)
        case .set(let items): renderSequence(items, open: "{", close: "}", into: &output)
        case .dict(let items):
            output += "{"
            for (position, item) in items.prefix(PickleValue.maxRenderedItems).enumerated() {
                if position > 0 { output += ", " }
                item.key.render(into: &output)
                output += ": "
                item.value.render(into: &output)
            }
            if items.count > PickleValue.maxRenderedItems { output += ", …(\(items.count) items)" }
            output += "}"
        case .array(let array): output += "array(\(array.dtype.rawValue), shape: \(array.shape))"
        case .objectArray(let shape, let elements):
            output += "objectArray(shape: \(shape), "
            renderSequence(elements, open: "[", close: "]", into: &output)
            output += ")"
        case .object(let className, let args, let state):
            output += className + "("
            renderSequence(args, open: "", close: "", into: &output)
            if let state {
                output += args.isEmpty ? "state=" : ", state="
                state.render(into: &output)
            }
            output += ")"
        case .global(let module, let name): output += "<global \(module).\(name)>"
        }
    }

    private func renderSequence(_ items: [PickleValue], open: String, close: String, into output: inout String) {
        output += open
        for (position, item) in items.prefix(PickleValue.maxRenderedItems).enumerated() {
            if position > 0 { output += ", " }
            item.render(into: &output)
        }
        if items.count > PickleValue.maxRenderedItems { output += ", …(\(items.count) items)" }
        output += close
    }
}
