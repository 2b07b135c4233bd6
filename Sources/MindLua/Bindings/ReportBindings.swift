import Foundation
import MindIO
import MindVis

/// `mv.report.write(path, {...})`: the self-contained HTML run report (metrics tables beside the baseline and
/// chance, one section per stage with its curves and figures, config, timings), and `mv.save_json` /
/// `mv.load_json` for results such as `eval.json`.
enum ReportBindings: LuaBindingSet {
    static func install(_ state: LuaState) throws {
        try state.bind("mv.report", "write", doc: """
            mv.report.write(path, report)
            Writes one self-contained HTML file (atomically) that loads nothing from outside: curves of each stage's metrics.jsonl as inline SVG, figures embedded, the scores beside the baseline and chance.
            title = "MindVis run"  -- the page title
            notes = {}  -- paragraphs under the title
            scores = nil  -- {title =, columns = {{"generated", scores}, {"ridge baseline", scores}, ...}, notes = {...}}: a table of mv.eval.score results
            judge = nil  -- the accuracy of mv.eval.train_judge: the judge's own accuracy (the ceiling)
            stages = {}  -- {{name =, notes = {...}, metrics = "path/metrics.jsonl", plots = {{"loss", "eval_loss"}, ...}, figures = {{caption =, path =}, ...}}, ...}
            config = {}  -- settings to list (a table; nested tables become dotted keys)
            timings = {}  -- {{"stage", seconds}, ...}
            """) { args in
            let path = try args.string(1, "path")
            let options = try args.options(2)
            let report = RunReport(title: try options.string("title", default: "MindVis run"),
                                   notes: try strings(options.value("notes"), key: "notes", args: args))
            let scores = try options.value("scores")
            if scores != .nil { report.addTable(try scoresTable(scores, args: args)) }
            if let accuracy = try options.userdata("judge", as: JudgeBindings.AccuracyBox.self) {
                report.addTable(ReportTable.judge(accuracy.accuracy))
            }
            for stage in try list(options.value("stages"), key: "stages", args: args) {
                report.addStage(try self.stage(stage, args: args))
            }
            report.addConfig(flattened(try ConfigTables.values(try options.value("config"), function: args.function).sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
            for timing in try list(options.value("timings"), key: "timings", args: args) {
                guard case .array(let pair) = timing, pair.count == 2, case .string(let name) = pair[0], let seconds = number(pair[1]) else {
                    throw args.error("timings: each entry is {\"name\", seconds}")
                }
                try report.addTiming(name, seconds: seconds)
            }
            try report.write(to: URL(fileURLWithPath: path))
            return .none
        }
        try state.bind("mv", "save_json", doc: """
            mv.save_json(path, table)
            Writes a table of numbers, strings, booleans, lists and tables as JSON (keys sorted), atomically.
            """) { args in
            let values = try ConfigTables.values(try args.value(2, "table"), function: args.function)
            let text = ConfigJSON.encode(values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }) + "\n"
            try AtomicFile.write(Array(text.utf8), to: URL(fileURLWithPath: try args.string(1, "path")))
            return .none
        }
        try state.bind("mv", "load_json", doc: """
            mv.load_json(path) -> table
            Reads a JSON object (e.g. a run's eval.json) as a table.
            """) { args in
            let url = URL(fileURLWithPath: try args.string(1, "path"))
            guard FileManager.default.fileExists(atPath: url.path) else { throw args.error("\(url.path) does not exist") }
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { throw args.error("\(url.path) is not a readable UTF-8 text file") }
            let values = try ConfigJSON.decode(text, context: url.lastPathComponent)
            return try args.returning(ConfigTables.table(values.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }))
        }
    }

    /// `{title =, columns = {{name, Scores}, ...}, notes =}` as a report table.
    static func scoresTable(_ value: LuaValue, args: LuaArgs) throws -> ReportTable {
        if case .object(is EvalBindings.ScoresBox) = value {
            throw args.error("scores: expected {columns = {{\"name\", scores}, ...}}, got one Scores (write scores = {columns = {{\"generated\", s}}})")
        }
        let fields = try table(value, key: "scores", args: args, known: ["title", "columns", "notes"])
        var columns: [(name: String, scores: ImageScores)] = []
        for column in try list(fields["columns"] ?? .nil, key: "scores.columns", args: args) {
            guard case .array(let pair) = column, pair.count == 2, case .string(let name) = pair[0], case .object(let box as EvalBindings.ScoresBox) = pair[1] else {
                throw args.error("scores.columns: each entry is {\"name\", scores} with scores from mv.eval.score")
            }
            columns.append((name, box.scores))
        }
        guard !columns.isEmpty else { throw args.error("scores.columns: give at least one {\"name\", scores}") }
        var title = "Scores"
        if case .string(let text)? = fields["title"] { title = text }
        return ReportTable.scores(title: title, columns: columns, notes: try strings(fields["notes"] ?? .nil, key: "scores.notes", args: args))
    }

    /// One `stages` entry as a report section.
    static func stage(_ value: LuaValue, args: LuaArgs) throws -> ReportStage {
        let fields = try table(value, key: "stages", args: args, known: ["name", "notes", "metrics", "plots", "figures"])
        guard case .string(let name)? = fields["name"] else { throw args.error("stages: each stage needs name = \"...\"") }
        var metrics: URL?
        if case .string(let path)? = fields["metrics"] { metrics = URL(fileURLWithPath: path) }
        let plots = try list(fields["plots"] ?? .nil, key: "stages.plots", args: args).map { try strings($0, key: "stages.plots", args: args) }
        let figures = try list(fields["figures"] ?? .nil, key: "stages.figures", args: args).map { figure -> ReportFigure in
            let f = try table(figure, key: "stages.figures", args: args, known: ["caption", "path"])
            guard case .string(let caption)? = f["caption"], case .string(let path)? = f["path"] else {
                throw args.error("stages.figures: each figure is {caption = \"...\", path = \"file.png\"}")
            }
            return ReportFigure(caption: caption, source: .file(URL(fileURLWithPath: path)))
        }
        return ReportStage(name: name, notes: try strings(fields["notes"] ?? .nil, key: "stages.notes", args: args), metrics: metrics,
                           plots: plots, figures: figures)
    }

    /// Nested settings as dotted keys (`vq.lr`), so each is one row of the config table.
    static func flattened(_ pairs: [(String, ConfigValue)], prefix: String = "") -> [(String, ConfigValue)] {
        pairs.flatMap { key, value -> [(String, ConfigValue)] in
            if case .table(let inner) = value { return flattened(inner, prefix: prefix + key + ".") }
            return [(prefix + key, value)]
        }
    }

    /// The named fields of a table whose keys must be among `known` (an unknown one is an error naming the closest).
    static func table(_ value: LuaValue, key: String, args: LuaArgs, known: [String]) throws -> [String: LuaValue] {
        let entries: [LuaTableEntry]
        switch value {
        case .table(let e): entries = e
        case .array(let items) where items.isEmpty: entries = []
        case .array: throw args.error("\(key): expected named fields (\(known.map { $0 + " =" }.joined(separator: ", "))), got a list")
        default: throw args.error("\(key): expected a table, got \(LuaArgs.kind(of: value))")
        }
        var out: [String: LuaValue] = [:]
        for entry in entries {
            guard case .string(let k) = entry.key else {
                throw args.error("\(key): expected named fields (\(known.map { $0 + " =" }.joined(separator: ", ")))")
            }
            guard known.contains(k) else {
                let hint = EditDistance.closest(to: k, among: known).map { " (did you mean '\($0)'?)" } ?? ""
                throw args.error("\(key): unknown key '\(k)'\(hint)")
            }
            out[k] = entry.value
        }
        return out
    }

    static func list(_ value: LuaValue, key: String, args: LuaArgs) throws -> [LuaValue] {
        switch value {
        case .nil: return []
        case .array(let items): return items
        case .table(let entries) where entries.isEmpty: return []
        default: throw args.error("\(key): expected a list, got \(LuaArgs.kind(of: value))")
        }
    }

    static func strings(_ value: LuaValue, key: String, args: LuaArgs) throws -> [String] {
        try list(value, key: key, args: args).map { item in
            guard case .string(let s) = item else { throw args.error("\(key): expected strings, got \(LuaArgs.kind(of: item))") }
            return s
        }
    }

    static func number(_ value: LuaValue) -> Double? {
        switch value {
        case .integer(let i): return Double(i)
        case .number(let d): return d
        default: return nil
        }
    }
}
