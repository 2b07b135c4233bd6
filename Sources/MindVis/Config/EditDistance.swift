/// Typo suggestions for option names: `weight_decy` -> `weight_decay`.
public enum EditDistance {
    /// Optimal-string-alignment distance: insertions, deletions, substitutions and adjacent transpositions cost 1.
    public static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                var best = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    best = min(best, previous2[j - 2] + 1)
                }
                current[j] = best
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }

    /// The candidate closest to `word`, if close enough to be a plausible typo (at most 2 edits, or a third of the
    /// word for long names; ties go to the earlier candidate); else the one candidate that has the word, singular or
    /// plural, as one of its `_`-separated parts (`epochs` -> `num_epoch`, `steps` -> `ddim_steps`).
    public static func closest(to word: String, among candidates: [String]) -> String? {
        let limit = max(2, word.count / 3)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let d = distance(word, candidate)
            if d <= limit, d < (best?.distance ?? Int.max) { best = (candidate, d) }
        }
        if let best { return best.candidate }
        let holding = sharingAPart(with: word, among: candidates)
        return holding.count == 1 ? holding[0] : nil
    }

    /// The candidates that have `word`, singular or plural, as one of their `_`-separated parts.
    public static func sharingAPart(with word: String, among candidates: [String]) -> [String] {
        let forms = Set([word, word.hasSuffix("s") ? String(word.dropLast()) : word + "s"])
        return candidates.filter { $0.split(separator: "_").contains { forms.contains(String($0)) } }
    }
}
