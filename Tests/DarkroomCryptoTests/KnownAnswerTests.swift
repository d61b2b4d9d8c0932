import Foundation
import Testing
@testable import DarkroomCrypto

// Expected values come from implementations other than libsodium; see
// Fixtures/crypto/README.md and Fixtures/crypto/known_answers.py.

@Test func xchachaDraftVectorA31() throws {
    // draft-irtf-cfrg-xchacha-03, appendix A.3.1.
    let key = try SymmetricKey(bytes: Data(0x80...0x9f))
    let nonce = Data(0x40...0x57)
    let ad = hexData("50515253c0c1c2c3c4c5c6c7")
    let plaintext = Data("Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.".utf8)
    let expected = "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff921f9664c97637da9768812f615c68b13b52ec0875924c1c7987947deafd8780acf49"
    let sealed = try AEAD.seal(plaintext, key: key, nonce: nonce, associatedData: ad)
    #expect(sealed.prefix(24) == nonce)
    #expect(sealed.dropFirst(24).hex == expected)
    #expect(try AEAD.open(sealed, key: key, associatedData: ad) == plaintext)
}

@Test(arguments: [
    ("", "", "7f234a54c45bc13057b057b5b780b1b5"),
    ("darkroom", "header", "cc76d9ee887334c85dbcde45ff55cc55b5c1d7bd67c8fe27"),
])
func xchachaOwnVectors(plaintext: String, ad: String, expected: String) throws {
    let key = try SymmetricKey(bytes: Data(repeating: 7, count: 32))
    let nonce = Data(0..<24)
    let sealed = try AEAD.seal(Data(plaintext.utf8), key: key, nonce: nonce, associatedData: Data(ad.utf8))
    #expect(sealed.dropFirst(24).hex == expected)
    #expect(try AEAD.open(sealed, key: key, associatedData: Data(ad.utf8)) == Data(plaintext.utf8))
}

@Test(arguments: [
    // RFC 8032 section 7.1, TEST 1 and TEST 2: seed, public key, message, signature.
    ("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
     "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
     "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
    ("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
     "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
     "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
])
func ed25519RFC8032(seed: String, publicKey: String, message: String, signature: String) throws {
    let pair = try SigningKeyPair(seed: hexData(seed))
    #expect(pair.publicKey.bytes.hex == publicKey)
    #expect(pair.sign(hexData(message)).hex == signature)
    #expect(pair.publicKey.isValidSignature(hexData(signature), for: hexData(message)))
    #expect(pair.exportedSeed() == hexData(seed))
}

@Test func x25519RFC7748PublicKey() throws {
    // RFC 7748 section 6.1: Alice's private and public keys.
    let alice = try BoxKeyPair(secretKey: hexData("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a"))
    #expect(alice.publicKey.bytes.hex == "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a")
}

@Test func blake2bVectors() throws {
    // RFC 7693 appendix A: BLAKE2b-512("abc").
    #expect(try GenericHash.hash(Data("abc".utf8), length: 64).hex == "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923")
    // CPython hashlib.blake2b.
    #expect(try GenericHash.hash(Data()).hex == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8")
    #expect(try GenericHash.hash(Data("darkroom".utf8), key: Data(0..<32)).hex == "4ac38cf7b419f3e179dc557322bf755186c2da154343fec928d1c357e4ad37b7")
    #expect(try GenericHash.hash(Data(0..<100), length: 16, key: Data(0..<64)).hex == "589430a2ee2c313fde5588d4762f24a5")
    #expect(try GenericHash.hash(Data("darkroom".utf8), key: SymmetricKey(bytes: Data(0..<32))).hex == "4ac38cf7b419f3e179dc557322bf755186c2da154343fec928d1c357e4ad37b7")
}

@Test func argon2idMatchesOpenSSL() throws {
    // OpenSSL Argon2id, one lane; memory_cost is in KiB there, bytes here.
    let a = try PassphraseKeyDerivation.deriveBytes(passphrase: "correct horse battery staple", salt: Data(0..<16),
                                                    limits: .init(opsLimit: 2, memLimitBytes: 64 * 1024), length: 32)
    #expect(a.hex == "2df47ede6358ed17a9976d4fcedb897a10036d432a4acef17d263bfc98bd20ac")
    let b = try PassphraseKeyDerivation.deriveBytes(passphrase: "pässwörd", salt: Data(repeating: 0xaa, count: 16),
                                                    limits: .init(opsLimit: 3, memLimitBytes: 256 * 1024), length: 32)
    #expect(b.hex == "06996a793facf9cbb3b3c57b6be2f86855fe2aaa466e5d2a8b06e875c2387c38")
}

@Test func paddingIsISO7816() throws {
    #expect(try Padding.pad(Data([1, 2, 3]), blockSize: 8) == Data([1, 2, 3, 0x80, 0, 0, 0, 0]))
    #expect(try Padding.pad(Data(), blockSize: 4) == Data([0x80, 0, 0, 0]))
    #expect(try Padding.pad(Data([1, 2, 3, 4]), blockSize: 4) == Data([1, 2, 3, 4, 0x80, 0, 0, 0]))
    #expect(try Padding.unpad(Data([1, 2, 3, 0x80, 0, 0, 0, 0]), blockSize: 8) == Data([1, 2, 3]))
    #expect(throws: CryptoError.invalidPadding) { try Padding.unpad(Data([1, 2, 3, 0, 0, 0, 0, 0]), blockSize: 8) }
    #expect(throws: CryptoError.invalidPadding) { try Padding.unpad(Data([1, 2, 3, 0x80, 0, 0, 0, 1]), blockSize: 8) }
}
