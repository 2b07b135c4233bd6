import Foundation

/// The one-line progress display of long work (DESIGN.md §5): an updating bar with rate and ETA on
/// a terminal, plain periodic lines otherwise (logs, pipes, CI).
public final class Progress {
    let label: String
    let total: Int
    let unit: String
    let start: Date
    let isTerminal: Bool
    let output: FileHandle
    private var lastPrinted = Date.distantPast
    public private(set) var done = 0

    /// `start`: when the work began, if before the bar is made (rate and ETA count from it).
    public init(_ label: String, total: Int, unit: String = "it", output: FileHandle = .standardError, start: Date = Date()) {
        self.label = label
        self.start = start
        self.total = Swift.max(total, 1)
        self.unit = unit
        self.output = output
        isTerminal = isatty(output.fileDescriptor) != 0
    }

    /// Advances by `steps` and redraws with `info` (e.g. "loss 0.412 cor 0.31") at most a few times a second.
    public func advance(_ steps: Int = 1, info: String = "") {
        done += steps
        let now = Date()
        let interval = isTerminal ? 0.2 : 10.0
        if done < total && now.timeIntervalSince(lastPrinted) < interval { return }
        lastPrinted = now
        write(info: info, final: done >= total)
    }

    /// Prints the final state with a newline, unless reaching the total already did (work that ended early).
    public func finish(info: String = "") {
        if !printedFinal { write(info: info, final: true) }
    }

    private var printedFinal = false

    /// Prints a line of its own (a saved checkpoint, a figure); on a terminal the bar is redrawn below it.
    public func message(_ text: String) {
        output.write(((isTerminal ? "\r\u{1B}[2K" : "") + text + "\n").data(using: .utf8)!)
        lastPrinted = .distantPast
    }

    private func write(info: String, final: Bool) {
        printedFinal = printedFinal || final
        let elapsed = Date().timeIntervalSince(start)
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        let fraction = Double(done) / Double(total)
        var line = "\(label) \(done)/\(total) [\(Progress.clock(elapsed)) < \(Progress.clock(eta)), \(String(format: "%.2f", rate)) \(unit)/s]"
        if !info.isEmpty { line += " " + info }
        if isTerminal {
            let width = 20, filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            output.write(("\r\u{1B}[2K" + "\(bar) " + line + (final ? "\n" : "")).data(using: .utf8)!)
        } else {
            output.write((line + "\n").data(using: .utf8)!)
        }
    }

    static func clock(_ seconds: Double) -> String {
        // Beyond a million hours (or not a number) a clock says nothing, and Int() of it would end the process.
        guard seconds.isFinite, abs(seconds) < 3.6e9 else { return String(format: "%.3g s", seconds) }
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%02d:%02d", s / 60, s % 60)
    }
}
