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

    /// A message that says what failed and what to do.
    public var description: String {
        switch self {
        case .notFound(let n): return "object \(n) is not in the transport (yet): sync again later"
        case .conflict(let n): return "object \(n) already exists with different contents; objects are write-once"
        case .invalidCursor(let s): return "invalid transport cursor (\(s)): list again from the start"
        case .io(let s): return "transport storage error: \(s)"
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
