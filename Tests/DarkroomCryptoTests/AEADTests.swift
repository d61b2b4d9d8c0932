import Foundation
import Testing
@testable import DarkroomCrypto

@Test func aeadRejectsEveryBitFlip() throws {
    let key = SymmetricKey()
    let sealed = AEAD.seal(Data("a favourite flag".utf8), key: key, associatedData: Data("hdr".utf8))
    for i in 0..<sealed.count {
        #expect(throws: CryptoError.authenticationFailed) {
            try AEAD.open(sealed.flippingBit(at: i), key: key, associatedData: Data("hdr".utf8))
        }
    }
}

@Test func aeadRejectsTruncationWrongADAndWrongKey() throws {
    let key = SymmetricKey()
    let ad = Data("library-1/device-a/seq-7".utf8)
    let sealed = AEAD.seal(Data(repeating: 42, count: 100), key: key, associatedData: ad)
    #expect(sealed.count == 100 + AEAD.overhead)
    #expect(throws: CryptoError.authenticationFailed) { try AEAD.open(sealed.dropLast(), key: key, associatedData: ad) }
    #expect(throws: CryptoError.authenticationFailed) { try AEAD.open(sealed.prefix(10), key: key, associatedData: ad) }
    #expect(throws: CryptoError.authenticationFailed) { try AEAD.open(sealed, key: key, associatedData: Data("library-2/device-a/seq-7".utf8)) }
    #expect(throws: CryptoError.authenticationFailed) { try AEAD.open(sealed, key: key) }
    #expect(throws: CryptoError.authenticationFailed) { try AEAD.open(sealed, key: SymmetricKey(), associatedData: ad) }
    #expect(try AEAD.open(sealed, key: key, associatedData: ad) == Data(repeating: 42, count: 100))
}

@Test func aeadUsesFreshNonces() {
    let key = SymmetricKey()
    let a = AEAD.seal(Data("same".utf8), key: key)
    let b = AEAD.seal(Data("same".utf8), key: key)
    #expect(a != b)
    #expect(a.prefix(AEAD.nonceByteCount) != b.prefix(AEAD.nonceByteCount))
}

@Test func aeadRejectsBadNonceLength() {
    #expect(throws: CryptoError.invalidLength(what: "XChaCha20-Poly1305 nonce", expected: 24, actual: 12)) {
        try AEAD.seal(Data(), key: SymmetricKey(), nonce: Data(count: 12))
    }
}
