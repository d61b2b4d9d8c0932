import DarkroomCrypto
import Foundation

/// A device's signed statement of how far it has seen every log of the library. Other
/// devices compare it with what the transport shows them: a log shorter than a checkpoint
/// says means the transport withholds its tail; a different hash at the same sequence
/// means a forked history.
///
/// Format: `"DRCP" | 0x01 | library | signer | counter u64 | entry count u32 |
/// entries (device string, sequence u64, hash 32), sorted by device | Ed25519 signature (64)`.
public struct Checkpoint: Sendable, Equatable {
    /// The library.
    public var library: LibraryID
    /// The device making the statement.
    public var signer: DeviceID
    /// Rises with every checkpoint the signer makes; older ones are ignored.
    public var counter: UInt64
    /// The newest envelope the signer has verified, per log (its own included).
    public var heads: [DeviceID: LogHead]

    /// A checkpoint with explicit parts.
    public init(library: LibraryID, signer: DeviceID, counter: UInt64, heads: [DeviceID: LogHead]) {
        self.library = library
        self.signer = signer
        self.counter = counter
        self.heads = heads
    }

    private static let magic = Data("DRCP".utf8)

    /// Encodes and signs as `identity` (which must be `signer`).
    public func signed(by identity: DeviceIdentity) throws -> Data {
        guard identity.id == signer else { throw SyncError.malformed("a checkpoint must be signed by its signer \(signer)") }
        var w = BinaryWriter()
        w.bytes(Self.magic)
        w.u8(1)
        w.string(library.rawValue)
        w.string(signer.rawValue)
        w.u64(counter)
        w.u32(UInt32(heads.count))
        for (device, head) in heads.sorted(by: { $0.key < $1.key }) {
            w.string(device.rawValue)
            w.u64(head.sequence)
            w.bytes(head.hash)
        }
        w.bytes(identity.signing.sign(w.data))
        return w.data
    }

    /// Decodes and verifies a signed checkpoint against `membership` and `library`. The signer
    /// must be an active member: a revoked device could otherwise keep publishing claims that
    /// make others report withholding or forks.
    public static func open(_ bytes: Data, library: LibraryID, membership: MembershipList) throws -> Checkpoint {
        var r = BinaryReader(bytes)
        guard try r.bytes(4, "checkpoint magic") == magic else { throw SyncError.malformed("not a checkpoint (bad magic)") }
        let version = try r.u8("checkpoint version")
        guard version == 1 else { throw SyncError.malformed("checkpoint version \(version) is not supported") }
        guard let lib = LibraryID(rawValue: try r.string("library")) else { throw SyncError.malformed("invalid library id") }
        guard let signer = DeviceID(rawValue: try r.string("signer")) else { throw SyncError.malformed("invalid signer id") }
        let counter = try r.u64("counter")
        let count = try r.u32("entry count")
        guard count <= 100_000 else { throw SyncError.malformed("checkpoint claims \(count) logs") }
        var heads: [DeviceID: LogHead] = [:]
        for _ in 0..<count {
            guard let d = DeviceID(rawValue: try r.string("device")) else { throw SyncError.malformed("invalid device id") }
            let seq = try r.u64("sequence")
            heads[d] = LogHead(sequence: seq, hash: try r.bytes(32, "hash"))
        }
        let signedEnd = r.offset
        let signature = try r.bytes(64, "signature")
        guard r.isAtEnd else { throw SyncError.malformed("bytes after the checkpoint signature") }
        guard lib == library else { throw EnvelopeError.wrongLibrary(expected: library, found: lib) }
        guard let member = membership.member(signer) else { throw EnvelopeError.unknownDevice(signer) }
        if member.revokedFromEpoch != nil {
            throw EnvelopeError.revokedDevice(signer, sequence: counter, revokedAfter: member.revokedAfterSequence ?? 0)
        }
        guard member.card.signingKey.isValidSignature(signature, for: bytes.prefix(signedEnd)) else {
            throw EnvelopeError.badSignature(signer, sequence: counter)
        }
        return Checkpoint(library: lib, signer: signer, counter: counter, heads: heads)
    }
}
