import Foundation

/// The relay's limits and policies. The defaults suit one person's few devices per library
/// on a small server; every value can be changed.
public struct RelayConfiguration: Sendable {
    /// A token bucket: `ratePerSecond` tokens are added each second, up to `burst`.
    public struct RateLimit: Sendable, Equatable {
        /// Sustained requests per second.
        public var ratePerSecond: Double
        /// Requests allowed at once after a quiet period.
        public var burst: Double

        /// A limit with explicit parts.
        public init(ratePerSecond: Double, burst: Double) {
            self.ratePerSecond = ratePerSecond
            self.burst = burst
        }

        /// No limit at all.
        public static let unlimited = RateLimit(ratePerSecond: .infinity, burst: .infinity)
    }

    /// Largest object put in one request, except blobs (envelopes, checkpoints, keyrings…).
    public var maxObjectBytes: Int = 4 << 20
    /// Largest blob put in one request, and largest upload part.
    public var maxPartBytes: Int = 8 << 20
    /// Largest blob assembled from an upload.
    public var maxBlobBytes: Int64 = 2 << 30
    /// Largest unsigned join request.
    public var maxJoinBytes: Int = 64 << 10
    /// How far a request's timestamp may be from the relay's clock, in seconds.
    public var signatureWindowSeconds: Int64 = 300
    /// Requests per device (all of its libraries' requests signed by it). A first sync of a
    /// phone's library puts one blob per picture: the burst lets a few thousand go at full speed,
    /// then clients slow to the rate, waiting out each 429 as its `Retry-After` asks.
    public var deviceRateLimit = RateLimit(ratePerSecond: 100, burst: 1000)
    /// Requests per library (all devices together).
    public var libraryRateLimit = RateLimit(ratePerSecond: 400, burst: 4000)
    /// Unsigned join requests per library.
    public var joinRateLimit = RateLimit(ratePerSecond: 0.2, burst: 5)
    /// How long parts of an uncommitted blob upload are kept (seconds): a day.
    public var staleUploadSeconds: Int64 = 24 * 3600
    /// Most names per listing page.
    public var maxPageSize: Int = 1000
    /// Memory for copies of recently served small objects (up to 64 KiB each), per relay
    /// process; 0 keeps none. Objects are write-once, so a copy is never stale
    /// (docs/relay.md, "What each process keeps in memory").
    public var objectCacheBytes: Int = 32 << 20

    /// The defaults.
    public init() {}
}
