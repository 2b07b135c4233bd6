/// The error thrown by every MindImage operation that can fail on user input. The message names the
/// operation (and file, when there is one), what was expected and what was found.
public struct ImageError: Error, CustomStringConvertible, Equatable, Sendable {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}
