/// Which module-level names a pickle may refer to, and what MindIO does with them.
///
/// The rule (conservative, decided per GLOBAL/STACK_GLOBAL and per call):
/// 1. A name on the allow-list below is implemented natively by MindIO (never by running Python code).
/// 2. Any name in a blocked module (`os`, `subprocess`, `sys`, `builtins` outside the allow-list,
///    `pickle`, `importlib`, `socket`, …; see `blockedModules`) is refused as soon as the pickle names it,
///    called or not: such a reference has no use in a checkpoint and signals an exploit attempt.
/// 3. Any other name becomes an inert `.global` reference. Calling it (REDUCE, NEWOBJ, NEWOBJ_EX,
///    copyreg._reconstructor) yields an inert `.object` record if the name is class-like (its last dotted
///    component, after leading underscores, starts with an uppercase letter, e.g. `config.Config_MBM_fMRI`,
///    `argparse.Namespace`), and is refused otherwise (`numpy.load`, `torch.hub.load`, `_rebuild_qtensor`):
///    a lower-case name is a function whose result MindIO could only fake.
/// Nothing is ever executed either way; refusing is about telling the user clearly, not about safety.
enum PickleCallable: Equatable {
    case orderedDict
    case buildSet
    case buildFrozenSet
    case buildByteArray
    case codecsEncode
    case copyregReconstructor
    case numpyReconstruct
    case numpyDType
    case numpyScalar
    case rebuildTensorV2
    case rebuildTensor
    case rebuildParameter
    case rebuildParameterWithState
    case rebuildFromTypeV2
    case torchSize
    case torchDevice
    /// Allowed as a reference only (an argument of another call or a persistent id), never called.
    case referenceOnly
}

enum PickleAllowList {
    /// Storage classes named in torch persistent ids, with the element type of their bytes.
    static let torchStorageTypes: [String: DType] = [
        "FloatStorage": .float32, "HalfStorage": .float16, "BFloat16Storage": .bfloat16,
        "DoubleStorage": .float64, "LongStorage": .int64, "IntStorage": .int32, "ShortStorage": .int16,
        "CharStorage": .int8, "ByteStorage": .uint8, "BoolStorage": .bool, "UntypedStorage": .uint8,
    ]

    private static let callables: [String: PickleCallable] = {
        var table: [String: PickleCallable] = [
            "collections.OrderedDict": .orderedDict,
            "builtins.set": .buildSet,
            "builtins.frozenset": .buildFrozenSet,
            "builtins.bytearray": .buildByteArray,
            "builtins.object": .referenceOnly,
            "_codecs.encode": .codecsEncode,
            "copyreg._reconstructor": .copyregReconstructor,
            "numpy.ndarray": .referenceOnly,
            "numpy.dtype": .numpyDType,
            "torch._utils._rebuild_tensor_v2": .rebuildTensorV2,
            "torch._utils._rebuild_tensor": .rebuildTensor,
            "torch._utils._rebuild_parameter": .rebuildParameter,
            "torch._utils._rebuild_parameter_with_state": .rebuildParameterWithState,
            "torch._tensor._rebuild_from_type_v2": .rebuildFromTypeV2,
            "torch.Size": .torchSize,
            "torch.device": .torchDevice,
        ]
        // numpy 2 renamed numpy.core to numpy._core; pickles carry either spelling.
        for core in ["numpy.core.multiarray", "numpy._core.multiarray"] {
            table[core + "._reconstruct"] = .numpyReconstruct
            table[core + ".scalar"] = .numpyScalar
        }
        for storage in torchStorageTypes.keys {
            table["torch." + storage] = .referenceOnly
        }
        return table
    }()

    /// Top-level modules (and dotted prefixes) whose names are refused outright.
    private static let blockedModules: Set<String> = [
        "os", "posix", "nt", "posixpath", "ntpath", "subprocess", "sys", "builtins", "pickle", "_pickle",
        "pickletools", "marshal", "shutil", "socket", "importlib", "runpy", "pty", "webbrowser", "ctypes",
        "code", "codeop", "multiprocessing", "signal", "platform", "pdb", "bdb", "timeit", "operator",
        "functools", "types", "inspect", "gc", "copyreg", "_codecs", "codecs", "asyncio", "threading",
        "_thread", "tempfile", "glob", "http", "urllib", "ftplib", "smtplib", "telnetlib", "ssl", "zipimport",
        "torch.serialization", "torch.hub", "torch.jit", "torch._C", "torch.package", "torch.utils.cpp_extension",
        "numpy.lib.npyio", "numpy.testing", "numpy.f2py", "numpy.distutils",
    ]

    /// Python 2 module names, mapped the way Python 3's unpickler does (fix_imports).
    private static let python2Modules: [String: String] = [
        "__builtin__": "builtins", "copy_reg": "copyreg", "cPickle": "pickle",
    ]

    /// Classifies `module.name`; throws for blocked names (rule 2).
    static func classify(module rawModule: String, name: String, context: String) throws -> (module: String, callable: PickleCallable?) {
        let module = python2Modules[rawModule] ?? rawModule
        let qualified = module + "." + name
        if let callable = callables[qualified] {
            return (module, callable)
        }
        if isBlocked(module: module) {
            throw MindIOError("\(context): refusing to call \(qualified) (not on the allow-list)")
        }
        return (module, nil)
    }

    static func isBlocked(module: String) -> Bool {
        var prefix = ""
        for component in module.split(separator: ".", omittingEmptySubsequences: false) {
            prefix = prefix.isEmpty ? String(component) : prefix + "." + component
            if blockedModules.contains(prefix) { return true }
        }
        return false
    }

    /// Rule 3: class names start with an uppercase letter by Python convention.
    static func isClassLike(_ name: String) -> Bool {
        let last = name.split(separator: ".").last ?? Substring(name)
        guard let first = last.drop(while: { $0 == "_" }).first else { return false }
        return first.isUppercase
    }
}
