import DarkroomCrypto
import DarkroomSync
import Foundation

/// A device of a library as the relay knows it: from the library's signed membership.
public struct RelayDeviceRecord: Sendable, Equatable {
    /// The device id.
    public var device: DeviceID
    /// Its Ed25519 public key, which verifies its request signatures.
    public var signingKey: SigningPublicKey
    /// False once a membership version revoked it.
    public var active: Bool

    /// A record with explicit parts.
    public init(device: DeviceID, signingKey: SigningPublicKey, active: Bool) {
        self.device = device
        self.signingKey = signingKey
        self.active = active
    }
}

/// The newest membership version a library's relay storage holds.
public struct RelayMembershipState: Sendable, Equatable {
    /// The membership version.
    public var version: UInt64
    /// The `membership/<version>` object's bytes (a `SignedMembership` as JSON).
    public var bytes: Data

    /// A state with explicit parts.
    public init(version: UInt64, bytes: Data) {
        self.version = version
        self.bytes = bytes
    }
}

/// A membership change to apply in the same transaction as storing its object: moves the
/// library from `version - 1` to `version` and replaces the device list.
public struct RelayMembershipChange: Sendable, Equatable {
    /// The new version.
    public var version: UInt64
    /// Every device of the new version, revoked ones included.
    public var devices: [RelayDeviceRecord]

    /// A change with explicit parts.
    public init(version: UInt64, devices: [RelayDeviceRecord]) {
        self.version = version
        self.devices = devices
    }
}

/// What a put did.
public enum RelayPutOutcome: Sendable, Equatable {
    /// The object is new.
    case stored
    /// The same bytes were already stored under the name (an idempotent retry).
    case alreadyStored
    /// Other bytes are stored under the name.
    case conflict
}

/// What committing an upload did.
public enum RelayCommitOutcome: Sendable, Equatable {
    /// The result of storing the assembled object.
    case put(RelayPutOutcome)
    /// Parts are missing: only this many bytes from offset 0 are there.
    case incomplete(received: Int64)
    /// The assembled bytes do not have the digest the client announced; the parts were dropped.
    case digestMismatch
}

/// Size and BLAKE2b-256 of a stored object.
public struct RelayObjectInfo: Sendable, Equatable {
    /// Bytes.
    public var size: Int64
    /// BLAKE2b-256 of the bytes.
    public var digest: Data

    /// Info with explicit parts.
    public init(size: Int64, digest: Data) {
        self.size = size
        self.digest = digest
    }
}

/// One listed object: its storage sequence number in its library and its name.
public struct RelayListedObject: Sendable, Equatable {
    /// Position in the library's storage order (the listing cursor).
    public var sequence: Int64
    /// The object name.
    public var name: ObjectName

    /// An entry with explicit parts.
    public init(sequence: Int64, name: ObjectName) {
        self.sequence = sequence
        self.name = name
    }
}

/// Why relay storage failed.
/// A signed request's nonce, to record as used until `expiresAt` (seconds since 1970); made by
/// the relay from a verified request and handed to its storage.
public struct RelayNonceUse: Sendable, Equatable {
    /// The nonce, 32 hex digits.
    public var nonce: String
    /// The signing device.
    public var device: DeviceID
    /// When the signature's window closes: its timestamp plus the window, plus one second.
    public var expiresAt: Int64
}

public enum RelayStorageError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The library has no membership on this relay yet.
    case unknownLibrary(LibraryID)
    /// Another membership change was stored first.
    case staleMembership(expected: UInt64)
    /// The database failed.
    case database(String)
    /// The storage location does not parse.
    case badLocation(String)
    /// The request's nonce was already used (`RelayStorage.put`).
    case replayedNonce

    /// What failed and what to do.
    public var description: String {
        switch self {
        case .unknownLibrary(let l): return "library \(l) is unknown to this relay: a member must upload its first membership version"
        case .staleMembership(let v): return "the membership changed meanwhile (now past version \(v - 1)): fetch the newest membership and try again"
        case .database(let s): return "relay storage error: \(s)"
        case .badLocation(let s): return "invalid storage \"\(s)\": use sqlite:PATH or postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE"
        case .replayedNonce: return RelayRequestSignature.Failure.replayed.description
        }
    }
}

/// Where the relay keeps everything: libraries, their membership and device keys, objects
/// (in chunks, so large ones stream), staged upload parts and used request nonces. Every
/// relay process is stateless; all shared state is here, so several processes can serve
/// one PostgreSQL database.
///
/// Objects get a per-library sequence number under a lock on the library's row, so a
/// listing by sequence never skips an object that commits later with a lower number.
public protocol RelayStorage: Sendable {
    /// Creates or upgrades the tables (safe to run from several processes at once).
    func prepare() async throws
    /// The device's record in `library`, nil when it was never a member.
    func device(_ device: DeviceID, in library: LibraryID) async throws -> RelayDeviceRecord?
    /// The newest membership of `library`, nil when the library is unknown.
    func membership(of library: LibraryID) async throws -> RelayMembershipState?
    /// Creates `library` with its first membership (stored as object `name`); false when the
    /// library already exists.
    func createLibrary(_ library: LibraryID, membershipName name: ObjectName, bytes: Data, devices: [RelayDeviceRecord]) async throws -> Bool
    /// Stores an object of an existing library, write-once, with a membership change applied
    /// atomically when given.
    ///
    /// `nonce`, the signed request's, is recorded in the same transaction, and a used one throws
    /// `RelayStorageError.replayedNonce` with nothing stored. One transaction rather than two: a
    /// put then waits for one commit, not for a nonce commit and then its own flushed one (puts
    /// were the whole p99 of the relay under load, docs/benchmarks.md, "Relay").
    func put(_ bytes: Data, name: ObjectName, in library: LibraryID, membership: RelayMembershipChange?, nonce: RelayNonceUse?) async throws -> RelayPutOutcome
    /// Size and digest of a stored object, nil when absent.
    func info(_ name: ObjectName, in library: LibraryID) async throws -> RelayObjectInfo?
    /// The stored chunk that contains byte `offset`, or nil past the end.
    func chunk(of name: ObjectName, in library: LibraryID, containing offset: Int64) async throws -> (offset: Int64, data: Data)?
    /// Objects after sequence `after`, at most `limit`, and whether more follow.
    func list(_ library: LibraryID, after: Int64, limit: Int) async throws -> (objects: [RelayListedObject], hasMore: Bool)
    /// Stages one part of an upload at `offset` (a part already there is kept).
    func stagePart(_ data: Data, at offset: Int64, name: ObjectName, in library: LibraryID) async throws
    /// Bytes staged without gaps from offset 0; parts beyond the first gap are dropped.
    func stagedPrefix(of name: ObjectName, in library: LibraryID) async throws -> Int64
    /// Assembles the staged parts into the object when they cover exactly `size` bytes with
    /// BLAKE2b-256 `digest`.
    func commitUpload(_ name: ObjectName, in library: LibraryID, size: Int64, digest: Data) async throws -> RelayCommitOutcome
    /// Records a request nonce; false when it was already used.
    ///
    /// `expiresAt` is a function of the signed timestamp, so a replayed request carries the same
    /// `expiresAt` as the original: both back ends key used nonces by `(expires_at, library,
    /// device, nonce)`, one index whose inserts land at its end (timestamps grow) and whose
    /// expired entries are a range at its start. Keyed by the random nonce first, every insert
    /// dirtied a different page of the index: a profile under load showed the relay writing
    /// 75 MB/s for 4,000 requests/s (docs/benchmarks.md, "Relay").
    func useNonce(_ nonce: String, device: DeviceID, library: LibraryID, expiresAt: Int64) async throws -> Bool
    /// Forgets nonces that expired before `time` (seconds since 1970).
    func purgeNonces(expiredBefore time: Int64) async throws
    /// Drops the parts of blob uploads begun before `time` (seconds since 1970) and never
    /// committed: a device resumes an upload within the run that began it, or records it and
    /// uploads a new blob later, so nothing refers to such parts.
    func purgeStaleUploads(startedBefore time: Int64) async throws
    /// Every stored byte of every object of `library`, chunk by chunk (tests and audits).
    func rawBytes(of library: LibraryID) async throws -> [Data]
}

/// Logic both storage back ends share.
enum RelayStorageSupport {
    /// Stored chunk size for objects put in one request.
    static let chunkBytes = 256 << 10

    /// BLAKE2b-256 of an object.
    static func digest(_ data: Data) -> Data { try! GenericHash.hash(data) }

    /// `data` split into stored chunks: (offset, bytes).
    static func chunks(_ data: Data) -> [(Int64, Data)] {
        if data.isEmpty { return [(0, Data())] }
        return stride(from: 0, to: data.count, by: chunkBytes).map { start in
            (Int64(start), data.subdata(in: data.startIndex + start ..< data.startIndex + min(start + chunkBytes, data.count)))
        }
    }

    /// The contiguous prefix of parts given as (offset, length) sorted by offset, and the
    /// offsets of parts that do not belong to it.
    static func contiguousPrefix(_ parts: [(offset: Int64, length: Int64)]) -> (end: Int64, stray: [Int64]) {
        var end: Int64 = 0
        var stray: [Int64] = []
        for part in parts {
            if part.offset == end && (part.length > 0 || end == 0) { end += part.length } else { stray.append(part.offset) }
        }
        return (end, stray)
    }
}
