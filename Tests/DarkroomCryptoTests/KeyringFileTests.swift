import Foundation
import Testing
@testable import DarkroomCrypto

private let fastLimits = PassphraseKeyDerivation.Limits(opsLimit: 1, memLimitBytes: 64 * 1024)

@Test func passphraseKeyringRoundTripsAndRejectsWrongPassphrase() throws {
    let secret = Data("serialized keyring".utf8)
    let sealed = try KeyringFile.seal(secret, passphrase: "hunter2 but longer", limits: fastLimits)
    #expect(try KeyringFile.protection(of: sealed) == .passphrase)
    #expect(try KeyringFile.open(sealed, passphrase: "hunter2 but longer") == secret)
    #expect(throws: CryptoError.authenticationFailed) { try KeyringFile.open(sealed, passphrase: "hunter3 but longer") }
    #expect(throws: CryptoError.self) { try KeyringFile.open(sealed, deviceKey: SymmetricKey()) }
}

@Test func keyringHeaderIsAuthenticated() throws {
    let sealed = try KeyringFile.seal(Data("k".utf8), passphrase: "pw", limits: fastLimits)
    // Byte 13 is the low byte of opslimit (1 -> 0): a different key, so the open fails.
    var weaker = sealed
    weaker[weaker.startIndex + 13] = 2
    #expect(throws: CryptoError.authenticationFailed) { try KeyringFile.open(weaker, passphrase: "pw") }
    #expect(throws: CryptoError.authenticationFailed) { try KeyringFile.open(sealed.flippingBit(at: 25), passphrase: "pw") }
    #expect(throws: CryptoError.self) { try KeyringFile.open(sealed.prefix(30), passphrase: "pw") }
    var hostile = sealed
    hostile[hostile.startIndex + 6] = 0xff  // opslimit 2^56+1: refused before running Argon2id
    #expect(throws: CryptoError.self) { try KeyringFile.open(hostile, passphrase: "pw") }
}

@Test func deviceKeyFileProtectsKeyring() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("device-\(UUID()).key")
    defer { try? FileManager.default.removeItem(at: url) }
    let key = try DeviceKeyFile.create(at: url)
    #expect(throws: CryptoError.self) { try DeviceKeyFile.create(at: url) }
    let perms = try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int
    #expect(perms == 0o600)
    let loaded = try DeviceKeyFile.load(from: url)
    #expect(loaded == key)
    let sealed = KeyringFile.seal(Data("keys".utf8), deviceKey: key)
    #expect(try KeyringFile.protection(of: sealed) == .deviceKey)
    #expect(try KeyringFile.open(sealed, deviceKey: loaded) == Data("keys".utf8))
    #expect(throws: CryptoError.authenticationFailed) { try KeyringFile.open(sealed, deviceKey: SymmetricKey()) }
}
