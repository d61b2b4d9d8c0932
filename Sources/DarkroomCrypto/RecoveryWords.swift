import Foundation

/// A 32-byte key written as 25 words a person can copy onto paper and type back.
///
/// Words 1-24 carry the key's 256 bits followed by 8 zero bits, 11 bits per word
/// (most significant first). Word 25 is a checksum: the first 11 bits of
/// BLAKE2b-256("darkroom-recovery-v1" || key). A mistyped or swapped word is caught
/// with probability about 1 - 2^-19.
public enum RecoveryWords {
    /// Number of words in a phrase.
    public static let wordCount = 25
    private static let domain = Data("darkroom-recovery-v1".utf8)
    private static let index: [String: Int] = Dictionary(uniqueKeysWithValues: wordList.enumerated().map { ($1, $0) })

    /// The 25 words for `key`.
    public static func encode(_ key: SymmetricKey) -> [String] {
        let bytes = [UInt8](key.exportedBytes()) + [0]
        var words: [String] = []
        var accumulator = 0, bits = 0
        for byte in bytes {
            accumulator = accumulator << 8 | Int(byte)
            bits += 8
            while bits >= 11 {
                bits -= 11
                words.append(wordList[(accumulator >> bits) & 0x7ff])
            }
            accumulator &= (1 << bits) - 1
        }
        words.append(wordList[checksum(key)])
        return words
    }

    /// The key written by `words` (case, extra spaces and commas are ignored).
    /// - Throws: `CryptoError.invalidRecoveryWords` naming the first unknown word, a wrong
    ///   count, or a checksum that does not match.
    public static func decode(_ words: [String]) throws -> SymmetricKey {
        let cleaned = words.flatMap { $0.lowercased().split(whereSeparator: { $0 == " " || $0 == "," || $0.isNewline }) }.map(String.init)
        guard cleaned.count == wordCount else {
            throw CryptoError.invalidRecoveryWords("expected \(wordCount) words, got \(cleaned.count)")
        }
        var values: [Int] = []
        for (position, word) in cleaned.enumerated() {
            guard let value = index[word] else {
                throw CryptoError.invalidRecoveryWords("word \(position + 1) \"\(word)\" is not in the word list; check its spelling")
            }
            values.append(value)
        }
        var bytes: [UInt8] = []
        var accumulator = 0, bits = 0
        for value in values.prefix(24) {
            accumulator = accumulator << 11 | value
            bits += 11
            while bits >= 8 {
                bits -= 8
                bytes.append(UInt8((accumulator >> bits) & 0xff))
            }
            accumulator &= (1 << bits) - 1
        }
        // 264 bits: 32 key bytes and one padding byte that must be zero.
        guard bytes.count == 33, bytes[32] == 0 else {
            throw CryptoError.invalidRecoveryWords("the words do not form a valid key: one of them is wrong")
        }
        let key = try SymmetricKey(bytes: Data(bytes.prefix(32)))
        guard checksum(key) == values[24] else {
            throw CryptoError.invalidRecoveryWords("the checksum word does not match: a word is mistyped or two words are swapped")
        }
        return key
    }

    /// Parses a phrase typed as one string.
    public static func decode(_ phrase: String) throws -> SymmetricKey { try decode([phrase]) }

    private static func checksum(_ key: SymmetricKey) -> Int {
        let digest = [UInt8](try! GenericHash.hash(domain + key.exportedBytes(), length: 32))
        return (Int(digest[0]) << 3) | (Int(digest[1]) >> 5)
    }
}
