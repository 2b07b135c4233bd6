import Foundation

extension LuaArgs {
    /// Prints `warning: <text>` on standard error: what a binding decided on the user's behalf (data padded to the
    /// model's size, a held-out split), so it is never silent, and never mixed into the script's standard output.
    public func warn(_ text: String) {
        FileHandle.standardError.write(Data(("warning: " + text + "\n").utf8))
    }
}
