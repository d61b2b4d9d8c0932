import DarkroomCrypto
import Foundation
import Testing
@testable import DarkroomSync

@Test func keyringSealsToAMemberAndVerifiesTheChain() throws {
    let f = try SyncFixture()
    #expect(f.keyring.membership.version == 3)
    #expect(f.keyring.membership.activeMembers.map(\.card.id) == [f.a.id, f.b.id, f.c.id])
    let sealed = try f.keyring.sealed(for: f.b.card)
    let opened = try LibraryKeyring.open(sealed, as: f.b, expectedLibrary: f.library)
    #expect(opened.currentKey == f.keyring.currentKey)
    #expect(opened.membership == f.keyring.membership)
    #expect(opened.lastSigner == f.a.card)
    #expect(throws: CryptoError.authenticationFailed) { try LibraryKeyring.open(sealed, as: f.c) }
    #expect(throws: SyncError.self) { try LibraryKeyring.open(sealed, as: f.b, expectedLibrary: LibraryID(rawValue: "lib-9")!) }
    #expect(throws: SyncError.notAMember(DeviceID(rawValue: "dddd")!)) {
        try f.keyring.sealed(for: DeviceIdentity(name: "x", id: DeviceID(rawValue: "dddd")!).card)
    }
}

@Test func membershipChainRejectsForgeriesAndRewrites() throws {
    let f = try SyncFixture()
    let outsider = DeviceIdentity(name: "outsider")
    // An outsider signs a version admitting itself.
    var forged = f.keyring.membership
    forged.version += 1
    forged.previousHash = f.keyring.chain.last!.hash
    forged.members.append(Member(card: outsider.card))
    forged.members.sort { $0.card.id < $1.card.id }
    let bad = try SignedMembership.sign(forged, by: outsider)
    #expect(throws: SyncError.self) { try bad.verify(following: f.keyring.chain.last) }
    // A member's valid change that does not chain to the latest version (a fork).
    let stale = try SignedMembership.sign(forged, by: f.b)
    #expect(try stale.verify(following: f.keyring.chain.last).version == 4)
    #expect(throws: SyncError.self) { try stale.verify(following: f.keyring.chain[0]) }
    // Un-revoking is refused.
    let revoked = try f.keyring.revoking(f.c.id, lastAcceptedSequence: 0, by: f.a)
    var reinstated = revoked.membership
    reinstated.version += 1
    reinstated.previousHash = revoked.chain.last!.hash
    reinstated.members = reinstated.members.map { Member(card: $0.card) }
    #expect(throws: SyncError.self) { try SignedMembership.sign(reinstated, by: f.a).verify(following: revoked.chain.last) }
    // A revoked device can no longer sign membership changes.
    var byRevoked = revoked.membership
    byRevoked.version += 1
    byRevoked.previousHash = revoked.chain.last!.hash
    #expect(throws: SyncError.self) { try SignedMembership.sign(byRevoked, by: f.c).verify(following: revoked.chain.last) }
    // Updates must extend the chain.
    #expect(try f.keyring.updated(with: revoked).currentEpoch == 2)
    #expect(throws: SyncError.self) { try revoked.updated(with: f.keyring) }
}

@Test func revokedDeviceCannotReadOrWriteAfterRevocation() async throws {
    var f = try SyncFixture()
    let store = InMemoryObjectStore()
    let transport = InMemoryTransport(store: store)
    try await f.write(2, from: f.c.id, to: transport)
    let cKeyring = try LibraryKeyring.open(try f.keyring.sealed(for: f.c.card), as: f.c)
    // A revokes C after verifying C's two envelopes: epoch 2, a new key sealed to B only.
    let revoked = try f.keyring.revoking(f.c.id, lastAcceptedSequence: 2, by: f.a)
    let deliveries = try revoked.sealedForActiveMembers(except: f.a.id)
    #expect(Set(deliveries.keys) == [f.b.id])
    for (device, sealed) in deliveries {
        try await transport.put(sealed, name: SyncObjectName.keyring(version: revoked.membership.version, device: device).objectName)
    }
    let bKeyring = try LibraryKeyring.open(deliveries[f.b.id]!, as: f.b)
    #expect(bKeyring.currentEpoch == 2 && bKeyring.knownEpochs == [1, 2])
    #expect(throws: CryptoError.authenticationFailed) { try LibraryKeyring.open(deliveries[f.b.id]!, as: f.c) }
    #expect(throws: SyncError.self) { try revoked.sealed(for: f.c.card) }
    // A writes under epoch 2: B reads it, C cannot.
    let secret = try f.nextEnvelope(f.a.id, "written after revocation", keyring: revoked)
    #expect(try SyncEnvelope.open(secret.bytes, library: f.library, keyring: bKeyring, after: nil).payload == Data("written after revocation".utf8))
    #expect(throws: EnvelopeError.unknownEpoch(2)) { try SyncEnvelope.open(secret.bytes, library: f.library, keyring: cKeyring, after: nil) }
    #expect(throws: SyncError.unknownEpoch(2)) { try cKeyring.key(forEpoch: 2) }
    // C keeps writing with its old epoch-1 key: rejected by members on the new membership.
    let late = try f.nextEnvelope(f.c.id, "after removal", keyring: cKeyring)
    #expect(throws: EnvelopeError.revokedDevice(f.c.id, sequence: 3, revokedAfter: 2)) {
        try SyncEnvelope.open(late.bytes, library: f.library, keyring: bKeyring, after: nil)
    }
    // C's envelopes from before revocation still verify.
    var verifier = LogVerifier(library: f.library)
    try await transport.put(late.bytes, name: late.name)
    let report = try await verifier.pull(from: transport, keyring: bKeyring)
    #expect(report.acceptedSequences == ["cccc#1", "cccc#2"])
    #expect(report.detections == [.rejected(late.name, .revokedDevice(f.c.id, sequence: 3, revokedAfter: 2))])
    #expect(report.violations.isEmpty)   // rejected, but nothing the transport did wrong
    #expect(report.otherObjects == [SyncObjectName.keyring(version: 4, device: f.b.id).objectName])
    // A checkpoint C signs after revocation is refused, so it cannot raise false alarms.
    var cView = LogVerifier(library: f.library)
    cView.recordOwnEnvelope(device: f.c.id, head: f.writers[f.c.id]!.head)
    let cCheckpoint = try cView.makeCheckpoint(by: f.c, counter: 1)
    #expect(throws: EnvelopeError.revokedDevice(f.c.id, sequence: 1, revokedAfter: 2)) {
        try Checkpoint.open(cCheckpoint.bytes, library: f.library, membership: bKeyring.membership)
    }
}

@Test func fingerprintIsSymmetricAndKeySensitive() throws {
    let f = try SyncFixture()
    let ab = PairingFingerprint.digits(f.a.card, f.b.card)
    #expect(ab == PairingFingerprint.digits(f.b.card, f.a.card))
    #expect(ab != PairingFingerprint.digits(f.a.card, f.c.card))
    #expect(ab.split(separator: " ").count == 6)
    #expect(ab.split(separator: " ").allSatisfy { $0.count == 4 && $0.allSatisfy(\.isNumber) })
    var impostor = f.b.card
    impostor.boxKey = DeviceIdentity(name: "mitm").box.publicKey
    #expect(PairingFingerprint.digits(f.a.card, impostor) != ab)
}

@Test func deviceIdentityIsSealedAtRest() throws {
    let me = DeviceIdentity(name: "phone")
    let deviceKey = SymmetricKey()
    let sealed = try me.sealed(deviceKey: deviceKey)
    #expect(sealed.range(of: me.signing.exportedSeed()) == nil)
    let back = try DeviceIdentity.open(sealed, deviceKey: deviceKey)
    #expect(back.card == me.card)
    #expect(throws: CryptoError.authenticationFailed) { try DeviceIdentity.open(sealed, deviceKey: SymmetricKey()) }
    let withPassphrase = try me.sealed(passphrase: "correct horse", limits: .init(opsLimit: 1, memLimitBytes: 64 * 1024))
    #expect(try DeviceIdentity.open(withPassphrase, passphrase: "correct horse").card == me.card)
    #expect(throws: CryptoError.authenticationFailed) { try DeviceIdentity.open(withPassphrase, passphrase: "wrong horse") }
}

@Test func recoveryWordsReopenTheIdentityAndKeyring() throws {
    var f = try SyncFixture()
    let recoveryKey = SymmetricKey()
    let words = RecoveryWords.encode(recoveryKey)
    let bundle = try RecoveryBundle.seal(identity: f.a, keyring: f.keyring, recoveryKey: recoveryKey)
    #expect(bundle.range(of: f.keyring.currentKey.exportedBytes()) == nil)
    // Every device is lost; a new one types the words.
    let (identity, keyring) = try RecoveryBundle.open(bundle, recoveryKey: try RecoveryWords.decode(words.joined(separator: " ")))
    #expect(identity.card == f.a.card)
    #expect(keyring.currentKey == f.keyring.currentKey && keyring.membership == f.keyring.membership)
    let e = try f.nextEnvelope(f.b.id, "still readable")
    #expect(try SyncEnvelope.open(e.bytes, library: f.library, keyring: keyring, after: nil).payload == Data("still readable".utf8))
    #expect(throws: CryptoError.authenticationFailed) { try RecoveryBundle.open(bundle, recoveryKey: SymmetricKey()) }
    #expect(throws: CryptoError.authenticationFailed) { try RecoveryBundle.open(bundle.flippingBit(at: 40), recoveryKey: recoveryKey) }
    let lookup = try RecoveryBundle.lookupID(recoveryKey: recoveryKey)
    let otherLookup = try RecoveryBundle.lookupID(recoveryKey: SymmetricKey())
    #expect(lookup.count == 64 && lookup != otherLookup)
    #expect(SyncObjectName(SyncObjectName.recovery(lookup).objectName) == .recovery(lookup))
    let pairing = String(repeating: "ab", count: 16)
    for name in [SyncObjectName.membership(version: 3), .join(pairing: pairing, device: f.b.id), .welcome(pairing: pairing, device: f.b.id)] {
        #expect(SyncObjectName(name.objectName) == name)
    }
    #expect(SyncObjectName(ObjectName(rawValue: "join/\(pairing.uppercased())/\(f.b.id)")!) == nil)
}
