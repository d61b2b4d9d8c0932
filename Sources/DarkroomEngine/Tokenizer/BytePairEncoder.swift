import Foundation

/// Byte-pair encoding of one word with CLIP's conventions: the word's last
/// symbol carries the end-of-word mark `</w>`, and the adjacent pair with the
/// lowest merge rank is merged (every occurrence, left to right) until no
/// ranked pair remains. Results are cached per word.
struct BytePairEncoder: Sendable {
    /// An adjacent pair of symbols.
    struct Pair: Hashable, Sendable {
        let left: String
        let right: String
    }

    static let endOfWord = "</w>"

    let vocabulary: [String: Int32]
    let ranks: [Pair: Int]
    let unknownID: Int32
    private let cache = WordCache()

    init(vocabulary: [String: Int32], merges: [Pair], unknownID: Int32) {
        self.vocabulary = vocabulary
        var ranks: [Pair: Int] = [:]
        for (rank, pair) in merges.enumerated() where ranks[pair] == nil { ranks[pair] = rank }
        self.ranks = ranks
        self.unknownID = unknownID
    }

    /// The ids of one pre-tokenised word (its byte-level symbols).
    func encode(word: String) -> [Int32] {
        if let cached = cache[word] { return cached }
        var symbols = ByteLevelAlphabet.symbols(of: word)
        guard !symbols.isEmpty else { return [] }
        symbols[symbols.count - 1] += Self.endOfWord
        while symbols.count > 1 {
            var best: (rank: Int, pair: Pair)?
            for i in 0..<(symbols.count - 1) {
                let pair = Pair(left: symbols[i], right: symbols[i + 1])
                if let rank = ranks[pair], rank < (best?.rank ?? .max) { best = (rank, pair) }
            }
            guard let pair = best?.pair else { break }
            var merged: [String] = []
            merged.reserveCapacity(symbols.count)
            var i = 0
            while i < symbols.count {
                if i + 1 < symbols.count, symbols[i] == pair.left, symbols[i + 1] == pair.right {
                    merged.append(pair.left + pair.right)
                    i += 2
                } else {
                    merged.append(symbols[i])
                    i += 1
                }
            }
            symbols = merged
        }
        let ids = symbols.map { vocabulary[$0] ?? unknownID }
        cache[word] = ids
        return ids
    }
}

/// A thread-safe word → ids memo shared by copies of one tokenizer.
private final class WordCache: @unchecked Sendable {
    private var entries: [String: [Int32]] = [:]
    private let lock = NSLock()
    private let limit = 50_000

    subscript(word: String) -> [Int32]? {
        get { lock.withLock { entries[word] } }
        set {
            lock.withLock {
                if entries.count >= limit { entries.removeAll(keepingCapacity: true) }
                entries[word] = newValue
            }
        }
    }
}
