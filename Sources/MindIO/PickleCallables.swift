/// Native implementations of the allow-listed callables and of BUILD (see PickleAllowList.swift for
/// the rule that decides what may be called). Each mirrors what the Python function would return,
/// without running any Python code.
extension PickleMachine {
    /// REDUCE: `callable(*arguments)`.
    mutating func call(_ callableID: PickleNodeID, arguments: [PickleNodeID]) throws -> PickleNodeID {
        guard case .global(let module, let name, let callable) = graph[callableID] else {
            throw failure("cannot call a \(graph[callableID].kindName)")
        }
        guard let callable else {
            return try inertInstance(module: module, name: name, arguments: arguments, keywordArguments: nil)
        }
        switch callable {
        case .orderedDict:
            return try makeDict(arguments)
        case .buildSet, .buildFrozenSet:
            try requireArgumentCount(arguments, 0...1, of: "\(module).\(name)")
            let items = try arguments.first.map { try sequenceItems($0, role: "\(name)() argument") } ?? []
            return graph.addSet(items)
        case .buildByteArray:
            return graph.add(.leaf(.bytes(try byteArrayContents(arguments))))
        case .codecsEncode:
            try requireArgumentCount(arguments, 2...2, of: "_codecs.encode")
            let text = try stringValue(arguments[0], role: "_codecs.encode text")
            let encoding = try stringValue(arguments[1], role: "_codecs.encode encoding")
            return graph.add(.leaf(.bytes(try encode(text, encoding: encoding))))
        case .copyregReconstructor:
            try requireArgumentCount(arguments, 3...3, of: "copyreg._reconstructor")
            guard case .global(let classModule, let className, nil) = graph[arguments[0]] else {
                throw failure("copyreg._reconstructor can only rebuild inert classes, got \(graph[arguments[0]].kindName)")
            }
            let baseState: [PickleNodeID]
            if case .leaf(.none) = graph[arguments[2]] { baseState = [] } else { baseState = [arguments[2]] }
            return try inertInstance(module: classModule, name: className, arguments: baseState, keywordArguments: nil)
        case .numpyReconstruct:
            try requireArgumentCount(arguments, 3...3, of: "numpy _reconstruct")
            guard case .global("numpy", "ndarray", _) = graph[arguments[0]] else {
                throw failure("numpy _reconstruct of \(graph[arguments[0]].kindName) is not supported (only numpy.ndarray)")
            }
            return graph.add(.pendingNumpyArray)
        case .numpyDType:
            try requireArgumentCount(arguments, 1...3, of: "numpy.dtype")
            let code = try stringValue(arguments[0], role: "numpy.dtype code")
            return graph.add(.numpyDType(code: code, byteOrder: "="))
        case .numpyScalar:
            return try numpyScalar(arguments)
        case .rebuildTensorV2, .rebuildTensor:
            return try rebuildTensor(arguments, name: name)
        case .rebuildParameter, .rebuildParameterWithState:
            guard let data = arguments.first, case .tensor = graph[data] else {
                throw failure("\(name) expects a tensor as its first argument")
            }
            return data
        case .rebuildFromTypeV2:
            // (func, new_type, args, state): a tensor subclass rebuilt by `func(*args)`; type and state
            // only matter to Python, the data is the same.
            try requireArgumentCount(arguments, 4...4, of: name)
            if case .global(_, _, .rebuildFromTypeV2) = graph[arguments[0]] {
                throw failure("nested _rebuild_from_type_v2 is not supported")
            }
            return try call(arguments[0], arguments: try tupleItems(arguments[2], role: "\(name) arguments"))
        case .torchSize:
            try requireArgumentCount(arguments, 0...1, of: "torch.Size")
            let items = try arguments.first.map { try sequenceItems($0, role: "torch.Size argument") } ?? []
            for item in items { _ = try intValue(item, role: "torch.Size dimension") }
            return graph.add(.tuple(items))
        case .torchDevice:
            try requireArgumentCount(arguments, 1...2, of: "torch.device")
            var device = try stringValue(arguments[0], role: "torch.device type")
            if arguments.count == 2, case .leaf(.int(let index)) = graph[arguments[1]] {
                device += ":\(index)"
            }
            return graph.add(.leaf(.string(device)))
        case .referenceOnly:
            throw failure("\(module).\(name) cannot be called")
        }
    }

    /// NEWOBJ / NEWOBJ_EX: `cls.__new__(cls, *arguments, **keywords)`.
    mutating func instantiate(_ classID: PickleNodeID, arguments: [PickleNodeID],
                              keywordArguments: PickleNodeID?) throws -> PickleNodeID {
        guard case .global(let module, let name, let callable) = graph[classID] else {
            throw failure("cannot instantiate a \(graph[classID].kindName)")
        }
        switch callable {
        case .none:
            return try inertInstance(module: module, name: name, arguments: arguments, keywordArguments: keywordArguments)
        case .orderedDict?:
            return graph.addDict()
        case .buildSet?, .buildFrozenSet?:
            return graph.addSet()
        default:
            throw failure("\(module).\(name) cannot be instantiated with NEWOBJ")
        }
    }

    /// BUILD: give `target` its state (`__setstate__` or `__dict__.update`).
    mutating func build(_ target: PickleNodeID, state: PickleNodeID) throws {
        switch graph[target] {
        case .object(let className, let arguments, _):
            graph.replace(target, with: .object(className: className, args: arguments, state: state))
        case .dict, .tensor:
            // A state dict's `_metadata` attribute and a Parameter's Python attributes carry no data.
            break
        case .pendingNumpyArray:
            graph.replace(target, with: try numpyArray(state: state))
        case .numpyDType(let code, _):
            graph.replace(target, with: .numpyDType(code: code, byteOrder: try numpyByteOrder(state: state)))
        default:
            throw failure("BUILD on a \(graph[target].kindName) is not supported")
        }
    }

    // MARK: Inert objects

    /// Rule 3 of the allow-list: class-like names become inert records, anything else is refused.
    private mutating func inertInstance(module: String, name: String, arguments: [PickleNodeID],
                                        keywordArguments: PickleNodeID?) throws -> PickleNodeID {
        guard PickleAllowList.isClassLike(name) else {
            throw failure("refusing to call \(module).\(name) (not on the allow-list)")
        }
        var allArguments = arguments
        if let keywordArguments, case .dict(let index) = graph[keywordArguments], !graph.dicts[index].items.isEmpty {
            allArguments.append(keywordArguments)
        }
        return graph.add(.object(className: "\(module).\(name)", args: allArguments, state: nil))
    }

    // MARK: Builtins

    private func requireArgumentCount(_ arguments: [PickleNodeID], _ range: ClosedRange<Int>, of name: String) throws {
        guard range.contains(arguments.count) else {
            throw failure("\(name) takes \(range.lowerBound == range.upperBound ? "\(range.lowerBound)" : "\(range.lowerBound)–\(range.upperBound)") arguments, got \(arguments.count)")
        }
    }

    /// `OrderedDict()` or `OrderedDict(pairs)`.
    private mutating func makeDict(_ arguments: [PickleNodeID]) throws -> PickleNodeID {
        try requireArgumentCount(arguments, 0...1, of: "OrderedDict")
        let dict = graph.addDict()
        guard let source = arguments.first else { return dict }
        var keysAndValues: [PickleNodeID] = []
        if case .dict(let sourceIndex) = graph[source] {
            for item in graph.dicts[sourceIndex].items {
                keysAndValues += [item.key, item.value]
            }
        } else {
            for pair in try sequenceItems(source, role: "OrderedDict argument") {
                let entry = try sequenceItems(pair, role: "OrderedDict item")
                guard entry.count == 2 else { throw failure("OrderedDict item has \(entry.count) elements, expected 2") }
                keysAndValues += entry
            }
        }
        try setItems(keysAndValues, into: dict)
        return dict
    }

    private func byteArrayContents(_ arguments: [PickleNodeID]) throws -> [UInt8] {
        try requireArgumentCount(arguments, 0...2, of: "bytearray")
        guard let source = arguments.first else { return [] }
        if arguments.count == 2 {
            return try encode(try stringValue(source, role: "bytearray text"),
                              encoding: try stringValue(arguments[1], role: "bytearray encoding"))
        }
        if case .leaf(.bytes(let bytes)) = graph[source] { return bytes }
        return try sequenceItems(source, role: "bytearray argument").map { item in
            let value = try intValue(item, role: "bytearray element")
            guard let byte = UInt8(exactly: value) else { throw failure("bytearray element \(value) is not a byte") }
            return byte
        }
    }

    /// The codecs numpy and Python 2 pickles use to carry bytes as text.
    private func encode(_ text: String, encoding: String) throws -> [UInt8] {
        switch encoding.lowercased() {
        case "latin1", "latin-1", "iso-8859-1", "iso8859-1", "l1":
            return try latin1Bytes(text)
        case "utf-8", "utf8":
            return Array(text.utf8)
        case "ascii":
            guard text.unicodeScalars.allSatisfy(\.isASCII) else { throw failure("text is not ASCII") }
            return Array(text.utf8)
        default:
            throw failure("unsupported text encoding '\(encoding)'")
        }
    }

    private func latin1Bytes(_ text: String) throws -> [UInt8] {
        try text.unicodeScalars.map { scalar in
            guard let byte = UInt8(exactly: scalar.value) else {
                throw failure("character U+\(String(scalar.value, radix: 16)) does not fit Latin-1")
            }
            return byte
        }
    }

    // MARK: numpy

    /// Array state: `(version, shape, dtype, is_fortran, data)` (version 1) or the same without version.
    private func numpyArray(state: PickleNodeID) throws -> PickleNode {
        var items = try tupleItems(state, role: "numpy array state")
        if items.count == 5 { items.removeFirst() }
        guard items.count == 4 else { throw failure("numpy array state has \(items.count) fields, expected 4 or 5") }
        let shape = try intTuple(items[0], role: "numpy array shape")
        let descr = try numpyDescr(items[1])
        let fortranOrder: Bool
        switch graph[items[2]] {
        case .leaf(.bool(let flag)): fortranOrder = flag
        case .leaf(.int(let flag)): fortranOrder = flag != 0
        default: throw failure("numpy array is_fortran flag must be a bool, found \(graph[items[2]].kindName)")
        }
        let numel = try NDArray.elementCount(shape, context: opcodeContext)
        if descr.kind == .object {
            guard case .list(let index) = graph[items[3]] else {
                throw failure("numpy object array data must be a list, found \(graph[items[3]].kindName)")
            }
            var elements = graph.lists[index]
            guard elements.count == numel else {
                throw failure("numpy object array of shape \(shape) has \(elements.count) elements, expected \(numel)")
            }
            if fortranOrder && shape.count > 1 && numel > 1 {
                elements = fortranToCOrder(elements, shape: shape)
            }
            return .objectArray(shape: shape, elements: elements)
        }
        let raw: [UInt8]
        switch graph[items[3]] {
        case .leaf(.bytes(let bytes)): raw = bytes
        case .leaf(.string(let text)): raw = try latin1Bytes(text)
        default: throw failure("numpy array data must be bytes, found \(graph[items[3]].kindName)")
        }
        let value = try raw.withUnsafeBytes {
            try descr.decode($0, shape: shape, fortranOrder: fortranOrder, context: opcodeContext)
        }
        return .leaf(value)
    }

    /// Object elements are node ids, not bytes, so they are permuted directly.
    private func fortranToCOrder(_ elements: [PickleNodeID], shape: [Int]) -> [PickleNodeID] {
        let strides = fortranStrides(shape)
        var counters = [Int](repeating: 0, count: shape.count)
        var reordered: [PickleNodeID] = []
        reordered.reserveCapacity(elements.count)
        for _ in elements.indices {
            reordered.append(elements[zip(counters, strides).reduce(0) { $0 + $1.0 * $1.1 }])
            var dimension = shape.count - 1
            while dimension >= 0 {
                counters[dimension] += 1
                if counters[dimension] < shape[dimension] { break }
                counters[dimension] = 0
                dimension -= 1
            }
        }
        return reordered
    }

    /// dtype state: `(version, byteorder, subarray, names, fields, elsize, alignment, flags)`.
    private func numpyByteOrder(state: PickleNodeID) throws -> Character {
        let items = try tupleItems(state, role: "numpy dtype state")
        guard items.count >= 2, case .leaf(.string(let order)) = graph[items[1]], order.count == 1,
              let mark = order.first, "<>|=".contains(mark) else {
            throw failure("numpy dtype state has no byte-order mark")
        }
        for index in 2..<min(items.count, 5) {
            guard case .leaf(.none) = graph[items[index]] else {
                throw failure("structured or sub-array numpy dtypes are not supported")
            }
        }
        return mark
    }

    private func numpyDescr(_ id: PickleNodeID) throws -> NumpyDescr {
        guard case .numpyDType(let code, let byteOrder) = graph[id] else {
            throw failure("expected a numpy dtype, found \(graph[id].kindName)")
        }
        return try NumpyDescr(String(byteOrder) + code, context: opcodeContext)
    }

    /// `scalar(dtype, data)`: a numpy scalar such as `np.float64(0.5)`; numeric ones become 0-d arrays.
    private mutating func numpyScalar(_ arguments: [PickleNodeID]) throws -> PickleNodeID {
        try requireArgumentCount(arguments, 2...2, of: "numpy scalar")
        let descr = try numpyDescr(arguments[0])
        if descr.kind == .object {
            return arguments[1]
        }
        let raw: [UInt8]
        switch graph[arguments[1]] {
        case .leaf(.bytes(let bytes)): raw = bytes
        case .leaf(.string(let text)): raw = try latin1Bytes(text)
        default: throw failure("numpy scalar data must be bytes, found \(graph[arguments[1]].kindName)")
        }
        let value = try raw.withUnsafeBytes { try descr.decode($0, shape: [], fortranOrder: false, context: opcodeContext) }
        // Text scalars (np.str_, np.bytes_) are plain strings/bytes, not one-element arrays.
        if case .objectArray(_, let elements) = value, let element = elements.first {
            return graph.add(.leaf(element))
        }
        return graph.add(.leaf(value))
    }

    // MARK: torch

    /// `_rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])`
    /// and the older `_rebuild_tensor(storage, storage_offset, size, stride)`.
    private mutating func rebuildTensor(_ arguments: [PickleNodeID], name: String) throws -> PickleNodeID {
        guard arguments.count >= 4 else { throw failure("\(name) needs at least 4 arguments, got \(arguments.count)") }
        guard case .storage(let storage) = graph[arguments[0]] else {
            throw failure("\(name) expects a storage (persistent id), found \(graph[arguments[0]].kindName)")
        }
        let view = try TorchTensorView(storage: storage,
                                       offset: try intValue(arguments[1], role: "storage offset"),
                                       shape: try intTuple(arguments[2], role: "tensor size"),
                                       strides: try intTuple(arguments[3], role: "tensor stride"),
                                       context: opcodeContext)
        return graph.add(.tensor(view))
    }
}
