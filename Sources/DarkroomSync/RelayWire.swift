import Foundation

// The relay's wire types: what `HTTPTransport` and the relay (DarkroomRelay) both speak.
// The routes are listed on ``HTTPTransport``; docs/relay.md has the whole protocol.

/// Extra headers the relay sets on object downloads.
public enum RelayHeaders {
    /// The full size of the stored object, in bytes (also on ranged answers).
    public static let objectSize = "X-Darkroom-Object-Size"
}

/// The JSON of one listing page: names in storage order, the cursor after them, and whether
/// more follow now.
public struct RelayListingPage: Codable, Sendable, Equatable {
    /// Object names.
    public var names: [String]
    /// The cursor to pass as `after` next (an opaque decimal number).
    public var next: String?
    /// Whether another page is available now.
    public var hasMore: Bool

    /// A page with explicit parts.
    public init(names: [String], next: String?, hasMore: Bool) {
        self.names = names
        self.next = next
        self.hasMore = hasMore
    }
}

/// The JSON answer to an upload status request: bytes received in a row from offset 0, and
/// whether the object is already stored.
public struct RelayUploadProgress: Codable, Sendable, Equatable {
    /// Bytes the relay holds from offset 0 on, without gaps.
    public var received: Int
    /// True when the object already exists (nothing more to send; commit to confirm the bytes).
    public var complete: Bool

    /// Progress with explicit parts.
    public init(received: Int, complete: Bool) {
        self.received = received
        self.complete = complete
    }
}

/// The JSON body of a relay error answer.
public struct RelayErrorBody: Codable, Sendable, Equatable {
    /// What went wrong and what to do, for a person.
    public var error: String

    /// An error body.
    public init(error: String) { self.error = error }
}
