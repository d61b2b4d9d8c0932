import Foundation
import Testing
@testable import DarkroomCrypto

@Test func keysNeverPrintTheirSecrets() throws {
    let key = try SymmetricKey(bytes: Data(repeating: 0xab, count: 32))
    #expect(key.description == "SymmetricKey(redacted)")
    #expect("\(key)" == "SymmetricKey(redacted)")
    #expect(String(reflecting: key) == "SymmetricKey(redacted)")
    let signing = try SigningKeyPair(seed: Data(repeating: 0xcd, count: 32))
    #expect(!"\(signing)".contains("cdcdcdcd"))
    #expect("\(signing)".contains(signing.publicKey.description))
    let box = try BoxKeyPair(secretKey: Data(repeating: 0xef, count: 32))
    #expect(!"\(box)".contains("efefefef"))
}

@Test func symmetricKeysCompareByValue() throws {
    let a = try SymmetricKey(bytes: Data(0..<32))
    let b = try SymmetricKey(bytes: Data(0..<32))
    #expect(a == b)
    #expect(a != SymmetricKey())
    #expect(try SymmetricKey(bytes: a.exportedBytes()) == a)
    #expect(throws: CryptoError.invalidLength(what: "symmetric key", expected: 32, actual: 31)) { try SymmetricKey(bytes: Data(count: 31)) }
}

@Test func signaturesRejectOtherMessagesKeysAndBitFlips() throws {
    let pair = SigningKeyPair()
    let message = Data("membership v2".utf8)
    let signature = pair.sign(message)
    #expect(pair.publicKey.isValidSignature(signature, for: message))
    #expect(!pair.publicKey.isValidSignature(signature, for: Data("membership v3".utf8)))
    #expect(!SigningKeyPair().publicKey.isValidSignature(signature, for: message))
    #expect(!pair.publicKey.isValidSignature(signature.flippingBit(at: 10), for: message))
    #expect(!pair.publicKey.isValidSignature(signature.dropLast(), for: message))
    #expect(throws: CryptoError.invalidSignature) { try pair.publicKey.verify(signature, for: Data()) }
}

@Test func sealedBoxesOpenOnlyForTheRecipient() throws {
    let recipient = BoxKeyPair()
    let message = Data("epoch key".utf8)
    let sealed = recipient.publicKey.seal(message)
    #expect(sealed.count == message.count + 48)
    #expect(try recipient.open(sealed) == message)
    #expect(throws: CryptoError.authenticationFailed) { try BoxKeyPair().open(sealed) }
    #expect(throws: CryptoError.authenticationFailed) { try recipient.open(sealed.flippingBit(at: sealed.count - 1)) }
    #expect(throws: CryptoError.authenticationFailed) { try recipient.open(sealed.prefix(20)) }
    #expect(try recipient.open(recipient.publicKey.seal(Data())) == Data())
    let restored = try BoxKeyPair(secretKey: recipient.exportedSecretKey())
    #expect(restored.publicKey == recipient.publicKey)
}

@Test func publicKeysRoundTripThroughJSON() throws {
    let s = SigningKeyPair().publicKey
    let b = BoxKeyPair().publicKey
    let data = try JSONEncoder().encode([s.bytes, b.bytes])
    #expect(try JSONDecoder().decode(SigningPublicKey.self, from: JSONEncoder().encode(s)) == s)
    #expect(try JSONDecoder().decode(BoxPublicKey.self, from: JSONEncoder().encode(b)) == b)
    #expect(!data.isEmpty)
    #expect(throws: CryptoError.self) { try JSONDecoder().decode(SigningPublicKey.self, from: JSONEncoder().encode(Data(count: 5))) }
}

@Test func constantTimeEquality() {
    #expect(ConstantTime.equals(Data([1, 2, 3]), Data([1, 2, 3])))
    #expect(!ConstantTime.equals(Data([1, 2, 3]), Data([1, 2, 4])))
    #expect(!ConstantTime.equals(Data([1, 2, 3]), Data([1, 2])))
    #expect(ConstantTime.equals(Data(), Data()))
}

@Test func randomBytesDiffer() {
    #expect(SecureRandom.bytes(32).count == 32)
    #expect(SecureRandom.bytes(32) != SecureRandom.bytes(32))
    #expect(SecureRandom.uniform(10) < 10)
}

@Test func incrementalHashMatchesOneShot() throws {
    let data = Data((0..<10_000).map { UInt8(truncatingIfNeeded: $0 * 7) })
    let hasher = try GenericHash.Hasher(length: 32)
    hasher.update(data.prefix(1234))
    hasher.update(data.dropFirst(1234))
    #expect(hasher.finalize() == (try GenericHash.hash(data)))
    #expect(throws: CryptoError.self) { try GenericHash.hash(data, length: 8) }
}
