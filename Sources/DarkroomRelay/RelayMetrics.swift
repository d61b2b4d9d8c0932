import Foundation

/// Counters the relay exposes at `/metrics` in the Prometheus text format: requests by
/// route and status, bytes in and out, a latency histogram per route, and refused request
/// signatures by reason. Per process; Prometheus adds the processes up.
public final class RelayMetrics: Sendable {
    private struct RouteStatus: Hashable {
        var route: String
        var status: Int
    }

    private struct Counters {
        var requests: [RouteStatus: Int] = [:]
        var latencyCounts: [String: [Int]] = [:]
        var latencySums: [String: Double] = [:]
        var rejected: [String: Int] = [:]
        var bytesIn: Int64 = 0
        var bytesOut: Int64 = 0
        var objectCacheHits = 0
        var objectCacheMisses = 0
    }

    /// Upper bounds of the latency histogram buckets, in seconds.
    public static let latencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    /// Taken by every request for a few additions: a lock, not an actor, so counting never
    /// suspends a request.
    private let counters = LockedState(Counters())

    /// Request body bytes received.
    public var bytesIn: Int64 { counters.withLock { $0.bytesIn } }
    /// Response body bytes sent.
    public var bytesOut: Int64 { counters.withLock { $0.bytesOut } }

    /// Empty counters.
    public init() {}

    /// Counts one finished request.
    func record(route: String, status: Int, seconds: Double, bytesIn: Int, bytesOut: Int) {
        let index = Self.latencyBuckets.firstIndex { seconds <= $0 } ?? Self.latencyBuckets.count
        counters.withLock { c in
            c.requests[RouteStatus(route: route, status: status), default: 0] += 1
            c.latencyCounts[route, default: Array(repeating: 0, count: Self.latencyBuckets.count + 1)][index] += 1
            c.latencySums[route, default: 0] += seconds
            c.bytesIn += Int64(bytesIn)
            c.bytesOut += Int64(bytesOut)
        }
    }

    /// Counts one refused signature.
    func recordRejectedSignature(reason: String) { counters.withLock { $0.rejected[reason, default: 0] += 1 } }

    /// Counts one object served from memory (`hit`) or read from storage (`RecentObjectCache`).
    func recordObjectCache(hit: Bool) { counters.withLock { if hit { $0.objectCacheHits += 1 } else { $0.objectCacheMisses += 1 } } }

    /// Objects served from memory and read from storage, so far.
    public var objectCache: (hits: Int, misses: Int) { counters.withLock { ($0.objectCacheHits, $0.objectCacheMisses) } }

    /// Requests counted for `route` with `status`.
    public func requestCount(route: String, status: Int) -> Int {
        counters.withLock { $0.requests[RouteStatus(route: route, status: status)] ?? 0 }
    }

    /// Refused signatures counted for `reason`.
    public func rejectedSignatures(reason: String) -> Int { counters.withLock { $0.rejected[reason] ?? 0 } }

    /// The Prometheus text exposition (version 0.0.4).
    public func exposition() -> String {
        let (requests, latencyCounts, latencySums, rejected, bytesIn, bytesOut) = counters.withLock {
            ($0.requests, $0.latencyCounts, $0.latencySums, $0.rejected, $0.bytesIn, $0.bytesOut)
        }
        let cache = objectCache
        var out = "# HELP darkroom_relay_requests_total Requests handled, by route and HTTP status.\n# TYPE darkroom_relay_requests_total counter\n"
        for (key, n) in requests.sorted(by: { ($0.key.route, $0.key.status) < ($1.key.route, $1.key.status) }) {
            out += "darkroom_relay_requests_total{route=\"\(key.route)\",status=\"\(key.status)\"} \(n)\n"
        }
        out += "# HELP darkroom_relay_request_bytes_total Request body bytes received.\n# TYPE darkroom_relay_request_bytes_total counter\n"
        out += "darkroom_relay_request_bytes_total \(bytesIn)\n"
        out += "# HELP darkroom_relay_response_bytes_total Response body bytes sent.\n# TYPE darkroom_relay_response_bytes_total counter\n"
        out += "darkroom_relay_response_bytes_total \(bytesOut)\n"
        out += "# HELP darkroom_relay_object_reads_total Objects served, from this process's memory (hit) or read from storage (miss).\n# TYPE darkroom_relay_object_reads_total counter\n"
        out += "darkroom_relay_object_reads_total{result=\"hit\"} \(cache.hits)\ndarkroom_relay_object_reads_total{result=\"miss\"} \(cache.misses)\n"
        out += "# HELP darkroom_relay_request_duration_seconds Time to answer a request, by route.\n# TYPE darkroom_relay_request_duration_seconds histogram\n"
        for route in latencyCounts.keys.sorted() {
            let counts = latencyCounts[route]!
            var cumulative = 0
            for (i, bound) in Self.latencyBuckets.enumerated() {
                cumulative += counts[i]
                out += "darkroom_relay_request_duration_seconds_bucket{route=\"\(route)\",le=\"\(bound)\"} \(cumulative)\n"
            }
            cumulative += counts.last!
            out += "darkroom_relay_request_duration_seconds_bucket{route=\"\(route)\",le=\"+Inf\"} \(cumulative)\n"
            out += "darkroom_relay_request_duration_seconds_sum{route=\"\(route)\"} \(latencySums[route]!)\n"
            out += "darkroom_relay_request_duration_seconds_count{route=\"\(route)\"} \(cumulative)\n"
        }
        out += "# HELP darkroom_relay_rejected_signatures_total Requests refused for their signature, by reason.\n# TYPE darkroom_relay_rejected_signatures_total counter\n"
        for (reason, n) in rejected.sorted(by: { $0.key < $1.key }) {
            out += "darkroom_relay_rejected_signatures_total{reason=\"\(reason)\"} \(n)\n"
        }
        return out
    }
}
