import DarkroomCrypto
import DarkroomSync
import Foundation
import NIOConcurrencyHelpers
import HTTPTypes
import Hummingbird
import Logging

/// The relay's HTTP API (docs/relay.md): request authentication, authorization by object name,
/// and rate limits, one handler per route. `RelayRouter.swift` maps the
/// routes onto them with Hummingbird's `Router`, and records metrics and logs in a middleware.
struct RelayResponder: Sendable {
    let storage: any RelayStorage
    let configuration: RelayConfiguration
    let metrics: RelayMetrics
    let limiter = TokenBucketLimiter()
    let janitor = NonceJanitor()
    let recentObjects: RecentObjectCache
    let logger: Logger

    init(storage: any RelayStorage, configuration: RelayConfiguration, metrics: RelayMetrics, logger: Logger) {
        self.storage = storage
        self.configuration = configuration
        self.metrics = metrics
        self.recentObjects = RecentObjectCache(capacityBytes: configuration.objectCacheBytes)
        self.logger = logger
    }

    /// The header naming an object's whole size (also on ranged answers).
    static let objectSizeField = HTTPField.Name(RelayHeaders.objectSize)!

    static func objectName(_ raw: String) throws -> (ObjectName, SyncObjectName) {
        guard let name = ObjectName(rawValue: raw) else { throw RelayHTTPError.badRequest("\"\(raw)\" is not a valid object name") }
        guard let kind = SyncObjectName(name) else {
            throw RelayHTTPError.badRequest("\"\(raw)\" is not a sync object name (log/, checkpoint/, blob/, keyring/, membership/, join/, welcome/, recovery/)")
        }
        return (name, kind)
    }

    static func blobName(_ raw: String) throws -> ObjectName {
        let (name, kind) = try objectName(raw)
        guard case .blob = kind else { throw RelayHTTPError.badRequest("only blobs are uploaded in parts; put \(raw) in one request") }
        return name
    }

    // MARK: Handlers

    /// A page of the library's object names, for `member` (verified by ``RelayAuthenticationMiddleware``).
    func list(_ request: Request, library: LibraryID, for member: RelayMember, _ exchange: inout RelayExchange) async throws -> Response {
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
        let names = page.objects.map(\.name.rawValue)
        let next = page.objects.last?.sequence ?? after
        return try Self.json(RelayListingPage(names: names, next: String(next), hasMore: page.hasMore))
    }

    func putObject(_ request: Request, library: LibraryID, name: (ObjectName, SyncObjectName), _ exchange: inout RelayExchange) async throws -> Response {
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

    /// Serves an object (or a range of it) to `member`, the signer ``RelayAuthenticationMiddleware`` verified; only
    /// `recovery/…` is read unsigned, and only `membership/…` by a revoked device.
    func getObject(_ request: Request, library: LibraryID, name: (ObjectName, SyncObjectName), member: RelayMember?,
                   _ exchange: inout RelayExchange) async throws -> Response {
        let (objectName, kind) = name
        switch (kind, member) {
        case (.recovery, _): break
        case (_, nil): throw RelayHTTPError.unauthorized("reading \(objectName) needs a member device's signature")
        case (.membership, _?): break
        case (_, let member?) where !member.active: throw RelayHTTPError.forbidden("device \(member.device) was revoked from library \(library)")
        default: break
        }
        var cached = recentObjects.object(objectName, in: library)
        metrics.recordObjectCache(hit: cached != nil)
        let info: RelayObjectInfo
        if let cached { info = cached.info } else {
            guard let stored = try await storage.info(objectName, in: library) else { throw RelayHTTPError.notFound("no object \(objectName)") }
            info = stored
            if recentObjects.accepts(size: info.size), let chunk = try await storage.chunk(of: objectName, in: library, containing: 0),
               chunk.offset == 0, Int64(chunk.data.count) == info.size {
                cached = RecentObjectCache.Object(info: info, bytes: chunk.data)
                recentObjects.insert(cached!, name: objectName, in: library)
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
                guard let chunk = try await storage.chunk(of: objectName, in: library, containing: position) else {
                    throw RelayStorageError.database("object \(objectName) has no bytes at offset \(position)")
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

    /// How much of an upload the relay has, for `member`.
    func uploadStatus(_ request: Request, library: LibraryID, name: ObjectName, for member: RelayMember,
                      _ exchange: inout RelayExchange) async throws -> Response {
        if let info = try await storage.info(name, in: library) {
            return try Self.json(RelayUploadProgress(received: Int(info.size), complete: true))
        }
        return try Self.json(RelayUploadProgress(received: Int(try await storage.stagedPrefix(of: name, in: library)), complete: false))
    }

    func uploadPart(_ request: Request, library: LibraryID, name: ObjectName, _ exchange: inout RelayExchange) async throws -> Response {
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

    /// Stores a blob uploaded in parts, for `member`.
    func commitUpload(_ request: Request, library: LibraryID, name: ObjectName, for member: RelayMember,
                      _ exchange: inout RelayExchange) async throws -> Response {
        guard let rawSize = request.uri.queryParameters["size"], let size = Int64(rawSize), size >= 0,
              let rawDigest = request.uri.queryParameters["digest"], let digest = RelayRequestSignature.bytes(hex: String(rawDigest)), digest.count == 32 else {
            throw RelayHTTPError.badRequest("a commit needs ?size=BYTES&digest=BLAKE2B-256-HEX")
        }
        guard size <= configuration.maxBlobBytes else { throw RelayHTTPError.tooLarge("blobs on this relay are at most \(configuration.maxBlobBytes) bytes") }
        switch try await storage.commitUpload(name, in: library, size: size, digest: digest) {
        case .put(let outcome):
            return Self.putResponse(outcome, name)
        case .incomplete(let received):
            throw RelayHTTPError(.unprocessableContent, "the upload of \(name) is incomplete: \(received) of \(size) bytes received; send the rest from offset \(received)")
        case .digestMismatch:
            throw RelayHTTPError(.unprocessableContent, "the uploaded parts of \(name) do not have the announced digest; they were dropped: upload again")
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

    private static func readBody(_ request: Request, limit: Int, what: String, _ exchange: inout RelayExchange) async throws -> Data {
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
        case .conflict: return RelayHTTPError.conflict("\(name) already exists with different contents; objects are write-once").response
        }
    }

    private static func status(_ status: HTTPResponse.Status) -> Response { Response(status: status) }

    static func text(_ text: String, contentType: String = "text/plain; charset=utf-8") -> Response {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    private static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try JSONEncoder().encode(value))))
    }

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
