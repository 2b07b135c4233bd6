/// An error raised by Lua code that MindLua ran under a protected call (`lua_pcall` with a traceback handler).
public struct LuaError: Error, CustomStringConvertible {
    /// The error message, e.g. `train.lua:12: attempt to index a nil value (local 'x')`.
    public let message: String
    /// `stack traceback:` followed by the frames, or empty when the error happened before running (syntax errors).
    public let traceback: String

    public init(message: String, traceback: String = "") {
        self.message = message
        self.traceback = traceback
    }

    public var description: String { traceback.isEmpty ? message : message + "\n" + traceback }
}

/// The error a Swift function bound to Lua throws to report a problem to its Lua caller. The dispatcher turns it
/// into a Lua error whose message is prefixed with the caller's position (`script.lua:3: mv.add: ...`).
/// Any other Swift error thrown by a binding is reported the same way, using its description.
public struct LuaBindingError: Error, CustomStringConvertible {
    public let message: String

    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
