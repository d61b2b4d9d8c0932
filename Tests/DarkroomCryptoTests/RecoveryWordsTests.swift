import Foundation
import Testing
@testable import DarkroomCrypto

@Test func wordListIsBIP39English() {
    #expect(RecoveryWords.wordList.count == 2048)
    #expect(Set(RecoveryWords.wordList).count == 2048)
    #expect(Set(RecoveryWords.wordList.map { $0.prefix(4) }).count == 2048)   // known by four letters
    #expect(RecoveryWords.wordList.first == "abandon" && RecoveryWords.wordList.last == "zoo")
    // The published list's digest (Fixtures/crypto/make_word_list.py checks the file it reads).
    #expect(ContentHash.sha256Hex(Data((RecoveryWords.wordList.joined(separator: "\n") + "\n").utf8))
            == "2f5eed53a4727b4bf8880d8f3f199efc90e58503646d9ff8eff3a2ed3b24dbda")
}

@Test func recoveryWordsRoundTrip() throws {
    for _ in 0..<50 {
        let key = SymmetricKey()
        let words = RecoveryWords.encode(key)
        #expect(words.count == 24)
        #expect(try RecoveryWords.decode(words) == key)
        #expect(try RecoveryWords.decode(words.joined(separator: "  ").uppercased()) == key)
        #expect(try RecoveryWords.decode(words.map { String($0.prefix(4)) }) == key)
    }
}

/// BIP39's own vectors for 256-bit entropy (the reference `mnemonic` package prints the same:
/// Fixtures/crypto/make_word_list.py).
@Test(arguments: [
    (UInt8(0x00), "abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon art"),
    (UInt8(0x7f), "legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth useful legal winner thank year wave sausage worth title"),
    (UInt8(0x80), "letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic avoid letter advice cage absurd amount doctor acoustic bless"),
    (UInt8(0xff), "zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo zoo vote"),
])
func recoveryWordsMatchBIP39Vectors(byte: UInt8, phrase: String) throws {
    let key = try SymmetricKey(bytes: Data(repeating: byte, count: 32))
    #expect(RecoveryWords.encode(key).joined(separator: " ") == phrase)
    #expect(try RecoveryWords.decode(phrase) == key)
}

@Test func phrasesOfTheEarlierSyllableFormatStillDecode() throws {
    // The 25-word phrase the earlier format wrote for the all-zero key: 24 times word 0, then
    // the first 11 bits of BLAKE2b-256("darkroom-recovery-v1" || key).
    let zero = try SymmetricKey(bytes: Data(count: 32))
    let digest = [UInt8](try GenericHash.hash(Data("darkroom-recovery-v1".utf8) + zero.exportedBytes(), length: 32))
    let check = (Int(digest[0]) << 3) | (Int(digest[1]) >> 5)
    let legacy = Array(repeating: "baba", count: 24) + [RecoveryWords.legacyWordList[check]]
    #expect(try RecoveryWords.decode(legacy) == zero)
    var wrong = legacy
    wrong[24] = RecoveryWords.legacyWordList[(check + 1) % 2048]
    #expect(throws: CryptoError.self) { try RecoveryWords.decode(wrong) }
}

@Test func recoveryWordsRejectTyposSwapsAndWrongCounts() throws {
    let key = try SymmetricKey(bytes: Data((0..<32).map { UInt8($0 * 37 % 251) }))
    let words = RecoveryWords.encode(key)
    var typo = words
    typo[6] = "zzzz"
    #expect(throws: CryptoError.invalidRecoveryWords("word 7 \"zzzz\" is not in the word list; check its spelling")) { try RecoveryWords.decode(typo) }
    #expect(throws: CryptoError.self) { try RecoveryWords.decode(Array(words.dropLast())) }
    // Replacing the checksum-bearing last word with another valid word is caught (8 bits of SHA-256).
    var rejected = 0
    for offset in 1...16 {
        var changed = words
        let i = RecoveryWords.wordList.firstIndex(of: words[23])!
        changed[23] = RecoveryWords.wordList[(i + offset * 8) % 2048]   // another checksum byte
        if (try? RecoveryWords.decode(changed)) == nil { rejected += 1 }
    }
    #expect(rejected == 16)
    var swapped = words
    swapped.swapAt(0, 1)
    #expect(words[0] == words[1] || (try? RecoveryWords.decode(swapped)) != key)
}
