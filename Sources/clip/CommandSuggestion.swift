/// The known word nearest to a mistyped one: by edit distance (a transposition counts as one edit, so
/// "serach" is one from "search"), accepted within a third of the word's length, or a unique prefix.
enum CommandSuggestion {
    static func nearest(to word: String, among known: [String]) -> String? {
        let prefixed = known.filter { $0.hasPrefix(word) }
        if word.count >= 2, prefixed.count == 1 { return prefixed[0] }
        let scored = known.map { ($0, distance(Array(word), Array($0))) }.sorted { $0.1 < $1.1 }
        guard let best = scored.first, best.1 <= max(1, word.count / 3) else { return nil }
        return best.0
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and adjacent transpositions.
    static func distance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
