import DarkroomCrypto
import DarkroomSync
import Foundation
import HTTPTypes
import Hummingbird

/// Request authentication: the signature headers, the device's membership, the nonce, and the
/// rate limits a verified request counts against (docs/relay.md, "Authentication without accounts").
extension RelayResponder {
    // MARK: Authentication

    func parseSignature(_ request: Request) throws -> RelayRequestSignature {
        do throws(RelayRequestSignature.Failure) {
            return try RelayRequestSignature(header: { name in (Self.signatureFields[name] ?? HTTPField.Name(name)).flatMap { request.headers[$0] } })
        } catch {
            throw rejected(error)
        }
    }

    /// The signature headers' field names, made once rather than per request.
    static let signatureFields: [String: HTTPField.Name] = Dictionary(uniqueKeysWithValues: [
        RelayRequestSignature.deviceHeader, RelayRequestSignature.timestampHeader, RelayRequestSignature.nonceHeader,
        RelayRequestSignature.contentHashHeader, RelayRequestSignature.signatureHeader,
    ].map { ($0, HTTPField.Name($0)!) })

    /// The signature headers of a request by a device that is a member (active or not).
    func memberSignature(_ request: Request, library: LibraryID, _ exchange: inout RelayExchange) throws -> RelayRequestSignature {
        let signature = try parseSignature(request)
        exchange.device = signature.device
        return signature
    }

    /// Checks that `signature` is a member's and verifies over `request` and `body`, records its nonce and counts its
    /// rate limits. With `allowingRevoked`, a device the library revoked is let through too (reading the signed
    /// membership versions, so it can verify its own revocation). Returns whether the device is active.
    @discardableResult
    func verifyMember(_ signature: RelayRequestSignature, request: Request, library: LibraryID, body: Data,
                      allowingRevoked: Bool = false) async throws -> Bool {
        guard let record = try await storage.device(signature.device, in: library) else {
            if try await storage.membership(of: library) == nil { throw RelayHTTPError.notFound(RelayStorageError.unknownLibrary(library).description) }
            throw RelayHTTPError.forbidden("device \(signature.device) is not a member of library \(library)")
        }
        try await recordNonce(try await verifySignature(signature, request: request, key: record.signingKey, body: body), library: library)
        guard record.active || allowingRevoked else { throw RelayHTTPError.forbidden("device \(signature.device) was revoked from library \(library)") }
        try takeTokens(device: signature.device, library: library)
        return record.active
    }

    /// Checks the body hash, the signature and the timestamp window; returns the nonce to
    /// record (`recordNonce(_:library:)`, or with the object in `RelayStorage.put`).
    func verifySignature(_ signature: RelayRequestSignature, request: Request, key: SigningPublicKey, body: Data) async throws -> RelayNonceUse {
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
    func recordNonce(_ nonce: RelayNonceUse, library: LibraryID) async throws {
        guard try await storage.useNonce(nonce.nonce, device: nonce.device, library: library, expiresAt: nonce.expiresAt) else {
            throw rejected(.replayed)
        }
    }

    /// Counts a refused signature and makes its 401.
    func rejected(_ failure: RelayRequestSignature.Failure) -> RelayHTTPError {
        metrics.recordRejectedSignature(reason: failure.reason)
        return RelayHTTPError.unauthorized(failure.description)
    }

    func takeTokens(device: DeviceID, library: LibraryID) throws {
        if let wait = limiter.take("device:\(device)", limit: configuration.deviceRateLimit) {
            throw RelayHTTPError(.tooManyRequests, "device \(device) is sending too many requests; try again in \(wait) s", retryAfter: wait)
        }
        if let wait = limiter.take("library:\(library)", limit: configuration.libraryRateLimit) {
            throw RelayHTTPError(.tooManyRequests, "library \(library) is receiving too many requests; try again in \(wait) s", retryAfter: wait)
        }
    }
}
