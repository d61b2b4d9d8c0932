import DarkroomCrypto
import Foundation
import Testing
@testable import DarkroomSync

@Test func envelopeOpensAndChains() throws {
    var f = try SyncFixture()
    let e1 = try f.nextEnvelope(f.a.id, "first")
    let e2 = try f.nextEnvelope(f.a.id, "second")
    #expect(e1.name.rawValue == "log/aaaa/00000000000000000001")
    let o1 = try SyncEnvelope.open(e1.bytes, library: f.library, keyring: f.keyring, after: .genesis)
    #expect(o1.payload == Data("first".utf8))
    #expect(o1.header.sequence == 1 && o1.header.epoch == 1 && o1.header.device == f.a.id)
    let o2 = try SyncEnvelope.open(e2.bytes, library: f.library, keyring: f.keyring, after: o1.head)
    #expect(o2.payload == Data("second".utf8))
    #expect(o2.header.previousHash == o1.head.hash)
    #expect(o1.head.hash == (try GenericHash.hash(e1.bytes)))
}

@Test func envelopeHidesPayloadAndPadsIt() throws {
    var f = try SyncFixture()
    let e = try f.nextEnvelope(f.a.id, "prompt: a red fox in snow")
    #expect(e.bytes.range(of: Data("red fox".utf8)) == nil)
    let short = try f.nextEnvelope(f.a.id, "x")
    #expect(e.bytes.count == short.bytes.count)  // both padded to one 256-byte block
}

@Test func everyTamperedByteIsRejectedWithTheCheckThatFailed() throws {
    var f = try SyncFixture()
    let e = try f.nextEnvelope(f.a.id, "favourite=true")
    let parsed = try SyncEnvelope.parse(e.bytes)
    let headerLength = parsed.header.encoded().count
    for i in 0..<e.bytes.count {
        let tampered = e.bytes.flippingBit(at: i)
        #expect(throws: EnvelopeError.self) { try SyncEnvelope.open(tampered, library: f.library, keyring: f.keyring, after: .genesis) }
    }
    // A flipped payload byte with a valid signature cannot happen; a flipped signature byte:
    #expect(throws: EnvelopeError.badSignature(f.a.id, sequence: 1)) {
        try SyncEnvelope.open(e.bytes.flippingBit(at: e.bytes.count - 1), library: f.library, keyring: f.keyring, after: .genesis)
    }
    // A flipped sequence byte (last byte of the u64 after the two ids) breaks the signature.
    let sequenceLowByte = 4 + 1 + 2 + 5 + 2 + 4 + 7  // magic, version, "lib-1", "aaaa", u64
    let renumbered = e.bytes.flippingBit(at: sequenceLowByte)
    #expect(throws: EnvelopeError.badSignature(f.a.id, sequence: 0)) {
        try SyncEnvelope.open(renumbered, library: f.library, keyring: f.keyring, after: .genesis)
    }
    #expect(headerLength == 4 + 1 + 2 + 5 + 2 + 4 + 8 + 4 + 32 + 8 + 4)
}

@Test func payloadTamperingWithAValidSignatureIsCaughtByTheAEAD() throws {
    // A device that signs a payload sealed under other associated data (a buggy or hostile
    // member) still fails the AEAD check: the header is bound to the ciphertext.
    var f = try SyncFixture()
    let e = try f.nextEnvelope(f.a.id, "x")
    var parsed = try SyncEnvelope.parse(e.bytes)
    var w = BinaryWriter()
    parsed.header.write(to: &w)
    w.blob(AEAD.seal(try Padding.pad(Data("y".utf8), blockSize: 256), key: f.keyring.currentKey, associatedData: Data("other".utf8)))
    w.bytes(f.a.signing.sign(w.data))
    parsed = try SyncEnvelope.parse(w.data)
    #expect(throws: EnvelopeError.payloadTampered(f.a.id, sequence: 1)) {
        try SyncEnvelope.open(parsed, library: f.library, keyring: f.keyring, after: .genesis)
    }
}

@Test func truncatedEnvelopesAreMalformed() throws {
    var f = try SyncFixture()
    let e = try f.nextEnvelope(f.a.id, "x")
    for cut in [0, 3, 10, 40, e.bytes.count - 65, e.bytes.count - 1] {
        #expect(throws: EnvelopeError.self) { try SyncEnvelope.open(e.bytes.prefix(cut), library: f.library, keyring: f.keyring, after: nil) }
    }
    #expect(throws: EnvelopeError.malformed("bytes after the signature")) { try SyncEnvelope.parse(e.bytes + Data([0])) }
}

@Test func replayedAndSkippedEnvelopesAreRejected() throws {
    var f = try SyncFixture()
    let e1 = try f.nextEnvelope(f.a.id, "1")
    let e2 = try f.nextEnvelope(f.a.id, "2")
    let e3 = try f.nextEnvelope(f.a.id, "3")
    let o1 = try SyncEnvelope.open(e1.bytes, library: f.library, keyring: f.keyring, after: .genesis)
    let o2 = try SyncEnvelope.open(e2.bytes, library: f.library, keyring: f.keyring, after: o1.head)
    #expect(throws: EnvelopeError.replayed(f.a.id, expected: 3, found: 1)) { try SyncEnvelope.open(e1.bytes, library: f.library, keyring: f.keyring, after: o2.head) }
    #expect(throws: EnvelopeError.sequenceGap(f.a.id, expected: 2, found: 3)) { try SyncEnvelope.open(e3.bytes, library: f.library, keyring: f.keyring, after: o1.head) }
    // Same sequence, other history: the previous hash does not match.
    #expect(throws: EnvelopeError.chainMismatch(f.a.id, sequence: 2)) {
        try SyncEnvelope.open(e2.bytes, library: f.library, keyring: f.keyring, after: LogHead(sequence: 1, hash: Data(repeating: 9, count: 32)))
    }
}

@Test func crossLibraryUnknownDeviceAndUnsupportedVersionAreRejected() throws {
    var f = try SyncFixture()
    let e = try f.nextEnvelope(f.a.id, "x")
    #expect(throws: EnvelopeError.wrongLibrary(expected: LibraryID(rawValue: "lib-2")!, found: f.library)) {
        try SyncEnvelope.open(e.bytes, library: LibraryID(rawValue: "lib-2")!, keyring: f.keyring, after: nil)
    }
    // A second library whose keyring does not know device A.
    let other = try LibraryKeyring.create(library: f.library, founder: DeviceIdentity(name: "stranger"))
    #expect(throws: EnvelopeError.unknownDevice(f.a.id)) { try SyncEnvelope.open(e.bytes, library: f.library, keyring: other, after: nil) }
    var v2 = e.bytes
    v2[4] = 2
    #expect(throws: EnvelopeError.unsupportedVersion(2)) { try SyncEnvelope.parse(v2) }
}

@Test func wrongEpochEnvelopesAreRejected() throws {
    var f = try SyncFixture()
    let afterRevoke = try f.keyring.revoking(f.c.id, lastAcceptedSequence: 0, by: f.a)
    let e = try f.nextEnvelope(f.a.id, "epoch 2", keyring: afterRevoke)
    #expect(try SyncEnvelope.parse(e.bytes).header.epoch == 2)
    // A reader still on the epoch-1 keyring has no key for epoch 2.
    #expect(throws: EnvelopeError.unknownEpoch(2)) { try SyncEnvelope.open(e.bytes, library: f.library, keyring: f.keyring, after: nil) }
    #expect(try SyncEnvelope.open(e.bytes, library: f.library, keyring: afterRevoke, after: nil).payload == Data("epoch 2".utf8))
}
