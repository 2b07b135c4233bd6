import Foundation
import MindVis

/// A run resumed after it had already finished trains no epoch, so its summary has no reports. Its result table then
/// takes the last logged epoch's numbers from metrics.jsonl — what the call that finished the run returned — so a
/// script that reads `r.loss` works when re-run (as the demo re-runs finished stages).
enum FinishedRunResults {
    /// Entries for `keys` from the last line of `metrics`, for those not already in `entries`.
    static func lastLogged(_ keys: [String], metrics: URL, besides entries: [LuaTableEntry]) -> [LuaTableEntry] {
        guard let values = MetricsLog.lastEntry(metrics) else { return [] }
        return keys.compactMap { key in
            guard let value = values[key], !entries.contains(where: { $0.key == .string(key) }) else { return nil }
            return LuaTableEntry(key: .string(key), value: ConfigTables.luaValue(value))
        }
    }
}
