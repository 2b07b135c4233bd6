import CEdit
import Foundation

/// Line editing for the interactive REPL with libedit (BSD licence; GNU readline is GPL): emacs key bindings,
/// history persisted atomically to a file, and Tab completion through a callback.
///
/// Ctrl-C: libedit's own signal handling is left off (it re-sends signals to the whole process group). MindLua's
/// SIGINT handler runs without SA_RESTART while a line is read, so `read` fails with EINTR, `el_gets` returns, and
/// the REPL discards the line.
final class LineEditor: LineReader {
    private let editLine: OpaquePointer
    private let history: OpaquePointer
    private let historyPath: String?
    private var prompt: UnsafeMutablePointer<CChar>?
    /// Given the text before the cursor, the partial word and the names that complete it.
    private let completer: (String) -> LuaCompleter.Completion

    init?(historyPath: String?, completer: @escaping (String) -> LuaCompleter.Completion) {
        guard let editLine = el_init("mindvis", stdin, stdout, stderr) else { return nil }
        guard let history = history_init() else {
            el_end(editLine)
            return nil
        }
        self.editLine = editLine
        self.history = history
        self.historyPath = historyPath
        self.completer = completer
        _ = mv_history_set_size(history, 1000)
        _ = mv_history_set_unique(history, 1)
        if let historyPath { _ = mv_history_load(history, historyPath) }
        _ = mv_el_set_editor(editLine, "emacs")
        _ = mv_el_set_history(editLine, history)
        _ = mv_el_set_clientdata(editLine, Unmanaged.passUnretained(self).toOpaque())
        _ = mv_el_set_prompt(editLine, LineEditor.promptCallback)
        _ = mv_el_add_command(editLine, "mindvis-complete", "complete a Lua name", LineEditor.completeCallback)
        _ = mv_el_bind(editLine, "^I", "mindvis-complete")
        _ = el_source(editLine, nil) // the user's ~/.editrc, if any
    }

    deinit {
        el_end(editLine)
        history_end(history)
        free(prompt)
    }

    func readLine(prompt text: String) -> LineReadResult {
        free(prompt)
        prompt = strdup(text)
        var count: Int32 = 0
        guard let raw = el_gets(editLine, &count), count > 0 else {
            if count < 0, errno == EINTR || LuaInterrupt.isRequested {
                el_reset(editLine)
                fputs("\n", stdout)
                fflush(stdout)
                return .interrupted
            }
            return .endOfFile
        }
        var line = String(cString: raw)
        if line.hasSuffix("\n") { line.removeLast() }
        return .line(line)
    }

    func addHistory(_ line: String) {
        guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        _ = mv_history_enter(history, line)
        guard let historyPath else { return }
        // Atomic: save to a temporary file beside the history, then rename over it.
        let temporary = historyPath + ".tmp-\(getpid())"
        if mv_history_save(history, temporary) >= 0 {
            if rename(temporary, historyPath) != 0 { unlink(temporary) }
        } else {
            unlink(temporary)
        }
    }

    private static func owner(_ editLine: OpaquePointer?) -> LineEditor? {
        guard let editLine, let data = mv_el_get_clientdata(editLine) else { return nil }
        return Unmanaged<LineEditor>.fromOpaque(data).takeUnretainedValue()
    }

    private static let promptCallback: mv_el_prompt_fn = { editLine in
        owner(editLine)?.prompt
    }

    /// Inserts the longest common extension of the candidates; lists them when that adds nothing.
    private static let completeCallback: mv_el_command_fn = { editLine, _ in
        guard let editLine, let editor = owner(editLine), let info = el_line(editLine) else { return UInt8(CC_ERROR) }
        let before = UnsafeRawBufferPointer(start: info.pointee.buffer,
                                            count: info.pointee.cursor - info.pointee.buffer)
        let completion = editor.completer(String(decoding: before, as: UTF8.self))
        guard let first = completion.candidates.first else { return UInt8(CC_ERROR) }
        let common = completion.candidates.dropFirst().reduce(first) { String($0.commonPrefix(with: $1)) }
        if common.count > completion.partial.count {
            _ = el_insertstr(editLine, String(common.dropFirst(completion.partial.count)))
            return UInt8(CC_REFRESH)
        }
        guard completion.candidates.count > 1 else { return UInt8(CC_REFRESH) }
        fputs("\n" + columns(completion.candidates) + "\n", stdout)
        fflush(stdout)
        return UInt8(CC_REDISPLAY)
    }

    /// Names laid out in columns for an 80-column terminal.
    static func columns(_ names: [String]) -> String {
        let cell = (names.map(\.count).max() ?? 0) + 2
        let perLine = max(1, 80 / cell)
        return stride(from: 0, to: names.count, by: perLine).map { start in
            names[start..<min(start + perLine, names.count)]
                .map { $0.padding(toLength: cell, withPad: " ", startingAt: 0) }
                .joined().trimmingCharacters(in: .whitespaces)
        }.joined(separator: "\n")
    }
}
