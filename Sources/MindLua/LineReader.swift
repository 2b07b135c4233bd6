import Foundation

/// What reading one REPL line produced.
enum LineReadResult: Equatable {
    case line(String)
    /// Ctrl-C while reading: the REPL discards the current input.
    case interrupted
    case endOfFile
}

/// A source of REPL input lines: libedit on a terminal, plain `getline` otherwise.
protocol LineReader: AnyObject {
    func readLine(prompt: String) -> LineReadResult
    func addHistory(_ line: String)
}

/// Reads lines from standard input without editing, prompts or history, so the REPL can be driven through a
/// pipe (tests, editors). Uses C stdio, the same `stdin` buffer Lua's `io.read` uses.
final class PlainLineReader: LineReader {
    func readLine(prompt: String) -> LineReadResult {
        fflush(stdout)
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        let length = getline(&buffer, &capacity, stdin)
        guard length >= 0, let buffer else {
            if ferror(stdin) != 0, errno == EINTR {
                clearerr(stdin)
                return .interrupted
            }
            return .endOfFile
        }
        var line = String(decoding: UnsafeRawBufferPointer(start: buffer, count: length), as: UTF8.self)
        if line.hasSuffix("\n") { line.removeLast() }
        return .line(line)
    }

    func addHistory(_ line: String) {}
}
