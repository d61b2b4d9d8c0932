import DarkroomCrypto
import DarkroomSync
import Foundation
import NIOConcurrencyHelpers
import HTTPTypes
import Hummingbird
import Logging

/// Answers the relay's HTTP API (docs/relay.md): routes, request authentication,
/// authorization by object name, rate limits, metrics and the test-only adversary.
struct RelayResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let storage: any RelayStorage
    let configuration: RelayConfiguration
    let metrics: RelayMetrics
    let adversary: RelayAdversary
    let limiter = TokenBucketLimiter()
    let janitor = NonceJanitor()
    let recentObjects: RecentObjectCache
    let logger: Logger

    init(storage: any RelayStorage, configuration: RelayConfiguration, metrics: RelayMetrics, adversary: RelayAdversary, logger: Logger) {
        self.storage = storage
        self.configuration = configuration
        self.metrics = metrics
        self.adversary = adversary
        self.recentObjects = RecentObjectCache(capacityBytes: configuration.objectCacheBytes)
        self.logger = logger
    }

    /// What one exchange did, for metrics and logs.
    private struct Exchange {
        var route = "unknown"
        var library: LibraryID?
        var device: DeviceID?
        var bytesIn = 0
        var bytesOut = 0
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        let start = ContinuousClock.now
        var exchange = Exchange()
        var response: Response
        do {
            response = try await dispatch(request, &exchange)
        } catch let error as RelayHTTPError {
            response = Self.errorResponse(error)
        } catch let error as RelayStorageError {
            switch error {
            case .unknownLibrary: response = Self.errorResponse(.notFound(error.description))
            case .staleMembership: response = Self.errorResponse(.conflict(error.description))
            case .replayedNonce: response = Self.errorResponse(.unauthorized(error.description))
            case .database, .badLocation:
                logger.error("storage failed", metadata: ["route": "\(exchange.route)", "error": "\(error)"])
                response = Self.errorResponse(RelayHTTPError(.serviceUnavailable, "the relay's storage is unavailable; try again shortly"))
            }
        } catch {
            logger.error("request failed", metadata: ["route": "\(exchange.route)", "error": "\(error)"])
            response = Self.errorResponse(RelayHTTPError(.internalServerError, "internal relay error"))
        }
        let elapsed = ContinuousClock.now - start
        let bytesOut = exchange.bytesOut + (response.body.contentLength ?? 0)
        metrics.record(route: exchange.route, status: response.status.code, duration: elapsed, bytesIn: exchange.bytesIn, bytesOut: bytesOut)
        // Built only when the line is logged (the metadata arguments are autoclosures).
        func metadata() -> Logger.Metadata {
            [
                "method": "\(request.method)", "route": "\(exchange.route)", "status": "\(response.status.code)",
                "library": "\(exchange.library?.rawValue ?? "-")", "device": "\(exchange.device?.rawValue ?? "-")",
                "ms": "\(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)", "bytes_in": "\(exchange.bytesIn)",
            ]
        }
        if response.status.code >= 400 { logger.info("request refused", metadata: metadata()) } else { logger.debug("request", metadata: metadata()) }
        return response
    }

    // MARK: Routing

    private func dispatch(_ request: Request, _ exchange: inout Exchange) async throws -> Response {
        let segments = request.uri.path.split(separator: "/", omittingEmptySubsequences: true)
        if segments == ["healthz"] {
            exchange.route = "healthz"
            return Self.text("ok\n")
        }
        if segments == ["metrics"] {
            exchange.route = "metrics"
            return Self.text(metrics.exposition(), contentType: "text/plain; version=0.0.4")
        }
        guard segments.count >= 4, segments[0] == "v1", segments[1] == "libraries" else {
            throw RelayHTTPError.notFound("no such endpoint: \(request.uri.path) (see docs/relay.md)")
        }
        guard let library = LibraryID(rawValue: String(segments[2])) else {
            throw RelayHTTPError.badRequest("\"\(segments[2])\" is not a library id")
        }
        exchange.library = library
        let rest = segments[4...].joined(separator: "/")
        switch (segments[3], request.method) {
        case ("objects", .get) where rest.isEmpty:
            exchange.route = "list"
            return try await list(request, library: library, &exchange)
        case ("objects", .put) where !rest.isEmpty:
            exchange.route = "put_object"
            return try await putObject(request, library: library, name: try Self.objectName(rest), &exchange)
        case ("objects", .get):
            exchange.route = "get_object"
            return try await getObject(request, library: library, name: try Self.objectName(rest), &exchange)
        case ("uploads", .get) where !rest.isEmpty:
            exchange.route = "upload_status"
            return try await uploadStatus(request, library: library, name: try Self.blobName(rest), &exchange)
        case ("uploads", .put) where !rest.isEmpty:
            exchange.route = "upload_part"
            return try await uploadPart(request, library: library, name: try Self.blobName(rest), &exchange)
        case ("uploads", .post) where !rest.isEmpty:
            exchange.route = "upload_commit"
            return try await commitUpload(request, library: library, name: try Self.blobName(rest), &exchange)
        default:
            throw RelayHTTPError(.methodNotAllowed, "\(request.method) is not allowed on \(request.uri.path)")
        }
    }

    private static func objectName(_ raw: String) throws -> (ObjectName, SyncObjectName) {
        guard let name = ObjectName(rawValue: raw) else { throw RelayHTTPError.badRequest("\"\(raw)\" is not a valid object name") }
        guard let kind = SyncObjectName(name) else {
            throw RelayHTTPError.badRequest("\"\(raw)\" is not a sync object name (log/, checkpoint/, blob/, keyring/, membership/, join/, welcome/, recovery/)")
        }
        return (name, kind)
    }

    private static func blobName(_ raw: String) throws -> ObjectName {
        let (name, kind) = try objectName(raw)
        guard case .blob = kind else { throw RelayHTTPError.badRequest("only blobs are uploaded in parts; put \(raw) in one request") }
        return name
    }

    // MARK: Handlers

    private func list(_ request: Request, library: LibraryID, _ exchange: inout Exchange) async throws -> Response {
        try await authenticate(request, library: library, body: Data(), &exchange)
        var after: Int64 = 0
        if let raw = request.uri.queryParameters["after"] {
            guard let n = Int64(raw), n >= 0 else { throw RelayHTTPError.badRequest("invalid cursor \"\(raw)\": list again from the start") }
            after = n
        }
        var limit = configuration.maxPageSize
        if let raw = request.uri.queryParameters["limit"] {
            guard let n = Int(raw), n > 0 else { throw RelayHTTPError.badRequest("invalid limit \"\(raw)\"") }
            limit = min(n, configuration.maxPageSize)
        }
        let page = try await storage.list(library, after: after, limit: limit)
        var names: [String] = []
        for object in page.objects where !adversary.hides(object.name) { names.append(object.name.rawValue) }
        if after == 0 { names += adversary.injected().map(\.rawValue) }
        let next = page.objects.last?.sequence ?? after
        return try Self.json(RelayListingPage(names: names, next: String(next), hasMore: page.hasMore))
    }

    private func putObject(_ request: Request, library: LibraryID, name: (ObjectName, SyncObjectName), _ exchange: inout Exchange) async throws -> Response {
        let (objectName, kind) = name
        if case .join = kind {
            // Unsigned: the joining device is not a member yet; the content is encrypted under the pairing code.
            if let wait = limiter.take("join:\(library)", limit: configuration.joinRateLimit) {
                throw RelayHTTPError(.tooManyRequests, "too many join requests for this library; try again in \(wait) s", retryAfter: wait)
            }
            let body = try await Self.readBody(request, limit: configuration.maxJoinBytes, what: "join request", &exchange)
            return Self.putResponse(try await storage.put(body, name: objectName, in: library, membership: nil, nonce: nil), objectName)
        }
        let signature = try parseSignature(request)
        exchange.device = signature.device
        let record = try await storage.device(signature.device, in: library)
        var membershipState: RelayMembershipState? = nil
        if case .membership = kind { membershipState = try await storage.membership(of: library) }
        let creatingLibrary = kind == .membership(version: 1) && membershipState == nil
        if record == nil && !creatingLibrary {
            if membershipState == nil, try await storage.membership(of: library) == nil {
                throw RelayHTTPError.notFound(RelayStorageError.unknownLibrary(library).description)
            }
            throw RelayHTTPError.forbidden("device \(signature.device) is not a member of library \(library)")
        }
        let limit: Int = if case .blob = kind { configuration.maxPartBytes } else { configuration.maxObjectBytes }
        let body = try await Self.readBody(request, limit: limit, what: "object", &exchange)

        var key = record?.signingKey
        var change: RelayMembershipChange? = nil
        var newLibraryDevices: [RelayDeviceRecord]? = nil
        if case .membership(let version) = kind {
            let signed: SignedMembership
            do { signed = try JSONDecoder().decode(SignedMembership.self, from: body) } catch {
                throw RelayHTTPError.badRequest("membership/\(version) is not a signed membership (JSON of SignedMembership)")
            }
            if creatingLibrary {
                let list = try Self.verified(signed, following: nil, library: library, version: version)
                guard signed.signer == signature.device, let founder = list.member(signature.device) else {
                    throw RelayHTTPError.forbidden("the first membership of a library must be uploaded by the device that signed it")
                }
                key = founder.card.signingKey
                newLibraryDevices = Self.devices(of: list)
            } else if let current = membershipState, version == current.version + 1 {
                let previous = try JSONDecoder().decode(SignedMembership.self, from: current.bytes)
                let list = try Self.verified(signed, following: previous, library: library, version: version)
                change = RelayMembershipChange(version: version, devices: Self.devices(of: list))
            } else if let current = membershipState, version > current.version + 1 {
                throw RelayHTTPError(.unprocessableContent, "membership/\(version) does not follow the relay's newest version \(current.version): upload the versions in between first")
            }
        }
        guard let key else { throw RelayHTTPError.forbidden("device \(signature.device) is not a member of library \(library)") }
        // The nonce is recorded with the object, in one transaction (RelayStorage.put).
        let nonce = try await verifySignature(signature, request: request, key: key, body: body)
        if let record, !record.active { throw RelayHTTPError.forbidden("device \(signature.device) was revoked from library \(library)") }
        switch kind {
        case .log(let writer, _), .checkpoint(let writer, _):
            guard writer == signature.device else {
                throw RelayHTTPError.forbidden("only device \(writer) may write \(objectName); this request is signed by \(signature.device)")
            }
        default:
            break
        }
        try takeTokens(device: signature.device, library: library)
        if let devices = newLibraryDevices {
            try await recordNonce(nonce, library: library)
            if try await storage.createLibrary(library, membershipName: objectName, bytes: body, devices: devices) {
                logger.info("library created", metadata: ["library": "\(library)", "founder": "\(signature.device)"])
                return Self.status(.created)
            }
        }
        var outcome: RelayPutOutcome
        do {
            outcome = try await storage.put(body, name: objectName, in: library, membership: change, nonce: newLibraryDevices == nil ? nonce : nil)
        } catch RelayStorageError.replayedNonce {
            throw rejected(.replayed)
        }
        if outcome == .conflict, case .membership = kind, try await sameMembership(body, storedAs: objectName, in: library) {
            outcome = .alreadyStored  // the same signed version in another JSON encoding
        }
        return Self.putResponse(outcome, objectName)
    }

    /// Whether `bytes` and the stored object decode to the same signed membership (JSON
    /// encoders need not write keys in the same order twice).
    private func sameMembership(_ bytes: Data, storedAs name: ObjectName, in library: LibraryID) async throws -> Bool {
        guard let info = try await storage.info(name, in: library), info.size <= configuration.maxObjectBytes else { return false }
        var stored = Data()
        while Int64(stored.count) < info.size, let chunk = try await storage.chunk(of: name, in: library, containing: Int64(stored.count)) {
            stored += chunk.data.dropFirst(stored.count - Int(chunk.offset))
        }
        let decoder = JSONDecoder()
        guard let new = try? decoder.decode(SignedMembership.self, from: bytes), let old = try? decoder.decode(SignedMembership.self, from: stored) else { return false }
        return new == old
    }

    private func getObject(_ request: Request, library: LibraryID, name: (ObjectName, SyncObjectName), _ exchange: inout Exchange) async throws -> Response {
        let (objectName, kind) = name
        if case .recovery = kind {
            // Unsigned by exact name: the name is unguessable without the recovery words.
        } else if case .welcome(_, let device) = kind, let signature = try? parseSignature(request), signature.device == device,
                  try await storage.device(device, in: library) == nil {
            // A joining device polling for its welcome before it is admitted: the welcome is
            // written only after the membership that admits it, so it cannot exist yet.
            exchange.device = device
            throw RelayHTTPError.notFound("no welcome for device \(device) yet: the library has not admitted it")
        } else if case .membership = kind {
            try await authenticate(request, library: library, body: Data(), allowingRevoked: true, &exchange)
        } else {
            try await authenticate(request, library: library, body: Data(), &exchange)
        }
        guard !adversary.hides(objectName) else { throw RelayHTTPError.notFound("no object \(objectName)") }
        let source = adversary.source(for: objectName)
        var cached = recentObjects.object(source, in: library)
        metrics.recordObjectCache(hit: cached != nil)
        let info: RelayObjectInfo
        if let cached { info = cached.info } else {
            guard let stored = try await storage.info(source, in: library) else { throw RelayHTTPError.notFound("no object \(objectName)") }
            info = stored
            if recentObjects.accepts(size: info.size), let chunk = try await storage.chunk(of: source, in: library, containing: 0),
               chunk.offset == 0, Int64(chunk.data.count) == info.size {
                cached = RecentObjectCache.Object(info: info, bytes: chunk.data)
                recentObjects.insert(cached!, name: source, in: library)
            }
        }
        var start: Int64 = 0
        var end = info.size
        var headers = HTTPFields()
        headers[.contentType] = "application/octet-stream"
        headers[.acceptRanges] = "bytes"
        headers[Self.objectSizeField] = String(info.size)
        headers[.eTag] = "\"\(ContentHash.hex([UInt8](info.digest)))\""
        var status = HTTPResponse.Status.ok
        if let range = request.headers[.range] {
            guard let parsed = Self.parseRange(range, size: info.size) else {
                headers[.contentRange] = "bytes */\(info.size)"
                return Response(status: .rangeNotSatisfiable, headers: headers)
            }
            (start, end) = parsed
            status = .partialContent
            headers[.contentRange] = "bytes \(start)-\(end - 1)/\(info.size)"
        }
        if let cached {
            let bytes = cached.bytes[cached.bytes.startIndex + Int(start) ..< cached.bytes.startIndex + Int(end)]
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        let storage = self.storage
        let (first, last) = (start, end)
        let body = ResponseBody(contentLength: Int(last - first)) { writer in
            var position = first
            while position < last {
                guard let chunk = try await storage.chunk(of: source, in: library, containing: position) else {
                    throw RelayStorageError.database("object \(source) has no bytes at offset \(position)")
                }
                let from = Int(position - chunk.offset)
                let to = Int(min(last, chunk.offset + Int64(chunk.data.count)) - chunk.offset)
                try await writer.write(ByteBuffer(bytes: chunk.data[chunk.data.startIndex + from ..< chunk.data.startIndex + to]))
                position += Int64(to - from)
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }

    private func uploadStatus(_ request: Request, library: LibraryID, name: ObjectName, _ exchange: inout Exchange) async throws -> Response {
        try await authenticate(request, library: library, body: Data(), &exchange)
        if let info = try await storage.info(name, in: library) {
            return try Self.json(RelayUploadProgress(received: Int(info.size), complete: true))
        }
        return try Self.json(RelayUploadProgress(received: Int(try await storage.stagedPrefix(of: name, in: library)), complete: false))
    }

    private func uploadPart(_ request: Request, library: LibraryID, name: ObjectName, _ exchange: inout Exchange) async throws -> Response {
        guard let raw = request.uri.queryParameters["offset"], let offset = Int64(raw), offset >= 0 else {
            throw RelayHTTPError.badRequest("an upload part needs ?offset=N (bytes from the start of the blob)")
        }
        let signature = try memberSignature(request, library: library, &exchange)
        let body = try await Self.readBody(request, limit: configuration.maxPartBytes, what: "upload part", &exchange)
        guard offset + Int64(body.count) <= configuration.maxBlobBytes else {
            throw RelayHTTPError.tooLarge("blobs on this relay are at most \(configuration.maxBlobBytes) bytes")
        }
        try await verifyMember(signature, request: request, library: library, body: body)
        try await storage.stagePart(body, at: offset, name: name, in: library)
        return Self.status(.noContent)
    }

    private func commitUpload(_ request: Request, library: LibraryID, name: ObjectName, _ exchange: inout Exchange) async throws -> Response {
        guard let rawSize = request.uri.queryParameters["size"], let size = Int64(rawSize), size >= 0,
              let rawDigest = request.uri.queryParameters["digest"], let digest = RelayRequestSignature.bytes(hex: String(rawDigest)), digest.count == 32 else {
            throw RelayHTTPError.badRequest("a commit needs ?size=BYTES&digest=BLAKE2B-256-HEX")
        }
        guard size <= configuration.maxBlobBytes else { throw RelayHTTPError.tooLarge("blobs on this relay are at most \(configuration.maxBlobBytes) bytes") }
        try await authenticate(request, library: library, body: Data(), &exchange)
        switch try await storage.commitUpload(name, in: library, size: size, digest: digest) {
        case .put(let outcome):
            return Self.putResponse(outcome, name)
        case .incomplete(let received):
            throw RelayHTTPError(.unprocessableContent, "the upload of \(name) is incomplete: \(received) of \(size) bytes received; send the rest from offset \(received)")
        case .digestMismatch:
            throw RelayHTTPError(.unprocessableContent, "the uploaded parts of \(name) do not have the announced digest; they were dropped: upload again")
        }
    }

    // MARK: Authentication

    /// Checks that a body-less request (or one whose body is given) is signed by an active member.
    /// With `allowingRevoked`, a device the library revoked is let through too (reading the
    /// signed membership versions, so it can verify its own revocation).
    private func authenticate(_ request: Request, library: LibraryID, body: Data, allowingRevoked: Bool = false,
                              _ exchange: inout Exchange) async throws {
        let signature = try memberSignature(request, library: library, &exchange)
        try await verifyMember(signature, request: request, library: library, body: body, allowingRevoked: allowingRevoked)
    }

    private func parseSignature(_ request: Request) throws -> RelayRequestSignature {
        do throws(RelayRequestSignature.Failure) {
            return try RelayRequestSignature(header: { name in (Self.signatureFields[name] ?? HTTPField.Name(name)).flatMap { request.headers[$0] } })
        } catch {
            throw rejected(error)
        }
    }

    private static let objectSizeField = HTTPField.Name(RelayHeaders.objectSize)!

    /// The signature headers' field names, made once rather than per request.
    private static let signatureFields: [String: HTTPField.Name] = Dictionary(uniqueKeysWithValues: [
        RelayRequestSignature.deviceHeader, RelayRequestSignature.timestampHeader, RelayRequestSignature.nonceHeader,
        RelayRequestSignature.contentHashHeader, RelayRequestSignature.signatureHeader,
    ].map { ($0, HTTPField.Name($0)!) })

    /// The signature headers of a request by a device that is a member (active or not).
    private func memberSignature(_ request: Request, library: LibraryID, _ exchange: inout Exchange) throws -> RelayRequestSignature {
        let signature = try parseSignature(request)
        exchange.device = signature.device
        return signature
    }

    private func verifyMember(_ signature: RelayRequestSignature, request: Request, library: LibraryID, body: Data,
                              allowingRevoked: Bool = false) async throws {
        guard let record = try await storage.device(signature.device, in: library) else {
            if try await storage.membership(of: library) == nil { throw RelayHTTPError.notFound(RelayStorageError.unknownLibrary(library).description) }
            throw RelayHTTPError.forbidden("device \(signature.device) is not a member of library \(library)")
        }
        try await recordNonce(try await verifySignature(signature, request: request, key: record.signingKey, body: body), library: library)
        guard record.active || allowingRevoked else { throw RelayHTTPError.forbidden("device \(signature.device) was revoked from library \(library)") }
        try takeTokens(device: signature.device, library: library)
    }

    /// Checks the body hash, the signature and the timestamp window; returns the nonce to
    /// record (`recordNonce(_:library:)`, or with the object in `RelayStorage.put`).
    private func verifySignature(_ signature: RelayRequestSignature, request: Request, key: SigningPublicKey, body: Data) async throws -> RelayNonceUse {
        guard RelayRequestSignature.contentHash(of: body) == signature.contentHash else {
            metrics.recordRejectedSignature(reason: "content_hash")
            throw RelayHTTPError.unauthorized("the body does not match the signed content hash")
        }
        let now = Int64(Date().timeIntervalSince1970)
        do throws(RelayRequestSignature.Failure) {
            try signature.verify(method: request.method.rawValue, pathAndQuery: request.uri.string, key: key, now: now, window: configuration.signatureWindowSeconds)
        } catch {
            throw rejected(error)
        }
        if janitor.due(now: now) {
            try? await storage.purgeNonces(expiredBefore: now - 1)
            try? await storage.purgeStaleUploads(startedBefore: now - configuration.staleUploadSeconds)
        }
        return RelayNonceUse(nonce: signature.nonce, device: signature.device, expiresAt: signature.timestamp + configuration.signatureWindowSeconds + 1)
    }

    /// Records the nonce of a verified request; a used one refuses the request as replayed.
    private func recordNonce(_ nonce: RelayNonceUse, library: LibraryID) async throws {
        guard try await storage.useNonce(nonce.nonce, device: nonce.device, library: library, expiresAt: nonce.expiresAt) else {
            throw rejected(.replayed)
        }
    }

    /// Counts a refused signature and makes its 401.
    private func rejected(_ failure: RelayRequestSignature.Failure) -> RelayHTTPError {
        metrics.recordRejectedSignature(reason: failure.reason)
        return RelayHTTPError.unauthorized(failure.description)
    }

    private func takeTokens(device: DeviceID, library: LibraryID) throws {
        if let wait = limiter.take("device:\(device)", limit: configuration.deviceRateLimit) {
            throw RelayHTTPError(.tooManyRequests, "device \(device) is sending too many requests; try again in \(wait) s", retryAfter: wait)
        }
        if let wait = limiter.take("library:\(library)", limit: configuration.libraryRateLimit) {
            throw RelayHTTPError(.tooManyRequests, "library \(library) is receiving too many requests; try again in \(wait) s", retryAfter: wait)
        }
    }

    private static func verified(_ signed: SignedMembership, following previous: SignedMembership?, library: LibraryID, version: UInt64) throws -> MembershipList {
        let list: MembershipList
        do { list = try signed.verify(following: previous) } catch {
            throw RelayHTTPError.forbidden("membership/\(version) does not verify: \(error)")
        }
        guard list.library == library, list.version == version else {
            throw RelayHTTPError.badRequest("the membership inside membership/\(version) is version \(list.version) of library \(list.library)")
        }
        return list
    }

    private static func devices(of list: MembershipList) -> [RelayDeviceRecord] {
        list.members.map { RelayDeviceRecord(device: $0.card.id, signingKey: $0.card.signingKey, active: $0.isActive) }
    }

    // MARK: Bodies and responses

    private static func readBody(_ request: Request, limit: Int, what: String, _ exchange: inout Exchange) async throws -> Data {
        let tooLarge = RelayHTTPError.tooLarge("the \(what) is larger than this relay accepts (\(limit) bytes)")
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit { throw tooLarge }
        var data = Data()
        for try await buffer in request.body {
            guard data.count + buffer.readableBytes <= limit else { throw tooLarge }
            data.append(contentsOf: buffer.readableBytesView)
        }
        exchange.bytesIn += data.count
        return data
    }

    /// `bytes=N-` or `bytes=N-M` within `size`: the half-open range, or nil.
    static func parseRange(_ header: String, size: Int64) -> (Int64, Int64)? {
        guard header.hasPrefix("bytes="), !header.contains(",") else { return nil }
        let spec = header.dropFirst(6).split(separator: "-", omittingEmptySubsequences: false)
        guard spec.count == 2, let start = Int64(spec[0]), start >= 0, start < size else { return nil }
        if spec[1].isEmpty { return (start, size) }
        guard let last = Int64(spec[1]), last >= start else { return nil }
        return (start, min(last + 1, size))
    }

    private static func putResponse(_ outcome: RelayPutOutcome, _ name: ObjectName) -> Response {
        switch outcome {
        case .stored: return status(.created)
        case .alreadyStored: return status(.ok)
        case .conflict: return errorResponse(.conflict("\(name) already exists with different contents; objects are write-once"))
        }
    }

    private static func status(_ status: HTTPResponse.Status) -> Response { Response(status: status) }

    private static func text(_ text: String, contentType: String = "text/plain; charset=utf-8") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    private static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(value))))
    }

    static func errorResponse(_ error: RelayHTTPError) -> Response { error.response }
}

/// Decides when this process next purges expired nonces (once a minute).
final class NonceJanitor: Sendable {
    private let last = NIOLockedValueBox<Int64>(0)

    /// True at most once a minute.
    func due(now: Int64) -> Bool {
        last.withLockedValue { last in
            guard now - last >= 60 else { return false }
            last = now
            return true
        }
    }
}
