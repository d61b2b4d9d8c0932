import Foundation
import Testing
@testable import DarkroomCrypto

@Test func wordListHas2048DistinctWords() {
    #expect(RecoveryWords.wordList.count == 2048)
    #expect(Set(RecoveryWords.wordList).count == 2048)
    #expect(RecoveryWords.wordList.allSatisfy { $0.count == 4 && $0.allSatisfy(\.isLowercase) })
}

@Test func recoveryWordsRoundTrip() throws {
    for _ in 0..<50 {
        let key = SymmetricKey()
        let words = RecoveryWords.encode(key)
        #expect(words.count == 25)
        #expect(try RecoveryWords.decode(words) == key)
        #expect(try RecoveryWords.decode(words.joined(separator: "  ").uppercased()) == key)
    }
}

@Test func recoveryWordsOfAFixedKey() throws {
    // All-zero key: 24 times word 0, then the checksum word.
    let zero = try SymmetricKey(bytes: Data(count: 32))
    let words = RecoveryWords.encode(zero)
    #expect(Array(words.prefix(24)) == Array(repeating: "baba", count: 24))
    // Key 0xff...: bits 1 everywhere, then 8 zero padding bits in word 24.
    let ones = try SymmetricKey(bytes: Data(repeating: 0xff, count: 32))
    let w = RecoveryWords.encode(ones)
    #expect(Array(w.prefix(23)) == Array(repeating: "zoto", count: 23))
    #expect(w[23] == RecoveryWords.wordList[0b111_0000_0000])
}

@Test func recoveryWordsRejectTyposSwapsAndWrongCounts() throws {
    // A fixed key keeps this deterministic: a random one would pass a wrong word through
    // the 11-bit checksum once in 2048 tries.
    let key = try SymmetricKey(bytes: Data((0..<32).map { UInt8($0 * 37 % 251) }))
    let words = RecoveryWords.encode(key)
    var typo = words
    typo[6] = "zzzz"
    #expect(throws: CryptoError.invalidRecoveryWords("word 7 \"zzzz\" is not in the word list; check its spelling")) { try RecoveryWords.decode(typo) }
    #expect(throws: CryptoError.self) { try RecoveryWords.decode(Array(words.dropLast())) }
    // Replacing any one word with another valid word is caught by the checksum (or padding).
    var rejected = 0
    for position in 0..<25 {
        var changed = words
        let i = RecoveryWords.wordList.firstIndex(of: words[position])!
        changed[position] = RecoveryWords.wordList[(i + 1) % 2048]
        if (try? RecoveryWords.decode(changed)) == nil { rejected += 1 }
    }
    #expect(rejected == 25)
    #expect(words[0] != words[1])
    var swapped = words
    swapped.swapAt(0, 1)
    #expect(throws: CryptoError.self) { try RecoveryWords.decode(swapped) }
}
