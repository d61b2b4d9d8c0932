import DarkroomCrypto
import Foundation

/// Where a device's log stands: the sequence number and hash of its newest envelope.
public struct LogHead: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Sequence number of the newest envelope; 0 before the first.
    public var sequence: UInt64
    /// BLAKE2b-256 of the newest envelope's bytes; 32 zero bytes before the first.
    public var hash: Data

    /// A head with explicit parts.
    public init(sequence: UInt64, hash: Data) {
        self.sequence = sequence
        self.hash = hash
    }

    /// The head of an empty log.
    public static let genesis = LogHead(sequence: 0, hash: Data(count: 32))

    /// `#seq:hash-prefix`.
    public var description: String { "#\(sequence):\(ContentHash.hex([UInt8](hash.prefix(4))))" }
}

/// The plaintext header of an envelope. Its canonical encoding is the associated data of
/// the payload encryption and part of what the device signs.
public struct EnvelopeHeader: Sendable, Equatable {
    /// The only envelope format version this code writes and reads.
    public static let formatVersion: UInt8 = 1

    /// The library the envelope belongs to.
    public var library: LibraryID
    /// The one device that writes this log.
    public var device: DeviceID
    /// 1 for the first envelope of the log, then +1 each.
    public var sequence: UInt64
    /// The key epoch the payload is encrypted with.
    public var epoch: UInt32
    /// The hash of envelope `sequence - 1` (32 zero bytes for the first).
    public var previousHash: Data
    /// The writer's clock when the batch was made (its device is the header's device).
    public var clock: HLCTimestamp

    /// A header with explicit parts.
    public init(library: LibraryID, device: DeviceID, sequence: UInt64, epoch: UInt32, previousHash: Data, clock: HLCTimestamp) {
        self.library = library
        self.device = device
        self.sequence = sequence
        self.epoch = epoch
        self.previousHash = previousHash
        self.clock = clock
    }

    /// Canonical bytes: `"DRSE" | version | library (u16 length + UTF-8) | device (u16 + UTF-8) |
    /// sequence u64 | epoch u32 | previous hash (32) | clock ms u64 | clock counter u32`, big-endian.
    public func encoded() -> Data {
        var w = BinaryWriter()
        write(to: &w)
        return w.data
    }

    func write(to w: inout BinaryWriter) {
        w.bytes(SyncEnvelope.magic)
        w.u8(Self.formatVersion)
        w.string(library.rawValue)
        w.string(device.rawValue)
        w.u64(sequence)
        w.u32(epoch)
        w.bytes(previousHash)
        w.u64(clock.physicalMs)
        w.u32(clock.counter)
    }

    static func read(from r: inout BinaryReader) throws -> EnvelopeHeader {
        guard try r.bytes(4, "magic") == SyncEnvelope.magic else { throw SyncError.malformed("not an envelope (bad magic)") }
        let version = try r.u8("version")
        guard version == formatVersion else { throw EnvelopeError.unsupportedVersion(version) }
        guard let library = LibraryID(rawValue: try r.string("library id")) else { throw SyncError.malformed("invalid library id") }
        guard let device = DeviceID(rawValue: try r.string("device id")) else { throw SyncError.malformed("invalid device id") }
        let sequence = try r.u64("sequence")
        let epoch = try r.u32("epoch")
        let previous = try r.bytes(32, "previous hash")
        let ms = try r.u64("clock")
        let counter = try r.u32("clock counter")
        return EnvelopeHeader(library: library, device: device, sequence: sequence, epoch: epoch, previousHash: previous,
                              clock: HLCTimestamp(physicalMs: ms, counter: counter, device: device))
    }
}

/// Which check an envelope failed. Checks run in this order: format, library, membership,
/// signature, revocation, epoch key, chain, payload decryption.
public enum EnvelopeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not a well-formed envelope (truncated, wrong magic, bad lengths).
    case malformed(String)
    /// The envelope uses a format version this build does not read.
    case unsupportedVersion(UInt8)
    /// The envelope belongs to another library.
    case wrongLibrary(expected: LibraryID, found: LibraryID)
    /// The writer is not in the membership list.
    case unknownDevice(DeviceID)
    /// The Ed25519 signature does not verify with the writer's key.
    case badSignature(DeviceID, sequence: UInt64)
    /// The writer was revoked before writing this envelope (its epoch is the revocation
    /// epoch or later, or its sequence is after the last one accepted before revocation).
    case revokedDevice(DeviceID, sequence: UInt64, revokedAfter: UInt64)
    /// No key for the envelope's epoch (this device was revoked, or has an old keyring).
    case unknownEpoch(UInt32)
    /// The sequence number is not the next one: envelopes are missing before it.
    case sequenceGap(DeviceID, expected: UInt64, found: UInt64)
    /// The sequence number was already accepted: a replay.
    case replayed(DeviceID, expected: UInt64, found: UInt64)
    /// The previous-hash does not match the accepted envelope before it: a forked history.
    case chainMismatch(DeviceID, sequence: UInt64)
    /// The payload fails authentication with the epoch key and header.
    case payloadTampered(DeviceID, sequence: UInt64)

    /// Names the failed check.
    public var description: String {
        switch self {
        case .malformed(let s): return "malformed envelope: \(s)"
        case .unsupportedVersion(let v): return "envelope format version \(v) is not supported: update Darkroom on this device"
        case .wrongLibrary(let e, let f): return "envelope belongs to library \(f), not \(e)"
        case .unknownDevice(let d): return "envelope written by \(d), which is not a member of this library"
        case .badSignature(let d, let s): return "signature of envelope \(d)#\(s) does not verify"
        case .revokedDevice(let d, let s, let r): return "envelope \(d)#\(s) was written after the device was revoked (its last accepted envelope is #\(r))"
        case .unknownEpoch(let e): return "no key for epoch \(e)"
        case .sequenceGap(let d, let e, let f): return "envelope \(d)#\(f) skips ahead: expected #\(e)"
        case .replayed(let d, let e, let f): return "envelope \(d)#\(f) was already applied (expected #\(e)): a replay"
        case .chainMismatch(let d, let s): return "envelope \(d)#\(s) does not chain to the previous envelope: a forked history"
        case .payloadTampered(let d, let s): return "payload of envelope \(d)#\(s) fails authentication: tampered"
        }
    }
}

/// An envelope that passed every check.
public struct OpenedEnvelope: Sendable, Equatable {
    /// The verified header.
    public var header: EnvelopeHeader
    /// The decrypted, unpadded payload (the store's batch of changes).
    public var payload: Data
    /// The log's head after this envelope.
    public var head: LogHead
}

/// One batch of changes from one device, as stored in a transport:
///
/// ```
/// header (see EnvelopeHeader.encoded)
/// sealed payload length (u32) | nonce (24) | XChaCha20-Poly1305(padded payload, AD = header) | tag (16)
/// Ed25519 signature (64) over everything above
/// ```
/// The payload is padded (`sodium_pad`, 256-byte blocks) before encryption. The envelope's
/// hash (chained by the next one) is BLAKE2b-256 of all its bytes.
public enum SyncEnvelope {
    static let magic = Data("DRSE".utf8)
    /// Payloads are padded to a multiple of this many bytes.
    public static let paddingBlockSize = 256
    /// The largest sealed payload accepted.
    public static let maximumPayloadBytes = 64 << 20

    /// Encrypts, signs and encodes an envelope.
    public static func seal(payload: Data, header: EnvelopeHeader, key: SymmetricKey, signer: SigningKeyPair) throws -> Data {
        guard header.previousHash.count == 32 else { throw SyncError.malformed("previous hash must be 32 bytes") }
        var w = BinaryWriter()
        header.write(to: &w)
        let ad = w.data
        w.blob(AEAD.seal(try Padding.pad(payload, blockSize: paddingBlockSize), key: key, associatedData: ad))
        w.bytes(signer.sign(w.data))
        return w.data
    }

    /// The parts of an envelope before any check but the format.
    public struct Parsed: Sendable {
        /// The header as written (unverified).
        public var header: EnvelopeHeader
        /// BLAKE2b-256 of the whole envelope.
        public var hash: Data
        let headerBytes: Data
        let sealedPayload: Data
        let signedBytes: Data
        let signature: Data
    }

    /// Decodes the framing without verifying anything.
    /// - Throws: `EnvelopeError.malformed` or `.unsupportedVersion`.
    public static func parse(_ bytes: Data) throws -> Parsed {
        do {
            var r = BinaryReader(bytes)
            let header = try EnvelopeHeader.read(from: &r)
            let headerEnd = r.offset
            let sealed = try r.blob("sealed payload", maximum: maximumPayloadBytes + 1024)
            let signedEnd = r.offset
            let signature = try r.bytes(SigningPublicKey.signatureByteCount, "signature")
            guard r.isAtEnd else { throw SyncError.malformed("bytes after the signature") }
            let data = r.data
            return Parsed(header: header, hash: try GenericHash.hash(data), headerBytes: data.prefix(headerEnd),
                          sealedPayload: sealed, signedBytes: data.prefix(signedEnd), signature: signature)
        } catch let e as EnvelopeError {
            throw e
        } catch let SyncError.malformed(reason) {
            throw EnvelopeError.malformed(reason)
        }
    }

    /// Runs every check and decrypts. With `head`, the envelope must be the next one of that
    /// log (`sequence == head.sequence + 1`, `previousHash == head.hash`).
    public static func open(_ bytes: Data, library: LibraryID, keyring: LibraryKeyring, after head: LogHead?) throws -> OpenedEnvelope {
        try open(try parse(bytes), library: library, keyring: keyring, after: head)
    }

    /// Runs every check after `parse` and decrypts.
    public static func open(_ parsed: Parsed, library: LibraryID, keyring: LibraryKeyring, after head: LogHead?) throws -> OpenedEnvelope {
        let h = parsed.header
        guard h.library == library else { throw EnvelopeError.wrongLibrary(expected: library, found: h.library) }
        try verifySignature(parsed, membership: keyring.membership)
        if let member = keyring.membership.member(h.device), let revokedFrom = member.revokedFromEpoch,
           h.epoch >= revokedFrom || h.sequence > (member.revokedAfterSequence ?? 0) {
            throw EnvelopeError.revokedDevice(h.device, sequence: h.sequence, revokedAfter: member.revokedAfterSequence ?? 0)
        }
        guard let key = try? keyring.key(forEpoch: h.epoch) else { throw EnvelopeError.unknownEpoch(h.epoch) }
        if let head {
            if h.sequence <= head.sequence { throw EnvelopeError.replayed(h.device, expected: head.sequence + 1, found: h.sequence) }
            if h.sequence > head.sequence + 1 { throw EnvelopeError.sequenceGap(h.device, expected: head.sequence + 1, found: h.sequence) }
            guard ConstantTime.equals(h.previousHash, head.hash) else { throw EnvelopeError.chainMismatch(h.device, sequence: h.sequence) }
        }
        let padded: Data
        do { padded = try AEAD.open(parsed.sealedPayload, key: key, associatedData: parsed.headerBytes) } catch {
            throw EnvelopeError.payloadTampered(h.device, sequence: h.sequence)
        }
        guard let payload = try? Padding.unpad(padded, blockSize: paddingBlockSize) else {
            throw EnvelopeError.payloadTampered(h.device, sequence: h.sequence)
        }
        return OpenedEnvelope(header: h, payload: payload, head: LogHead(sequence: h.sequence, hash: parsed.hash))
    }

    /// Checks membership and the signature only (no key needed).
    static func verifySignature(_ parsed: Parsed, membership: MembershipList) throws {
        let h = parsed.header
        guard let member = membership.member(h.device) else { throw EnvelopeError.unknownDevice(h.device) }
        guard member.card.signingKey.isValidSignature(parsed.signature, for: parsed.signedBytes) else {
            throw EnvelopeError.badSignature(h.device, sequence: h.sequence)
        }
    }
}

/// Writes one device's log: numbers envelopes, chains their hashes and names them.
/// Persist it (Codable) together with the store's transaction that produced each batch.
public struct LogWriter: Sendable, Codable, Equatable {
    /// The library written to.
    public let library: LibraryID
    /// The writing device.
    public let device: DeviceID
    /// The newest envelope written.
    public private(set) var head: LogHead

    /// A writer continuing after `head` (genesis for a new log).
    public init(library: LibraryID, device: DeviceID, head: LogHead = .genesis) {
        self.library = library
        self.device = device
        self.head = head
    }

    /// Seals `payload` as the next envelope with the keyring's current epoch, and returns
    /// its name and bytes. Put it in the transport before writing the next one.
    public mutating func append(_ payload: Data, clock: HLCTimestamp, keyring: LibraryKeyring, identity: DeviceIdentity) throws -> (name: ObjectName, bytes: Data) {
        guard identity.id == device, clock.device == device else { throw SyncError.malformed("the identity and clock must be those of the log's device \(device)") }
        guard keyring.membership.member(device)?.isActive == true else { throw SyncError.notAMember(device) }
        let header = EnvelopeHeader(library: library, device: device, sequence: head.sequence + 1, epoch: keyring.currentEpoch,
                                    previousHash: head.hash, clock: clock)
        let bytes = try SyncEnvelope.seal(payload: payload, header: header, key: keyring.currentKey, signer: identity.signing)
        head = LogHead(sequence: header.sequence, hash: try GenericHash.hash(bytes))
        return (SyncObjectName.log(device, sequence: header.sequence).objectName, bytes)
    }
}
