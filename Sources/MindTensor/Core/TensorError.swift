/// The one error type of the tensor engine. Every failure a caller can cause (a shape that does not
/// fit, a dimension out of range, an empty tensor where a value is needed, a file that does not
/// parse) arrives as a `TensorError` whose message names the operation, what was expected and what
/// was found: `matmul: [4, 3] x [5, 2]: inner sizes 3 and 5 differ`. Errors raised inside a module
/// carry its dotted path: `blocks.3.attn.qkv: linear: ...`.
public struct TensorError: Error, CustomStringConvertible, Equatable {
    public let message: String
    /// Module names from the outermost to the innermost module the error passed through.
    public private(set) var modulePath: [String] = []

    public init(_ message: String) {
        self.message = message
    }

    public var description: String {
        modulePath.isEmpty ? message : modulePath.joined(separator: ".") + ": " + message
    }

    /// The same error seen from an enclosing context, e.g. an op name: `conv1d: ...`.
    public func prefixed(_ context: String) -> TensorError {
        if context.isEmpty { return self }
        var e = TensorError("\(context): \(message)")
        e.modulePath = modulePath
        return e
    }

    /// The same error seen from the enclosing module registered under `name`.
    public func inModule(_ name: String) -> TensorError {
        var e = self
        e.modulePath.insert(name, at: 0)
        return e
    }
}

/// Runs `body`, prefixing any `TensorError` it throws with `context` (op names).
@inline(__always)
public func withErrorContext<T>(_ context: @autoclosure () -> String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as TensorError {
        throw error.prefixed(context())
    }
}

/// Runs `body` as the child module `name`, so errors report the module path.
@inline(__always)
public func inModule<T>(_ name: String, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as TensorError {
        throw error.inModule(name)
    }
}
