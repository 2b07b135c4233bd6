import Foundation
import MindVis

/// A run resumed after it had already finished trains no epoch, so its summary has no reports. Its result table then
/// reads the run's metrics.jsonl instead — what the calls that trained it returned — so a script that reads
/// `r.loss`, `r.reports` or `r.validation` works when re-run (as the demo re-runs finished stages).
enum FinishedRunResults {
    /// `entries` with `reports` made the logged epochs, and each result key of `keys` not already there taken from
    /// the last logged line (`logged`: its name in the log); with `validation`, the last line's validation scores
    /// (`LDMRun.validationPrefix`) become the `validation` table, as a run that validates returns it.
    static func completed(_ entries: [LuaTableEntry], metrics: URL, keys: [(result: String, logged: String)],
                          validation: Bool = false) -> [LuaTableEntry] {
        let lines = MetricsLog.entries(metrics)
        guard let last = lines.last else { return entries }
        let sorted = { (line: [String: ConfigValue]) in line.sorted { $0.key < $1.key }.map { ($0.key, $0.value) } }
        var result = entries.filter { $0.key != .string("reports") }
        result.append(LuaTableEntry(key: "reports", value: .array(lines.map { ConfigTables.table(sorted($0)) })))
        let present = Set(entries.compactMap { entry -> String? in if case .string(let key) = entry.key { return key } else { return nil } })
        for (key, logged) in keys where !present.contains(key) {
            if let value = last[logged] { result.append(LuaTableEntry(key: .string(key), value: ConfigTables.luaValue(value))) }
        }
        if validation, !present.contains("validation") {
            let prefix = LDMRun.validationPrefix
            let scores = last.filter { $0.key.hasPrefix(prefix) }.map { (String($0.key.dropFirst(prefix.count)), $0.value) }.sorted { $0.0 < $1.0 }
            if !scores.isEmpty { result.append(LuaTableEntry(key: "validation", value: ConfigTables.table(scores))) }
        }
        return result
    }
}
