import Foundation

/// Where a transport's listing stopped; opaque to callers, meaningful only to the transport
/// that made it. Persist it to resume listing later.
public struct TransportCursor: RawRepresentable, Sendable, Hashable, Codable {
    /// The transport-specific encoding.
    public let rawValue: String
    /// Wraps a transport-specific encoding.
    public init(rawValue: String) { self.rawValue = rawValue }
}

/// One page of a listing.
public struct TransportListing: Sendable, Equatable {
    /// Names added after the cursor, in the transport's order. A name may appear again in a
    /// later listing (readers must be idempotent).
    public var names: [ObjectName]
    /// Where to continue; pass it to the next `list(after:)`.
    public var nextCursor: TransportCursor?
    /// Whether another call would return more names right now.
    public var hasMore: Bool

    /// A listing page.
    public init(names: [ObjectName], nextCursor: TransportCursor?, hasMore: Bool) {
        self.names = names
        self.nextCursor = nextCursor
        self.hasMore = hasMore
    }
}

/// Why a transport operation failed.
public enum TransportError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No object has this name (or it is not visible yet).
    case notFound(ObjectName)
    /// An object with this name exists with different bytes; names are write-once.
    case conflict(ObjectName)
    /// The cursor did not come from this transport.
    case invalidCursor(String)
    /// The underlying storage failed.
    case io(String)
    /// The relay refused the device (HTTP 401 or 403): a bad or expired signature, a
    /// device that is not (or no longer) a member, or a write it may not make.
    case unauthorized(String)
    /// The relay could not be reached (connection refused, DNS, timeout) after the retries.
    case unreachable(String)
    /// The TLS connection to the relay failed (certificate not trusted, wrong host name).
    case tls(String)
    /// The relay is limiting this device or library; try again after this many seconds.
    case rateLimited(retryAfterSeconds: Int)
    /// The relay rejected the request for another reason (HTTP status and its message).
    case rejected(status: Int, message: String)

    /// A message that says what failed and what to do.
    public var description: String {
        switch self {
        case .notFound(let n): return "object \(n) is not in the transport (yet): sync again later"
        case .conflict(let n): return "object \(n) already exists with different contents; objects are write-once"
        case .invalidCursor(let s): return "invalid transport cursor (\(s)): list again from the start"
        case .io(let s): return "transport storage error: \(s)"
        case .unauthorized(let s): return "the relay refused this device: \(s)"
        case .unreachable(let s): return "the relay cannot be reached (\(s)): check the address and the network, then sync again"
        case .tls(let s): return "TLS connection to the relay failed (\(s)): check the relay's certificate and address"
        case .rateLimited(let n): return "the relay is rate-limiting this device or library: sync again in \(n) s"
        case .rejected(let status, let message): return "the relay rejected the request (HTTP \(status)): \(message)"
        }
    }
}

/// Moves opaque, already-encrypted objects between the devices of one library. It never
/// sees plaintext and is not trusted: everything read from it is verified by the reader.
///
/// Implementations: `InMemoryTransport` (tests, adversarial modes) and `FolderTransport`
/// (a shared folder). An HTTP relay fits the same three calls.
public protocol SyncTransport: Sendable {
    /// Stores `object` under `name`. Idempotent: storing the same bytes again succeeds;
    /// different bytes under an existing name throw `TransportError.conflict`.
    func put(_ object: Data, name: ObjectName) async throws
    /// Names stored after `cursor` (from the beginning when nil), one page at a time.
    func list(after cursor: TransportCursor?) async throws -> TransportListing
    /// The bytes stored under `name`.
    func get(_ name: ObjectName) async throws -> Data
    /// Whether an object is stored under `name`, without fetching it where the transport can
    /// (the freshness check asks this of every log's newest verified envelope on every run).
    func contains(_ name: ObjectName) async throws -> Bool
}

extension SyncTransport {
    /// Fetches the object to tell: transports that can ask more cheaply implement their own.
    public func contains(_ name: ObjectName) async throws -> Bool {
        do {
            _ = try await get(name)
            return true
        } catch TransportError.notFound {
            return false
        }
    }
}

extension SyncTransport {
    /// Every name after `cursor`, following pages, and the final cursor.
    public func listAll(after cursor: TransportCursor?) async throws -> (names: [ObjectName], cursor: TransportCursor?) {
        var names: [ObjectName] = []
        var current = cursor
        while true {
            let page = try await list(after: current)
            names += page.names
            current = page.nextCursor ?? current
            if !page.hasMore { return (names, current) }
        }
    }
}
