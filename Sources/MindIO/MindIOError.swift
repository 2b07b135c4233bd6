import Foundation

/// The single error type thrown by MindIO. The message always names the format/operation, the file or
/// entry involved, what was expected and what was found, so callers can show it to users unchanged.
public struct MindIOError: Error, CustomStringConvertible, LocalizedError, Equatable, Sendable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
    public var errorDescription: String? { message }
}

#if _endian(big)
#error("MindIO stores array bytes little-endian and reinterprets them in place; it needs a little-endian host")
#endif
