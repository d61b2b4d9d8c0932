/// "Did you mean" for misspelt names: commands, setting keys, search fields.
public enum NameSuggestion {
    /// The candidates closest to `name` (fewest edits; case ignored), best first; empty when none is close.
    ///
    /// Close means at most one edit for names of up to four characters and a third of the length beyond
    /// (a swap of two neighbouring characters, as in `lsit`, counts as one edit), or `name` being a prefix
    /// of the candidate of at least three characters (`gen` → `generate`).
    public static func closest(to name: String, among candidates: [String], limit: Int = 2) -> [String] {
        let typed = Array(name.lowercased())
        guard !typed.isEmpty else { return [] }
        let allowed = max(1, typed.count / 3)
        let scored = candidates.compactMap { candidate -> (String, Int)? in
            let target = Array(candidate.lowercased())
            if typed.count >= 3, target.starts(with: typed), target != typed { return (candidate, 1) }
            let distance = editDistance(typed, target)
            return distance <= allowed && distance > 0 ? (candidate, distance) : nil
        }
        let sorted = scored.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
        guard let best = sorted.first?.1 else { return [] }
        return Array(sorted.prefix { $0.1 == best }.map(\.0).prefix(limit))
    }

    /// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of neighbours.
    static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var before = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], before[j - 2] + 1)
                }
            }
            (before, previous, current) = (previous, current, before)
        }
        return previous[b.count]
    }
}
