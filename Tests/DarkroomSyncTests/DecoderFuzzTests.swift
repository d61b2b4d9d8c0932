import DarkroomCrypto
import Foundation
import Testing
@testable import DarkroomSync

/// A small deterministic generator so failures reproduce.
private struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// Random truncations, bit flips, insertions and length-field overwrites of `valid`.
private func mutations(of valid: Data, count: Int, seed: UInt64) -> [Data] {
    var rng = SplitMix64(state: seed)
    return (0..<count).map { _ in
        var d = valid
        switch rng.below(4) {
        case 0: d = d.prefix(rng.below(d.count))
        case 1: for _ in 0...rng.below(4) { d[rng.below(d.count)] ^= UInt8(1 << rng.below(8)) }
        case 2: d.insert(UInt8(rng.below(256)), at: rng.below(d.count))
        default:
            let at = rng.below(max(1, d.count - 4))
            for i in 0..<4 { d[at + i] = 0xff }
        }
        return d
    }
}

@Test func mutatedEnvelopesAndCheckpointsNeverCrashOrVerify() throws {
    var f = try SyncFixture()
    let e = try f.nextEnvelope(f.a.id, "payload")
    var verifier = LogVerifier(library: f.library)
    var report = PullReport()
    verifier.ingest([(e.name, e.bytes)], listingOrder: [e.name], keyring: f.keyring, into: &report)
    let checkpoint = try verifier.makeCheckpoint(by: f.a, counter: 1).bytes
    for m in mutations(of: e.bytes, count: 400, seed: 1) where m != e.bytes {
        #expect(throws: EnvelopeError.self) { try SyncEnvelope.open(m, library: f.library, keyring: f.keyring, after: .genesis) }
    }
    for m in mutations(of: checkpoint, count: 400, seed: 2) where m != checkpoint {
        #expect(throws: (any Error).self) { try Checkpoint.open(m, library: f.library, membership: f.keyring.membership) }
    }
}

@Test func mutatedSealedFormatsNeverCrashOrOpen() throws {
    let key = SymmetricKey()
    let stream = try SecretStream.encrypt(Data(repeating: 1, count: 3000), key: key, chunkSize: 1024)
    for m in mutations(of: stream, count: 300, seed: 3) where m != stream {
        #expect(throws: CryptoError.self) { try SecretStream.decrypt(m, key: key) }
    }
    let keyring = KeyringFile.seal(Data("keys".utf8), deviceKey: key)
    for m in mutations(of: keyring, count: 300, seed: 4) where m != keyring {
        #expect(throws: CryptoError.self) { try KeyringFile.open(m, deviceKey: key) }
    }
    let identity = DeviceIdentity(name: "x")
    let sealedKeyring = try LibraryKeyring.create(founder: identity).sealed(for: identity.card)
    for m in mutations(of: sealedKeyring, count: 100, seed: 5) where m != sealedKeyring {
        #expect(throws: (any Error).self) { try LibraryKeyring.open(m, as: identity) }
    }
}
