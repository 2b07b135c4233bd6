import Foundation

/// Resource limits of the restricted unpickler. The defaults accept any real checkpoint; hostile
/// input that would exhaust memory or stack hits one of them and gets a clear error instead.
public struct PickleLimits: Sendable {
    /// Deepest container nesting in the result (the result is a recursive enum, and Swift frees and
    /// walks those recursively, so depth must stay well within a thread stack).
    public var maxNesting = 256
    /// Memo entries (BINPUT/LONG_BINPUT/MEMOIZE).
    public var maxMemoEntries = 1 << 24
    /// Items plus marks on the unpickler stack.
    public var maxStackDepth = 1 << 24
    /// Values in the result tree counting every use of a shared object; nil means
    /// max(4 million, 4 per input byte). Stops "memo bombs" that reference a container from itself
    /// many times over.
    public var maxExpandedValues: Int?
    /// Bytes of materialised tensors; nil means max(256 MiB, twice the file's storage bytes).
    public var maxTensorBytes: Int?

    public init() {}
}

/// Reading pickles that are not inside a torch checkpoint (numpy object arrays, plain pickles).
public enum Pickle {
    /// Unpickles `bytes` with the restricted machine (see PickleAllowList.swift). `name` labels errors.
    /// Persistent ids (torch storages) are refused: use `TorchCheckpoint` for torch files.
    public static func load(_ bytes: UnsafeRawBufferPointer, name: String, limits: PickleLimits = PickleLimits()) throws -> PickleValue {
        let context = "pickle: \(name)"
        let result = try PickleMachine.run(bytes, from: 0, context: context, limits: limits, persistentLoad: nil)
        var materializer = PickleMaterializer(graph: result.graph, context: context, limits: limits,
                                              inputBytes: bytes.count, storages: nil)
        return try materializer.value(of: result.root)
    }

    public static func load(_ data: Data, name: String, limits: PickleLimits = PickleLimits()) throws -> PickleValue {
        try data.withUnsafeBytes { try load($0, name: name, limits: limits) }
    }

    public static func load(contentsOf url: URL, limits: PickleLimits = PickleLimits()) throws -> PickleValue {
        try load(FileContents.read(url, context: "pickle"), name: url.path, limits: limits)
    }
}

/// Pickle opcodes MindIO executes (protocols 2–5 plus the binary protocol-1 ones they reuse).
enum PickleOpcode: UInt8 {
    case mark = 0x28, stop = 0x2E, pop = 0x30, popMark = 0x31, dup = 0x32
    case binInt = 0x4A, binInt1 = 0x4B, binInt2 = 0x4D, none = 0x4E
    case persID = 0x50, binPersID = 0x51, reduce = 0x52
    case binString = 0x54, shortBinString = 0x55, binUnicode = 0x58
    case append = 0x61, build = 0x62, global = 0x63, dict = 0x64, appends = 0x65
    case binGet = 0x68, longBinGet = 0x6A, list = 0x6C, binPut = 0x71, longBinPut = 0x72
    case setItem = 0x73, tuple = 0x74, setItems = 0x75
    case emptyDict = 0x7D, emptyList = 0x5D, emptyTuple = 0x29, binFloat = 0x47
    case binBytes = 0x42, shortBinBytes = 0x43
    case proto = 0x80, newObj = 0x81, tuple1 = 0x85, tuple2 = 0x86, tuple3 = 0x87
    case newTrue = 0x88, newFalse = 0x89, long1 = 0x8A, long4 = 0x8B
    case shortBinUnicode = 0x8C, binUnicode8 = 0x8D, binBytes8 = 0x8E, emptySet = 0x8F
    case addItems = 0x90, frozenSet = 0x91, newObjEx = 0x92, stackGlobal = 0x93, memoize = 0x94, frame = 0x95
    case byteArray8 = 0x96

    /// The name pickletools uses, for error messages.
    var pythonName: String {
        switch self {
        case .mark: return "MARK"
        case .stop: return "STOP"
        case .pop: return "POP"
        case .popMark: return "POP_MARK"
        case .dup: return "DUP"
        case .binInt: return "BININT"
        case .binInt1: return "BININT1"
        case .binInt2: return "BININT2"
        case .none: return "NONE"
        case .persID: return "PERSID"
        case .binPersID: return "BINPERSID"
        case .reduce: return "REDUCE"
        case .binString: return "BINSTRING"
        case .shortBinString: return "SHORT_BINSTRING"
        case .binUnicode: return "BINUNICODE"
        case .append: return "APPEND"
        case .build: return "BUILD"
        case .global: return "GLOBAL"
        case .dict: return "DICT"
        case .appends: return "APPENDS"
        case .binGet: return "BINGET"
        case .longBinGet: return "LONG_BINGET"
        case .list: return "LIST"
        case .binPut: return "BINPUT"
        case .longBinPut: return "LONG_BINPUT"
        case .setItem: return "SETITEM"
        case .tuple: return "TUPLE"
        case .setItems: return "SETITEMS"
        case .emptyDict: return "EMPTY_DICT"
        case .emptyList: return "EMPTY_LIST"
        case .emptyTuple: return "EMPTY_TUPLE"
        case .binFloat: return "BINFLOAT"
        case .binBytes: return "BINBYTES"
        case .shortBinBytes: return "SHORT_BINBYTES"
        case .proto: return "PROTO"
        case .newObj: return "NEWOBJ"
        case .tuple1: return "TUPLE1"
        case .tuple2: return "TUPLE2"
        case .tuple3: return "TUPLE3"
        case .newTrue: return "NEWTRUE"
        case .newFalse: return "NEWFALSE"
        case .long1: return "LONG1"
        case .long4: return "LONG4"
        case .shortBinUnicode: return "SHORT_BINUNICODE"
        case .binUnicode8: return "BINUNICODE8"
        case .binBytes8: return "BINBYTES8"
        case .emptySet: return "EMPTY_SET"
        case .addItems: return "ADDITEMS"
        case .frozenSet: return "FROZENSET"
        case .newObjEx: return "NEWOBJ_EX"
        case .stackGlobal: return "STACK_GLOBAL"
        case .memoize: return "MEMOIZE"
        case .frame: return "FRAME"
        case .byteArray8: return "BYTEARRAY8"
        }
    }

    /// Names of opcodes MindIO does not execute, so the error can say what the file asked for.
    static let unsupportedNames: [UInt8: String] = [
        0x46: "FLOAT", 0x49: "INT", 0x4C: "LONG", 0x53: "STRING", 0x56: "UNICODE", 0x67: "GET",
        0x69: "INST", 0x6F: "OBJ", 0x70: "PUT", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4",
        0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
    ]
}

/// The restricted unpickler: executes opcodes over a node arena (PickleGraph.swift) and implements
/// allow-listed callables natively (PickleCallables.swift). It never runs Python code.
struct PickleMachine {
    var graph = PickleGraph()
    private var stack: [PickleNodeID] = []
    private var marks: [Int] = []
    private var memo: [Int: PickleNodeID] = [:]
    private var cursor: ByteCursor
    private var opcodeOffset = 0
    private var currentOpcode: PickleOpcode?
    let limits: PickleLimits
    let context: String
    private let persistentLoad: ((PickleValue) throws -> TorchStorageRef)?

    /// Runs the pickle that starts at `offset` up to its STOP; returns the graph, the result node and
    /// the offset just past STOP (the legacy torch format stores several pickles back to back).
    static func run(_ bytes: UnsafeRawBufferPointer, from offset: Int, context: String, limits: PickleLimits,
                    persistentLoad: ((PickleValue) throws -> TorchStorageRef)?) throws -> (graph: PickleGraph, root: PickleNodeID, end: Int) {
        var machine = PickleMachine(bytes: bytes, offset: offset, context: context, limits: limits, persistentLoad: persistentLoad)
        let root = try machine.execute()
        return (machine.graph, root, machine.cursor.offset)
    }

    private init(bytes: UnsafeRawBufferPointer, offset: Int, context: String, limits: PickleLimits,
                 persistentLoad: ((PickleValue) throws -> TorchStorageRef)?) {
        self.cursor = ByteCursor(bytes, offset: offset, context: context)
        self.context = context
        self.limits = limits
        self.persistentLoad = persistentLoad
    }

    /// An error located at the current opcode.
    func failure(_ message: String) -> MindIOError {
        MindIOError("\(opcodeContext): \(message)")
    }

    var opcodeContext: String {
        "\(context): offset \(opcodeOffset)" + (currentOpcode.map { " (\($0.pythonName))" } ?? "")
    }

    private mutating func execute() throws -> PickleNodeID {
        while true {
            opcodeOffset = cursor.offset
            currentOpcode = nil
            guard !cursor.isAtEnd else {
                throw MindIOError("\(context): truncated: the pickle ends at offset \(cursor.offset) without STOP")
            }
            let byte = try cursor.readUInt8()
            guard let opcode = PickleOpcode(rawValue: byte) else {
                let name = PickleOpcode.unsupportedNames[byte].map { " (\($0))" } ?? ""
                throw failure("unsupported opcode 0x\(String(byte, radix: 16))\(name)")
            }
            currentOpcode = opcode
            if let result = try step(opcode) {
                return result
            }
        }
    }

    /// Executes one opcode; returns the pickled object at STOP.
    private mutating func step(_ opcode: PickleOpcode) throws -> PickleNodeID? {
        switch opcode {
        case .stop:
            return try pop()
        case .proto:
            let version = try cursor.readUInt8()
            guard version <= 5 else { throw failure("unsupported pickle protocol \(version)") }
        case .frame:
            _ = try cursor.readUInt64()  // Framing is only a read-ahead hint.
        case .mark:
            guard marks.count + stack.count < limits.maxStackDepth else { throw failure("stack deeper than \(limits.maxStackDepth)") }
            marks.append(stack.count)
        case .pop:
            // As in Python's unpickler, POP right after a MARK discards the mark.
            if stack.count > (marks.last ?? 0) {
                stack.removeLast()
            } else {
                guard !marks.isEmpty else { throw failure("stack underflow: no item or MARK to pop") }
                _ = try popMark()
            }
        case .popMark:
            _ = try popMark()
        case .dup:
            try push(try top())

        case .none: try pushLeaf(.none)
        case .newTrue: try pushLeaf(.bool(true))
        case .newFalse: try pushLeaf(.bool(false))
        case .binInt: try pushLeaf(.int(Int64(try cursor.readInt32())))
        case .binInt1: try pushLeaf(.int(Int64(try cursor.readUInt8())))
        case .binInt2: try pushLeaf(.int(Int64(try cursor.readUInt16())))
        case .long1:
            let length = try cursor.readUInt8()
            try pushLeaf(try PythonLong.decode(try cursor.readBytes(count: length), context: opcodeContext))
        case .long4:
            let length = try cursor.readInt32()
            guard length >= 0 else { throw failure("negative length \(length)") }
            try pushLeaf(try PythonLong.decode(try cursor.readBytes(count: length), context: opcodeContext))
        case .binFloat: try pushLeaf(.float(try cursor.readBigEndianDouble()))

        case .shortBinUnicode: try pushLeaf(.string(try utf8(try cursor.readBytes(count: try cursor.readUInt8()))))
        case .binUnicode: try pushLeaf(.string(try utf8(try cursor.readBytes(count: try cursor.readUInt32()))))
        case .binUnicode8: try pushLeaf(.string(try utf8(try cursor.readBytes(count: try cursor.readUInt64()))))
        case .shortBinString: try pushLeaf(.string(latin1(try cursor.readBytes(count: try cursor.readUInt8()))))
        case .binString:
            let length = try cursor.readInt32()
            guard length >= 0 else { throw failure("negative length \(length)") }
            try pushLeaf(.string(latin1(try cursor.readBytes(count: length))))
        case .shortBinBytes: try pushLeaf(.bytes([UInt8](try cursor.readBytes(count: try cursor.readUInt8()))))
        case .binBytes: try pushLeaf(.bytes([UInt8](try cursor.readBytes(count: try cursor.readUInt32()))))
        case .binBytes8, .byteArray8: try pushLeaf(.bytes([UInt8](try cursor.readBytes(count: try cursor.readUInt64()))))

        case .emptyTuple: try push(graph.add(.tuple([])))
        case .tuple: try push(graph.add(.tuple(try popMark())))
        case .tuple1, .tuple2, .tuple3:
            let count = Int(opcode.rawValue - PickleOpcode.tuple1.rawValue) + 1
            guard stack.count - (marks.last ?? 0) >= count else { throw failure("stack underflow") }
            let items = Array(stack.suffix(count))
            stack.removeLast(count)
            try push(graph.add(.tuple(items)))
        case .emptyList: try push(graph.addList())
        case .list: try push(graph.addList(try popMark()))
        case .emptyDict: try push(graph.addDict())
        case .dict:
            let items = try popMark()
            let dict = graph.addDict()
            try setItems(items, into: dict)
            try push(dict)
        case .emptySet: try push(graph.addSet())
        case .frozenSet: try push(graph.addSet(try popMark()))

        case .append:
            let value = try pop()
            try appendItems([value], to: try top())
        case .appends:
            let items = try popMark()
            try appendItems(items, to: try top())
        case .setItem:
            let value = try pop()
            let key = try pop()
            try setItems([key, value], into: try top())
        case .setItems:
            let items = try popMark()
            try setItems(items, into: try top())
        case .addItems:
            let items = try popMark()
            guard case .set(let index) = graph[try top()] else {
                throw failure("ADDITEMS target is a \(graph[try top()].kindName), not a set")
            }
            graph.insert(items, intoSet: index)

        case .binPut: try memoize(Int(try cursor.readUInt8()))
        case .longBinPut: try memoize(Int(try cursor.readUInt32()))
        case .memoize: try memoize(memo.count)
        case .binGet: try push(try memoValue(Int(try cursor.readUInt8())))
        case .longBinGet: try push(try memoValue(Int(try cursor.readUInt32())))

        case .global:
            let module = try utf8(try cursor.readLine(maxLength: 1024))
            let name = try utf8(try cursor.readLine(maxLength: 1024))
            try pushGlobal(module: module, name: name)
        case .stackGlobal:
            let name = try pop()
            let module = try pop()
            guard case .leaf(.string(let nameText)) = graph[name], case .leaf(.string(let moduleText)) = graph[module] else {
                throw failure("STACK_GLOBAL needs two strings, found \(graph[module].kindName) and \(graph[name].kindName)")
            }
            try pushGlobal(module: moduleText, name: nameText)
        case .reduce:
            let arguments = try pop()
            let callable = try pop()
            try push(try call(callable, arguments: try tupleItems(arguments, role: "REDUCE arguments")))
        case .newObj:
            let arguments = try pop()
            let cls = try pop()
            try push(try instantiate(cls, arguments: try tupleItems(arguments, role: "NEWOBJ arguments"), keywordArguments: nil))
        case .newObjEx:
            let keywords = try pop()
            let arguments = try pop()
            let cls = try pop()
            try push(try instantiate(cls, arguments: try tupleItems(arguments, role: "NEWOBJ_EX arguments"), keywordArguments: keywords))
        case .build:
            let state = try pop()
            try build(try top(), state: state)
        case .binPersID:
            try push(try loadPersistent(try pop()))
        case .persID:
            let identifier = graph.add(.leaf(.string(try utf8(try cursor.readLine(maxLength: 1024)))))
            try push(try loadPersistent(identifier))
        }
        return nil
    }

    // MARK: Stack and memo

    mutating func push(_ id: PickleNodeID) throws {
        guard stack.count + marks.count < limits.maxStackDepth else {
            throw failure("stack deeper than \(limits.maxStackDepth) items")
        }
        stack.append(id)
    }

    private mutating func pushLeaf(_ value: PickleValue) throws {
        try push(graph.add(.leaf(value)))
    }

    /// Pops one item; items below the innermost mark belong to the enclosing construct.
    private mutating func pop() throws -> PickleNodeID {
        guard stack.count > (marks.last ?? 0) else { throw failure("stack underflow") }
        return stack.removeLast()
    }

    private func top() throws -> PickleNodeID {
        guard stack.count > (marks.last ?? 0), let last = stack.last else { throw failure("stack underflow") }
        return last
    }

    private mutating func popMark() throws -> [PickleNodeID] {
        guard let mark = marks.popLast() else { throw failure("no MARK on the stack") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    private mutating func memoize(_ index: Int) throws {
        guard memo.count < limits.maxMemoEntries || memo[index] != nil else {
            throw failure("memo grows beyond \(limits.maxMemoEntries) entries")
        }
        memo[index] = try top()
    }

    private func memoValue(_ index: Int) throws -> PickleNodeID {
        guard let id = memo[index] else { throw failure("memo entry \(index) was never stored") }
        return id
    }

    // MARK: Container mutation

    private mutating func appendItems(_ items: [PickleNodeID], to target: PickleNodeID) throws {
        guard case .list(let index) = graph[target] else {
            throw failure("cannot append to a \(graph[target].kindName)")
        }
        graph.append(items, toList: index)
    }

    /// SETITEM(S) semantics: `items` alternate keys and values.
    mutating func setItems(_ items: [PickleNodeID], into target: PickleNodeID) throws {
        guard case .dict(let index) = graph[target] else {
            throw failure("cannot set items on a \(graph[target].kindName)")
        }
        guard items.count % 2 == 0 else { throw failure("odd number of items for key/value pairs") }
        for pair in stride(from: 0, to: items.count, by: 2) {
            graph.setItem(items[pair], items[pair + 1], inDict: index)
        }
    }

    // MARK: Helpers for callables

    /// The elements of a tuple node (arguments of REDUCE/NEWOBJ).
    func tupleItems(_ id: PickleNodeID, role: String) throws -> [PickleNodeID] {
        guard case .tuple(let items) = graph[id] else {
            throw failure("\(role) must be a tuple, found \(graph[id].kindName)")
        }
        return items
    }

    /// Elements of a list, tuple or set node.
    func sequenceItems(_ id: PickleNodeID, role: String) throws -> [PickleNodeID] {
        switch graph[id] {
        case .tuple(let items): return items
        case .list(let index): return graph.lists[index]
        case .set(let index): return graph.sets[index]
        default: throw failure("\(role) must be a sequence, found \(graph[id].kindName)")
        }
    }

    func intValue(_ id: PickleNodeID, role: String) throws -> Int {
        if case .leaf(.bigInt(let digits)) = graph[id] {
            throw failure("\(role) \(digits) is out of range (beyond 64 bits)")
        }
        guard case .leaf(let value) = graph[id], let number = value.asInt, let result = Int(exactly: number) else {
            throw failure("\(role) must be an integer, found \(graph[id].kindName)")
        }
        return result
    }

    func intTuple(_ id: PickleNodeID, role: String) throws -> [Int] {
        try sequenceItems(id, role: role).map { try intValue($0, role: role) }
    }

    func stringValue(_ id: PickleNodeID, role: String) throws -> String {
        guard case .leaf(.string(let text)) = graph[id] else {
            throw failure("\(role) must be a string, found \(graph[id].kindName)")
        }
        return text
    }

    func utf8(_ bytes: UnsafeRawBufferPointer) throws -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw failure("string is not valid UTF-8")
        }
        return text
    }

    /// Python 2 `str` payloads: numpy and torch load them as Latin-1, byte for byte.
    private func latin1(_ bytes: UnsafeRawBufferPointer) -> String {
        var text = ""
        text.unicodeScalars.append(contentsOf: bytes.map { Unicode.Scalar($0) })
        return text
    }

    // MARK: Globals and persistent ids

    private mutating func pushGlobal(module: String, name: String) throws {
        let (resolvedModule, callable) = try PickleAllowList.classify(module: module, name: name, context: opcodeContext)
        try push(graph.add(.global(module: resolvedModule, name: name, callable: callable)))
    }

    private mutating func loadPersistent(_ identifier: PickleNodeID) throws -> PickleNodeID {
        guard let persistentLoad else {
            throw failure("persistent id found, but this file type has no external storages")
        }
        let identifierValue: PickleValue
        do {
            // Scoped so the materializer's share of the graph's buffers is released before the graph is
            // mutated again (otherwise every persistent id would copy the whole arena).
            var materializer = PickleMaterializer(graph: graph, context: opcodeContext, limits: limits, inputBytes: 0, storages: nil)
            identifierValue = try materializer.value(of: identifier)
        }
        return graph.add(.storage(try persistentLoad(identifierValue)))
    }
}
