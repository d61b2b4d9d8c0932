import Foundation
import NIOConcurrencyHelpers

/// Token buckets keyed by a string (a device or a library), kept in this process's memory:
/// each relay process limits on its own, so N processes allow up to N times the rate.
final class TokenBucketLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let buckets = NIOLockedValueBox<[String: Bucket]>([:])
    private let clock = ContinuousClock()

    /// Takes one token for `key`; nil when granted, else the seconds until one is available.
    func take(_ key: String, limit: RelayConfiguration.RateLimit) -> Int? {
        guard limit.ratePerSecond.isFinite else { return nil }
        let now = clock.now
        return buckets.withLockedValue { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: limit.burst, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(limit.burst, bucket.tokens + seconds * limit.ratePerSecond)
            bucket.updated = now
            defer {
                buckets[key] = bucket
                if buckets.count > 100_000 { buckets = buckets.filter { $0.value.tokens < limit.burst } }
            }
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                return nil
            }
            return max(1, Int(((1 - bucket.tokens) / max(limit.ratePerSecond, 1e-9)).rounded(.up)))
        }
    }
}
