import Foundation

/// A 32-byte key written as a BIP39 phrase: 24 words of the standard English list a person can
/// copy onto paper and type back (the format Ente and hardware wallets use for recovery keys).
///
/// The key's 256 bits are followed by the first 8 bits of its SHA-256 (the BIP39 checksum), 11
/// bits per word, most significant first. Each word is known by its first four letters, so
/// `aban` reads as `abandon`. A mistyped word is caught by the list or by the checksum (with
/// probability 1 - 2^-8 for another valid word).
///
/// Phrases written before 2026-12 (25 syllable words, the last a BLAKE2b checksum word) still
/// decode: ``decode(_:)-([String])`` tells them apart by their length.
public enum RecoveryWords {
    /// Number of words in a phrase.
    public static let wordCount = 24
    /// Number of words in a phrase of the earlier, syllable-word format.
    public static let legacyWordCount = 25
    private static let legacyDomain = Data("darkroom-recovery-v1".utf8)
    private static let index: [String: Int] = Dictionary(uniqueKeysWithValues: wordList.enumerated().map { ($1, $0) })
    private static let prefixIndex: [String: Int] = Dictionary(uniqueKeysWithValues: wordList.enumerated().map { (String($1.prefix(4)), $0) })
    private static let legacyIndex: [String: Int] = Dictionary(uniqueKeysWithValues: legacyWordList.enumerated().map { ($1, $0) })

    /// The 24 words for `key`.
    public static func encode(_ key: SymmetricKey) -> [String] {
        let entropy = [UInt8](key.exportedBytes())
        return pack(entropy + [sha256(entropy)[0]]).map { wordList[$0] }
    }

    /// The key written by `words` (case, extra spaces and commas are ignored; each word may be
    /// given by its first four letters).
    /// - Throws: `CryptoError.invalidRecoveryWords` naming the first unknown word, a wrong
    ///   count, or a checksum that does not match.
    public static func decode(_ words: [String]) throws -> SymmetricKey {
        let cleaned = words.flatMap { $0.lowercased().split(whereSeparator: { $0 == " " || $0 == "," || $0.isNewline }) }.map(String.init)
        if cleaned.count == legacyWordCount, cleaned.allSatisfy({ legacyIndex[$0] != nil }) { return try decodeLegacy(cleaned) }
        guard cleaned.count == wordCount else {
            throw CryptoError.invalidRecoveryWords("expected \(wordCount) words, got \(cleaned.count)")
        }
        var values: [Int] = []
        for (position, word) in cleaned.enumerated() {
            guard let value = index[word] ?? (word.count >= 4 ? prefixIndex[String(word.prefix(4))] : nil) else {
                throw CryptoError.invalidRecoveryWords("word \(position + 1) \"\(word)\" is not in the word list; check its spelling")
            }
            values.append(value)
        }
        let bytes = unpack(values)   // 33 bytes: the key and its checksum byte
        let key = try SymmetricKey(bytes: Data(bytes.prefix(32)))
        guard sha256(Array(bytes.prefix(32)))[0] == bytes[32] else {
            throw CryptoError.invalidRecoveryWords("the phrase's checksum does not match: a word is mistyped or two words are swapped")
        }
        return key
    }

    /// Parses a phrase typed as one string.
    public static func decode(_ phrase: String) throws -> SymmetricKey { try decode([phrase]) }

    // MARK: - Bits

    /// 11-bit values of `bytes`, most significant first (the bit count must be a multiple of 11).
    private static func pack(_ bytes: [UInt8]) -> [Int] {
        var values: [Int] = []
        var accumulator = 0, bits = 0
        for byte in bytes {
            accumulator = accumulator << 8 | Int(byte)
            bits += 8
            while bits >= 11 {
                bits -= 11
                values.append((accumulator >> bits) & 0x7ff)
            }
            accumulator &= (1 << bits) - 1
        }
        return values
    }

    /// The bytes of 11-bit `values`, most significant first.
    private static func unpack(_ values: [Int]) -> [UInt8] {
        var bytes: [UInt8] = []
        var accumulator = 0, bits = 0
        for value in values {
            accumulator = accumulator << 11 | value
            bits += 11
            while bits >= 8 {
                bits -= 8
                bytes.append(UInt8((accumulator >> bits) & 0xff))
            }
            accumulator &= (1 << bits) - 1
        }
        return bytes
    }

    private static func sha256(_ bytes: [UInt8]) -> [UInt8] { ContentHash.sha256(bytes) }

    // MARK: - Before BIP39

    /// The 25-word syllable format: words 1-24 the key and 8 zero bits, word 25 the first 11
    /// bits of BLAKE2b-256("darkroom-recovery-v1" || key).
    private static func decodeLegacy(_ words: [String]) throws -> SymmetricKey {
        let values = words.map { legacyIndex[$0]! }
        let bytes = unpack(Array(values.prefix(24)))
        guard bytes.count == 33, bytes[32] == 0 else {
            throw CryptoError.invalidRecoveryWords("the words do not form a valid key: one of them is wrong")
        }
        let key = try SymmetricKey(bytes: Data(bytes.prefix(32)))
        let digest = [UInt8](try GenericHash.hash(legacyDomain + key.exportedBytes(), length: 32))
        guard (Int(digest[0]) << 3) | (Int(digest[1]) >> 5) == values[24] else {
            throw CryptoError.invalidRecoveryWords("the checksum word does not match: a word is mistyped or two words are swapped")
        }
        return key
    }
}
