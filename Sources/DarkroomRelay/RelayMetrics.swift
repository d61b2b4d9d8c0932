import CoreMetrics
import Foundation
import NIOConcurrencyHelpers
import Prometheus

/// The relay's counters, recorded through swift-metrics into a Prometheus registry of this
/// server's own (so several relays in one process, as in tests, keep separate counts) and
/// served at `/metrics` by swift-prometheus's exporter: requests by route and status, bytes
/// in and out, a latency histogram per route, refused request signatures by reason, and
/// objects served from memory or storage. Per process; Prometheus adds the processes up.
public final class RelayMetrics: Sendable {
    /// Upper bounds of the latency histogram buckets, in seconds.
    public static let latencyBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private enum Name {
        static let requests = "darkroom_relay_requests_total", bytesIn = "darkroom_relay_request_bytes_total"
        static let bytesOut = "darkroom_relay_response_bytes_total", duration = "darkroom_relay_request_duration_seconds"
        static let rejected = "darkroom_relay_rejected_signatures_total", objectReads = "darkroom_relay_object_reads_total"
    }

    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let received: CoreMetrics.Counter
    private let sent: CoreMetrics.Counter
    private let objectHits: CoreMetrics.Counter
    private let objectMisses: CoreMetrics.Counter
    /// The per-route handles, made once each: a request takes one lock to find its own, rather
    /// than the registry's lookup by name and labels (the request path's cost stays as it was).
    private let routes = NIOLockedValueBox<[String: RouteHandles]>([:])

    private struct RouteHandles {
        var duration: CoreMetrics.Timer
        var requests: [Int: CoreMetrics.Counter] = [:]
    }

    /// Empty counters.
    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[Name.duration] = Self.latencyBuckets.map { Duration.nanoseconds(Int64(($0 * 1e9).rounded())) }
        self.factory = factory
        received = CoreMetrics.Counter(label: Name.bytesIn, factory: factory)
        sent = CoreMetrics.Counter(label: Name.bytesOut, factory: factory)
        objectHits = CoreMetrics.Counter(label: Name.objectReads, dimensions: [("result", "hit")], factory: factory)
        objectMisses = CoreMetrics.Counter(label: Name.objectReads, dimensions: [("result", "miss")], factory: factory)
    }

    /// Counts one finished request.
    func record(route: String, status: Int, duration: Duration, bytesIn: Int, bytesOut: Int) {
        let (requests, timer) = routes.withLockedValue { routes in
            var handles = routes[route]
                ?? RouteHandles(duration: CoreMetrics.Timer(label: Name.duration, dimensions: [("route", route)], factory: factory))
            let counter = handles.requests[status]
                ?? CoreMetrics.Counter(label: Name.requests, dimensions: [("route", route), ("status", String(status))], factory: factory)
            if handles.requests[status] == nil {
                handles.requests[status] = counter
                routes[route] = handles
            }
            return (counter, handles.duration)
        }
        requests.increment()
        timer.record(duration: duration)
        received.increment(by: bytesIn)
        sent.increment(by: bytesOut)
    }

    /// Counts one refused signature.
    func recordRejectedSignature(reason: String) {
        CoreMetrics.Counter(label: Name.rejected, dimensions: [("reason", reason)], factory: factory).increment()
    }

    /// Counts one object served from memory (`hit`) or read from storage (`RecentObjectCache`).
    func recordObjectCache(hit: Bool) { (hit ? objectHits : objectMisses).increment() }

    /// The Prometheus text exposition (version 0.0.4), as swift-prometheus writes it.
    public func exposition() -> String { registry.emitToString() }

    // MARK: Reading counts back (tests, benchmarks): from the exposition, the one source of truth.

    /// Request body bytes received.
    public var bytesIn: Int64 { Int64(value(Name.bytesIn)) }
    /// Response body bytes sent.
    public var bytesOut: Int64 { Int64(value(Name.bytesOut)) }
    /// Objects served from memory and read from storage, so far.
    public var objectCache: (hits: Int, misses: Int) {
        (value(Name.objectReads, labels: "result=\"hit\""), value(Name.objectReads, labels: "result=\"miss\""))
    }

    /// Requests counted for `route` with `status`.
    public func requestCount(route: String, status: Int) -> Int {
        value(Name.requests, labels: "route=\"\(route)\",status=\"\(status)\"")
    }

    /// Refused signatures counted for `reason`.
    public func rejectedSignatures(reason: String) -> Int { value(Name.rejected, labels: "reason=\"\(reason)\"") }

    /// The value of the sample `name{labels}` in the exposition (0 when absent).
    private func value(_ name: String, labels: String? = nil) -> Int {
        let key = labels.map { "\(name){\($0)} " } ?? "\(name) "
        for line in exposition().split(separator: "\n") where line.hasPrefix(key) {
            return Int(Double(line.dropFirst(key.count)) ?? 0)
        }
        return 0
    }
}
