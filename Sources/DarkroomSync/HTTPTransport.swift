import DarkroomCrypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A transport over a Darkroom relay (`darkroom-relay serve`), speaking its HTTP API
/// (docs/relay.md; the JSON bodies are in RelayWire.swift):
///
/// - `PUT /v1/libraries/{library}/objects/{name}`: store an object (write-once; 409 on
///   different bytes);
/// - `GET /v1/libraries/{library}/objects/{name}`: read it (`Range: bytes=N-` resumes);
/// - `GET /v1/libraries/{library}/objects?after=CURSOR&limit=N`: list names in storage order;
/// - `GET|PUT|POST /v1/libraries/{library}/uploads/{name}`: a resumable upload of a large
///   blob in parts (received size; one part at `?offset=`; commit with `?size=&digest=`).
///
/// Every request is signed by `identity` (see `RelayRequestSignature`) except the two the
/// relay serves to anyone: `PUT join/…` (a join request) and `GET recovery/…`. With a nil
/// identity only those two work.
///
/// Connection errors and 5xx answers are retried with exponential backoff (bounded by
/// `RetryPolicy`), each try freshly signed. Blobs above `partSize` are uploaded in parts
/// and resume from what the relay already has; a download cut off midway resumes with a
/// ranged request. HTTP goes through Foundation's `URLSession` (``RelayHTTPClient``), so the
/// transport pulls in no server stack.
public struct HTTPTransport: SyncTransport {
    /// How often and how fast to retry connection errors and 5xx answers.
    public struct RetryPolicy: Sendable {
        /// Tries in all (1: no retry).
        public var attempts: Int
        /// Wait before the second try; doubles each time.
        public var initialDelay: Duration
        /// Longest wait between two tries.
        public var maximumDelay: Duration
        /// How long one request waits in all while the relay answers 429 (rate limited) or 503
        /// (busy), each time as its `Retry-After` asks; past that the request fails with
        /// ``TransportError/rateLimited(retryAfterSeconds:)``.
        public var rateLimitPatience: Duration

        /// A policy with explicit parts.
        public init(attempts: Int = 6, initialDelay: Duration = .milliseconds(100), maximumDelay: Duration = .seconds(2),
                    rateLimitPatience: Duration = .seconds(120)) {
            self.attempts = max(1, attempts)
            self.initialDelay = initialDelay
            self.maximumDelay = maximumDelay
            self.rateLimitPatience = rateLimitPatience
        }
    }

    /// The relay's address, e.g. `http://127.0.0.1:8080`.
    public let baseURL: URL
    /// The library this transport reads and writes.
    public let library: LibraryID
    /// The device that signs requests; nil for unsigned requests only.
    public let identity: DeviceIdentity?
    /// Retries of connection errors and 5xx answers.
    public var retryPolicy: RetryPolicy
    /// Blobs larger than this are uploaded in parts of this size (resumable).
    public var partSize: Int
    /// Names per listing page asked of the relay.
    public var pageSize: Int
    /// Time allowed for one HTTP exchange to go without progress.
    public var requestTimeout: Duration
    private let client: RelayHTTPClient

    /// A transport for `library` on the relay at `baseURL`, signing as `identity`.
    public init(baseURL: URL, library: LibraryID, identity: DeviceIdentity?, client: RelayHTTPClient = .shared,
                retryPolicy: RetryPolicy = RetryPolicy(), partSize: Int = 1 << 20, pageSize: Int = 1000, requestTimeout: Duration = .seconds(60)) {
        self.baseURL = baseURL
        self.library = library
        self.identity = identity
        self.client = client
        self.retryPolicy = retryPolicy
        self.partSize = max(1, partSize)
        self.pageSize = max(1, pageSize)
        self.requestTimeout = requestTimeout
    }

    // MARK: SyncTransport

    /// Stores `object`; blobs above `partSize` go up in resumable parts.
    public func put(_ object: Data, name: ObjectName) async throws {
        if name.rawValue.hasPrefix("blob/") && object.count > partSize {
            try await upload(object, name: name)
            return
        }
        let unsigned = name.rawValue.hasPrefix("join/")
        let reply = try await exchange("PUT", path: objectPath(name), body: object, signed: !unsigned)
        try check(reply, name: name)
    }

    /// One page of names after `cursor`.
    public func list(after cursor: TransportCursor?) async throws -> TransportListing {
        var query = "limit=\(pageSize)"
        if let cursor {
            guard !cursor.rawValue.isEmpty, cursor.rawValue.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else {
                throw TransportError.invalidCursor(cursor.rawValue)
            }
            query += "&after=\(cursor.rawValue)"
        }
        let reply = try await exchange("GET", path: "/v1/libraries/\(library)/objects", query: query, body: Data(), signed: true)
        try check(reply, name: nil)
        guard let page = try? JSONDecoder().decode(RelayListingPage.self, from: reply.body) else {
            throw TransportError.rejected(status: reply.status, message: "the relay's listing does not decode")
        }
        var names: [ObjectName] = []
        for raw in page.names {
            guard let n = ObjectName(rawValue: raw) else {
                throw TransportError.rejected(status: reply.status, message: "the relay listed an invalid object name \"\(raw)\"")
            }
            names.append(n)
        }
        return TransportListing(names: names, nextCursor: page.next.map(TransportCursor.init(rawValue:)), hasMore: page.hasMore)
    }

    /// The object's bytes; a transfer cut off midway resumes from the bytes received.
    public func get(_ name: ObjectName) async throws -> Data {
        let unsigned = name.rawValue.hasPrefix("recovery/")
        var received = Data()
        var attempt = 0
        var waited: Duration = .zero
        var limited = 0
        while true {
            attempt += 1
            do {
                let headers = received.isEmpty ? [] : [("Range", "bytes=\(received.count)-")]
                let request = try makeRequest("GET", path: objectPath(name), query: nil, body: Data(), signed: !unsigned, extraHeaders: headers)
                let reply: RelayHTTPClient.Answer
                do {
                    reply = try await client.send(request, body: nil)
                } catch let cut as RelayHTTPClient.CutOff {
                    // Keep what arrived of the object; the next try asks for the rest.
                    if (200...206).contains(cut.partial.status) { try absorb(cut.partial, into: &received) }
                    throw TransportError.unreachable("the download was cut off (\(Self.describe(cut.reason)))")
                }
                if reply.status == 200 || reply.status == 206 {
                    try absorb(reply, into: &received)
                    if let size = reply.header(RelayHeaders.objectSize).flatMap(Int.init), received.count < size {
                        throw TransportError.unreachable("the download ended early")
                    }
                    return received
                }
                if reply.status == 429 || reply.status == 503, let pause = rateLimitPause(reply, waited: waited, times: limited) {
                    limited += 1
                    waited += pause
                    attempt -= 1
                    try await Task.sleep(for: pause)
                    continue
                }
                if reply.status >= 500, attempt < retryPolicy.attempts {
                    try await Task.sleep(for: delay(attempt))
                    continue
                }
                try check(reply, name: name)
                throw TransportError.rejected(status: reply.status, message: reply.message)
            } catch let error as TransportError {
                guard case .unreachable = error, attempt < retryPolicy.attempts else { throw error }
                try await Task.sleep(for: delay(attempt))
            } catch {
                let mapped = try Self.classify(error)
                guard case .unreachable = mapped, attempt < retryPolicy.attempts else { throw mapped }
                try await Task.sleep(for: delay(attempt))
            }
        }
    }

    /// Adds an object answer's bytes to what a download has received: a 206 must continue where
    /// the bytes received end; a 200 is the whole object again.
    private func absorb(_ reply: RelayHTTPClient.Answer, into received: inout Data) throws {
        if reply.status == 206 {
            guard let range = reply.header("Content-Range"), range.hasPrefix("bytes \(received.count)-") else {
                throw TransportError.rejected(status: 206, message: "the relay answered a resumed download with the wrong range")
            }
            received.append(reply.body)
        } else {
            received = reply.body
        }
    }

    /// Whether the relay stores `name`: a ranged read of its first byte (an answer, not the object).
    public func contains(_ name: ObjectName) async throws -> Bool {
        let reply = try await exchange("GET", path: objectPath(name), body: Data(), signed: !name.rawValue.hasPrefix("recovery/"),
                                       extraHeaders: [("Range", "bytes=0-0")])
        switch reply.status {
        case 200, 206, 416: return true   // 416: an empty object has no first byte
        case 404: return false
        default:
            try check(reply, name: name)
            return true
        }
    }

    // MARK: Resumable upload

    /// Uploads a large blob in parts: asks the relay how much it has, sends the rest, commits.
    private func upload(_ object: Data, name: ObjectName) async throws {
        let path = "/v1/libraries/\(library)/uploads/\(name.rawValue)"
        let status = try await exchange("GET", path: path, body: Data(), signed: true)
        try check(status, name: name)
        guard let progress = try? JSONDecoder().decode(RelayUploadProgress.self, from: status.body) else {
            throw TransportError.rejected(status: status.status, message: "the relay's upload status does not decode")
        }
        if !progress.complete {
            var offset = min(max(0, progress.received), object.count)
            while offset < object.count {
                let end = min(offset + partSize, object.count)
                let part = object.subdata(in: object.startIndex + offset ..< object.startIndex + end)
                let reply = try await exchange("PUT", path: path, query: "offset=\(offset)", body: part, signed: true)
                try check(reply, name: name)
                offset = end
            }
        }
        let digest = ContentHash.hex([UInt8](try GenericHash.hash(object)))
        let reply = try await exchange("POST", path: path, query: "size=\(object.count)&digest=\(digest)", body: Data(), signed: true)
        try check(reply, name: name)
    }

    // MARK: HTTP

    private func objectPath(_ name: ObjectName) -> String { "/v1/libraries/\(library)/objects/\(name.rawValue)" }

    /// How long to wait before asking again after a 429 or 503: the answer's `Retry-After`
    /// (seconds), else an exponential backoff from ``RetryPolicy/initialDelay``; with up to half
    /// again of random jitter so devices limited together do not come back together. Nil once
    /// the request has waited ``RetryPolicy/rateLimitPatience`` in all.
    private func rateLimitPause(_ reply: RelayHTTPClient.Answer, waited: Duration, times: Int) -> Duration? {
        let asked = reply.header("Retry-After").flatMap(Int.init).map { Duration.seconds(max(0, $0)) }
        let base = asked ?? min(retryPolicy.initialDelay * (1 << min(times, 16)), retryPolicy.maximumDelay)
        let floor = max(base, .milliseconds(50))
        let pause = floor + floor * Double.random(in: 0...0.5)
        return waited + pause <= retryPolicy.rateLimitPatience ? pause : nil
    }

    private func delay(_ attempt: Int) -> Duration {
        let factor = 1 << min(attempt - 1, 20)
        return min(retryPolicy.initialDelay * factor, retryPolicy.maximumDelay)
    }

    /// Sends one request, retrying connection errors and 5xx answers, and waiting out 429 and 503
    /// answers as their `Retry-After` asks (``RetryPolicy/rateLimitPatience`` in all); returns the
    /// final answer.
    private func exchange(_ method: String, path: String, query: String? = nil, body: Data, signed: Bool,
                          extraHeaders: [(String, String)] = []) async throws -> RelayHTTPClient.Answer {
        var attempt = 0
        var waited: Duration = .zero
        var limited = 0
        while true {
            attempt += 1
            do {
                let request = try makeRequest(method, path: path, query: query, body: body, signed: signed, extraHeaders: extraHeaders)
                let reply = try await client.send(request, body: method == "GET" ? nil : body)
                if reply.status == 429 || reply.status == 503, let pause = rateLimitPause(reply, waited: waited, times: limited) {
                    limited += 1
                    waited += pause
                    attempt -= 1   // a limit is not a failed try
                    try await Task.sleep(for: pause)
                    continue
                }
                if reply.status >= 500, attempt < retryPolicy.attempts {
                    try await Task.sleep(for: delay(attempt))
                    continue
                }
                return reply
            } catch let error as TransportError {
                throw error
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                let mapped = try Self.classify(error)
                guard case .unreachable = mapped, attempt < retryPolicy.attempts else { throw mapped }
                try await Task.sleep(for: delay(attempt))
            }
        }
    }

    private func makeRequest(_ method: String, path: String, query: String?, body: Data, signed: Bool,
                             extraHeaders: [(String, String)]) throws -> URLRequest {
        let pathAndQuery = query.map { "\(path)?\($0)" } ?? path
        var base = baseURL.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        guard let url = URL(string: base + pathAndQuery) else {
            throw TransportError.rejected(status: 0, message: "\(base + pathAndQuery) is not a valid address")
        }
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData,
                                 timeoutInterval: Double(requestTimeout.components.seconds) + Double(requestTimeout.components.attoseconds) / 1e18)
        request.httpMethod = method
        if signed {
            guard let identity else {
                throw TransportError.unauthorized("this transport has no device identity, and \(method) \(path) must be signed by a member device")
            }
            let signature = RelayRequestSignature.sign(method: method, pathAndQuery: pathAndQuery,
                                                       contentHash: RelayRequestSignature.contentHash(of: body), by: identity)
            for (n, v) in signature.headers { request.addValue(v, forHTTPHeaderField: n) }
        }
        for (n, v) in extraHeaders { request.addValue(v, forHTTPHeaderField: n) }
        if method != "GET" { request.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type") }
        return request
    }

    /// Throws the `TransportError` an unsuccessful answer stands for.
    private func check(_ reply: RelayHTTPClient.Answer, name: ObjectName?) throws {
        switch reply.status {
        case 200..<300:
            return
        case 401, 403:
            throw TransportError.unauthorized(reply.message)
        case 404 where name != nil:
            throw TransportError.notFound(name!)
        case 409 where name != nil:
            throw TransportError.conflict(name!)
        case 400 where reply.message.contains("cursor"):
            throw TransportError.invalidCursor(reply.message)
        case 429:
            throw TransportError.rateLimited(retryAfterSeconds: reply.header("Retry-After").flatMap(Int.init) ?? 1)
        default:
            throw TransportError.rejected(status: reply.status, message: reply.message)
        }
    }

    /// Maps a client error to `.tls` (certificate or handshake problems) or `.unreachable`;
    /// a transfer cancelled because its task was throws `CancellationError`.
    static func classify(_ error: any Error) throws -> TransportError {
        let reason = (error as? RelayHTTPClient.CutOff)?.reason ?? error
        let ns = reason as NSError
        if ns.domain == NSURLErrorDomain {
            if ns.code == NSURLErrorCancelled, Task.isCancelled { throw CancellationError() }
            let tls = [NSURLErrorSecureConnectionFailed, NSURLErrorServerCertificateHasBadDate, NSURLErrorServerCertificateUntrusted,
                       NSURLErrorServerCertificateHasUnknownRoot, NSURLErrorServerCertificateNotYetValid,
                       NSURLErrorClientCertificateRejected, NSURLErrorClientCertificateRequired]
            if tls.contains(ns.code) { return .tls(describe(reason)) }
        }
        return .unreachable(describe(reason))
    }

    /// A person's words for a client error (Foundation's description where it has one).
    static func describe(_ error: any Error) -> String {
        let text = (error as NSError).userInfo[NSLocalizedDescriptionKey] as? String
        return text ?? String(describing: error)
    }
}

extension RelayHTTPClient.Answer {
    /// The relay's error message (its JSON `error`), else the start of the body.
    var message: String {
        (try? JSONDecoder().decode(RelayErrorBody.self, from: body).error) ?? String(decoding: body.prefix(500), as: UTF8.self)
    }
}
