/// The unpickler's working memory: an arena of nodes addressed by index.
///
/// Why an arena instead of building `PickleValue`s directly: pickle containers are mutable and shared
/// through the memo (a dict is memoised while empty and filled later), which value types cannot mirror;
/// and reference-counted object graphs can be made arbitrarily deep by hostile input, so their recursive
/// deallocation could overflow the stack. Nodes refer to each other by index, so the arena is freed flat,
/// and `PickleMaterializer` turns the graph into a depth- and size-bounded `PickleValue` tree at the end.

typealias PickleNodeID = Int

enum PickleNode {
    /// A finished value with no node children (scalars, strings, bytes, arrays, numpy text arrays).
    case leaf(PickleValue)
    /// Index into `PickleGraph.lists`.
    case list(Int)
    /// Index into `PickleGraph.dicts`.
    case dict(Int)
    /// Index into `PickleGraph.sets`.
    case set(Int)
    case tuple([PickleNodeID])
    case object(className: String, args: [PickleNodeID], state: PickleNodeID?)
    case objectArray(shape: [Int], elements: [PickleNodeID])
    case global(module: String, name: String, callable: PickleCallable?)
    /// Result of numpy's `_reconstruct`, waiting for BUILD to supply shape, dtype and data.
    case pendingNumpyArray
    /// `numpy.dtype(code)`; BUILD may still change the byte order.
    case numpyDType(code: String, byteOrder: Character)
    case storage(TorchStorageRef)
    case tensor(TorchTensorView)

    var kindName: String {
        switch self {
        case .leaf(let value): return value.kindDescription
        case .list: return "list"
        case .dict: return "dict"
        case .set: return "set"
        case .tuple: return "tuple"
        case .object(let className, _, _): return "\(className) object"
        case .objectArray: return "numpy object array"
        case .global(let module, let name, _): return "\(module).\(name)"
        case .pendingNumpyArray: return "numpy array under construction"
        case .numpyDType: return "numpy dtype"
        case .storage: return "torch storage"
        case .tensor: return "torch tensor"
        }
    }
}

/// Keys for which Python's dict semantics (a repeated key replaces the value) can be applied cheaply.
/// Python treats True == 1, so bools map onto ints.
enum PickleDictKey: Hashable {
    case string(String)
    case int(Int64)
}

struct PickleDictStorage {
    var items: [(key: PickleNodeID, value: PickleNodeID)] = []
    var positionByKey: [PickleDictKey: Int] = [:]
}

struct PickleGraph {
    private(set) var nodes: [PickleNode] = []
    private(set) var lists: [[PickleNodeID]] = []
    private(set) var dicts: [PickleDictStorage] = []
    private(set) var sets: [[PickleNodeID]] = []

    subscript(id: PickleNodeID) -> PickleNode { nodes[id] }

    mutating func add(_ node: PickleNode) -> PickleNodeID {
        nodes.append(node)
        return nodes.count - 1
    }

    /// BUILD completes objects in place, so every memo reference sees the result.
    mutating func replace(_ id: PickleNodeID, with node: PickleNode) {
        nodes[id] = node
    }

    mutating func addList(_ items: [PickleNodeID] = []) -> PickleNodeID {
        lists.append(items)
        return add(.list(lists.count - 1))
    }

    mutating func addSet(_ items: [PickleNodeID] = []) -> PickleNodeID {
        sets.append(items)
        return add(.set(sets.count - 1))
    }

    mutating func addDict() -> PickleNodeID {
        dicts.append(PickleDictStorage())
        return add(.dict(dicts.count - 1))
    }

    mutating func append(_ items: [PickleNodeID], toList index: Int) {
        lists[index].append(contentsOf: items)
    }

    mutating func insert(_ items: [PickleNodeID], intoSet index: Int) {
        sets[index].append(contentsOf: items)
    }

    mutating func setItem(_ key: PickleNodeID, _ value: PickleNodeID, inDict index: Int) {
        guard let hashable = dictKey(key) else {
            dicts[index].items.append((key, value))
            return
        }
        if let position = dicts[index].positionByKey[hashable] {
            dicts[index].items[position].value = value
        } else {
            dicts[index].positionByKey[hashable] = dicts[index].items.count
            dicts[index].items.append((key, value))
        }
    }

    private func dictKey(_ id: PickleNodeID) -> PickleDictKey? {
        guard case .leaf(let value) = nodes[id] else { return nil }
        switch value {
        case .string(let text): return .string(text)
        case .int(let number): return .int(number)
        case .bool(let flag): return .int(flag ? 1 : 0)
        default: return nil
        }
    }
}

/// Turns a graph into a `PickleValue` tree, enforcing the nesting and expansion limits and
/// materialising torch tensors from their storages (each shared tensor once).
struct PickleMaterializer {
    private let graph: PickleGraph
    private let context: String
    private let maxNesting: Int
    private let maxExpandedValues: Int
    private let storages: TorchStorageSource?
    private let maxTensorBytes: Int
    private var tensorBytes = 0
    /// Finished subtrees: the value, its expanded size (values in the tree, counting shared ones each
    /// time) and its height (so a shared subtree reused deeper down still respects `maxNesting`).
    private var finished: [PickleNodeID: (value: PickleValue, size: Int, height: Int)] = [:]
    private var inProgress: Set<PickleNodeID> = []

    init(graph: PickleGraph, context: String, limits: PickleLimits, inputBytes: Int, storages: TorchStorageSource?) {
        self.graph = graph
        self.context = context
        self.maxNesting = limits.maxNesting
        self.maxExpandedValues = limits.maxExpandedValues ?? max(4_000_000, saturatingProduct(inputBytes, 4))
        self.storages = storages
        self.maxTensorBytes = limits.maxTensorBytes ?? max(256 << 20, saturatingProduct(storages?.totalStorageBytes ?? 0, 2))
    }

    mutating func value(of id: PickleNodeID) throws -> PickleValue {
        try build(id, depth: 0).value
    }

    private mutating func build(_ id: PickleNodeID, depth: Int) throws -> (value: PickleValue, size: Int, height: Int) {
        if let done = finished[id] {
            guard depth + done.height <= maxNesting else { throw nestingError() }
            return done
        }
        guard depth < maxNesting else { throw nestingError() }
        guard inProgress.insert(id).inserted else {
            throw MindIOError("\(context): the object graph contains a reference cycle, which has no tree form")
        }
        defer { inProgress.remove(id) }

        var size = 1
        var height = 1
        func child(_ childID: PickleNodeID) throws -> PickleValue {
            let built = try build(childID, depth: depth + 1)
            let (sum, overflow) = size.addingReportingOverflow(built.size)
            size = overflow ? Int.max : sum
            height = max(height, built.height + 1)
            return built.value
        }
        let value: PickleValue
        switch graph[id] {
        case .leaf(let leaf): value = leaf
        case .list(let index): value = .list(try graph.lists[index].map(child))
        case .set(let index): value = .set(try graph.sets[index].map(child))
        case .tuple(let items): value = .tuple(try items.map(child))
        case .dict(let index):
            value = .dict(try graph.dicts[index].items.map { (key: try child($0.key), value: try child($0.value)) })
        case .object(let className, let args, let state):
            value = .object(className: className, args: try args.map(child), state: try state.map(child))
        case .objectArray(let shape, let elements):
            value = .objectArray(shape: shape, elements: try elements.map(child))
        case .global(let module, let name, _): value = .global(module: module, name: name)
        case .pendingNumpyArray:
            throw MindIOError("\(context): numpy array was reconstructed but never given its data (no BUILD)")
        case .numpyDType(let code, let byteOrder):
            value = .object(className: "numpy.dtype", args: [.string(String(byteOrder) + code)], state: nil)
        case .storage(let storage): value = .array(try materialize(TorchTensorView(wholeStorage: storage)))
        case .tensor(let view): value = .array(try materialize(view))
        }
        guard size <= maxExpandedValues else {
            throw MindIOError("\(context): the object graph expands to more than \(maxExpandedValues) values through shared references (a memo bomb?)")
        }
        finished[id] = (value, size, height)
        return (value, size, height)
    }

    private func nestingError() -> MindIOError {
        MindIOError("\(context): objects nested deeper than \(maxNesting) levels")
    }

    private mutating func materialize(_ view: TorchTensorView) throws -> NDArray {
        guard let storages else {
            throw MindIOError("\(context): tensor data requested but the pickle has no storage source")
        }
        let (total, overflow) = tensorBytes.addingReportingOverflow(view.byteCount)
        tensorBytes = total
        guard !overflow, total <= maxTensorBytes else {
            throw MindIOError("\(context): tensors would need more than \(maxTensorBytes) bytes, more than twice the file's storages (overlapping views?)")
        }
        return try view.materialize(from: storages)
    }
}

private func saturatingProduct(_ value: Int, _ factor: Int) -> Int {
    let (product, overflow) = value.multipliedReportingOverflow(by: factor)
    return overflow ? Int.max : product
}
