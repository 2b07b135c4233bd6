/// Whether ops record themselves on the autograd tape. One flag for the process: MindVis runs its
/// graph on one thread (OpenBLAS and the kernel pool never create tensors).
public enum GradMode {
    public private(set) static var isEnabled = true

    /// Runs `body` with recording switched off (PyTorch's `torch.no_grad()`), restoring the previous
    /// state even when `body` throws.
    public static func withNoGrad<T>(_ body: () throws -> T) rethrows -> T {
        let previous = isEnabled
        isEnabled = false
        defer { isEnabled = previous }
        return try body()
    }

    /// Sets the mode for a scope the caller manages itself (the Lua binding's `mv.no_grad` guard).
    public static func set(_ enabled: Bool) -> Bool {
        let previous = isEnabled
        isEnabled = enabled
        return previous
    }
}

/// Shorthand for `GradMode.withNoGrad`.
public func withNoGrad<T>(_ body: () throws -> T) rethrows -> T {
    try GradMode.withNoGrad(body)
}
