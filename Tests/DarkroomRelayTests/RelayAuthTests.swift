import DarkroomCrypto
import DarkroomRelay
import DarkroomSync
import Foundation
import Testing

extension RelayTests {
    /// Signatures, membership and authorization by object name.
    @Suite struct RelayAuthTests {
        /// Nonces of concurrent requests are committed together (SQLite's group commit): a
        /// request sent many times at once, and requests that share nothing, still get exactly
        /// one "fresh" answer per nonce.
        @Test(arguments: RelayBackend.available)
        func concurrentCopiesOfOneRequestAreAcceptedOnce(backend: RelayBackend) async throws {
            try await withRelay(backend) { relay in
                let path = "/v1/libraries/\(relay.library)/objects"
                let requests = (0..<8).map { _ in RelayHarness.signedHeaders("GET", path, by: relay.a) }
                let statuses = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
                    for (i, headers) in requests.enumerated() {
                        for _ in 0..<5 { group.addTask { (i, Int(try await relay.raw("GET", path, headers: headers).status)) } }
                    }
                    var all: [(Int, Int)] = []
                    for try await s in group { all.append(s) }
                    return all
                }
                for i in requests.indices {
                    let mine = statuses.filter { $0.0 == i }.map(\.1)
                    #expect(mine.filter { $0 == 200 }.count == 1, "request \(i): \(mine)")
                    #expect(mine.filter { $0 == 401 }.count == 4, "request \(i): \(mine)")
                }
                #expect(relay.server.metrics.rejectedSignatures(reason: "replayed") == 32)
            }
        }

        @Test(arguments: RelayBackend.available)
        func forgedReplayedExpiredAndTamperedSignaturesAreRefused(backend: RelayBackend) async throws {
            try await withRelay(backend) { relay in
                let path = "/v1/libraries/\(relay.library)/objects"
                // Honest request.
                let headers = RelayHarness.signedHeaders("GET", path, by: relay.a)
                #expect(try await relay.raw("GET", path, headers: headers).status == 200)
                // The same request again: a replayed nonce.
                let replay = try await relay.raw("GET", path, headers: headers)
                #expect(replay.status == 401 && replay.body.contains("replayed"))
                // Signed by another key while claiming to be A.
                let impostor = DeviceIdentity(name: "", id: relay.a.id)
                #expect(try await relay.raw("GET", path, headers: RelayHarness.signedHeaders("GET", path, by: impostor)).status == 401)
                // Outside the time window.
                let old = RelayHarness.signedHeaders("GET", path, by: relay.a, timestamp: Int64(Date().timeIntervalSince1970) - 3600)
                let expired = try await relay.raw("GET", path, headers: old)
                #expect(expired.status == 401 && expired.body.contains("clock"))
                // Signed for another path.
                let other = RelayHarness.signedHeaders("GET", path + "?after=0", by: relay.a)
                #expect(try await relay.raw("GET", path, headers: other).status == 401)
                // Body swapped after signing.
                let e = try relay.nextEnvelope(relay.a.id, "x")
                let putPath = "/v1/libraries/\(relay.library)/objects/\(e.name)"
                let signed = RelayHarness.signedHeaders("PUT", putPath, body: e.bytes, by: relay.a)
                #expect(try await relay.raw("PUT", putPath, body: e.bytes + Data([0]), headers: signed).status == 401)
                // No signature at all.
                #expect(try await relay.raw("GET", path).status == 401)
                #expect(relay.server.metrics.rejectedSignatures(reason: "replayed") == 1)
                #expect(relay.server.metrics.rejectedSignatures(reason: "bad_signature") >= 2)
            }
        }

        /// A put records its nonce in the transaction that stores the object
        /// (`RelayStorage.put`): replayed, it is refused and stores nothing more; a put whose
        /// nonce was already used by another request stores nothing at all.
        @Test(arguments: RelayBackend.available)
        func replayedPutsAreRefusedAndStoreNothing(backend: RelayBackend) async throws {
            try await withRelay(backend) { relay in
                let listPath = "/v1/libraries/\(relay.library)/objects"
                func stored() async throws -> Int { try await relay.transport(relay.a).list(after: nil).names.count }
                let before = try await stored()
                let e = try relay.nextEnvelope(relay.a.id, "x")
                let putPath = "\(listPath)/\(e.name)"
                let signed = RelayHarness.signedHeaders("PUT", putPath, body: e.bytes, by: relay.a)
                #expect(try await relay.raw("PUT", putPath, body: e.bytes, headers: signed).status == 201)
                let replay = try await relay.raw("PUT", putPath, body: e.bytes, headers: signed)
                #expect(replay.status == 401 && replay.body.contains("replayed"))
                #expect(try await stored() == before + 1)

                // A nonce first spent on a listing, then on a put of a new object signed at the
                // same second. (A used nonce is keyed with its expiry, which is the signed
                // timestamp's: what is refused is a request carrying a nonce and timestamp already
                // seen, as every replay does; signed a second later, the same nonce is a new key.)
                let nonce = ContentHash.hex([UInt8](SecureRandom.bytes(16)))
                let timestamp = Int64(Date().timeIntervalSince1970)
                #expect(try await relay.raw("GET", listPath, headers: RelayHarness.signedHeaders("GET", listPath, by: relay.a, timestamp: timestamp, nonce: nonce)).status == 200)
                let f = try relay.nextEnvelope(relay.a.id, "y")
                let fPath = "\(listPath)/\(f.name)"
                let reused = try await relay.raw("PUT", fPath, body: f.bytes,
                                                 headers: RelayHarness.signedHeaders("PUT", fPath, body: f.bytes, by: relay.a, timestamp: timestamp, nonce: nonce))
                #expect(reused.status == 401 && reused.body.contains("replayed"))
                #expect(try await stored() == before + 1)
                #expect(relay.server.metrics.rejectedSignatures(reason: "replayed") == 2)
            }
        }

        @Test(arguments: RelayBackend.available)
        func strangersRevokedDevicesAndOtherDevicesLogsAreRefused(backend: RelayBackend) async throws {
            try await withRelay(backend) { relay in
                let stranger = DeviceIdentity(name: "", id: DeviceID.random())
                await #expect(throws: TransportError.self) { try await relay.transport(stranger).list(after: nil) }
                // B may not write into A's log.
                let e = try relay.nextEnvelope(relay.a.id, "a1")
                await #expect(throws: TransportError.self) { try await relay.transport(relay.b).put(e.bytes, name: e.name) }
                try await relay.transport(relay.a).put(e.bytes, name: e.name)
                // C is revoked by A: refused from then on, for reads and writes.
                try await relay.write(1, from: relay.c.id)
                _ = try await relay.transport(relay.c).list(after: nil)  // C's record is now in the relay's memory (SQLite)
                relay.keyring = try relay.keyring.revoking(relay.c.id, lastAcceptedSequence: 1, by: relay.a)
                try await relay.uploadMembership()
                let c = relay.transport(relay.c)
                do {
                    _ = try await c.list(after: nil)
                    Issue.record("a revoked device could list")
                } catch let error as TransportError {
                    guard case .unauthorized(let message) = error else { Issue.record("unexpected \(error)"); return }
                    #expect(message.contains("revoked"))
                }
                await #expect(throws: TransportError.self) { try await c.get(e.name) }
                // B still works.
                #expect(try await relay.transport(relay.b).get(e.name) == e.bytes)
            }
        }

        @Test(arguments: RelayBackend.available)
        func membershipChangesMustVerifyAgainstThePreviousVersion(backend: RelayBackend) async throws {
            try await withRelay(backend, members: false) { relay in
                let a = relay.transport(relay.a)
                // Before its first membership the library is unknown.
                await #expect(throws: TransportError.self) { try await a.list(after: nil) }
                // The first version must be uploaded by its signer: B may not found A's library.
                let first = try JSONEncoder().encode(relay.keyring.chain[0])
                let v1 = SyncObjectName.membership(version: 1).objectName
                await #expect(throws: TransportError.self) { try await relay.transport(relay.b).put(first, name: v1) }
                try await a.put(first, name: v1)
                // A forged version 2 (signed by a device that is not a member) is refused.
                let mallory = DeviceIdentity(name: "", id: DeviceID.random())
                let forged = try LibraryKeyring.create(library: relay.library, founder: mallory).admitting(relay.b.card, by: mallory)
                await #expect(throws: TransportError.self) {
                    try await a.put(try JSONEncoder().encode(forged.chain[1]), name: SyncObjectName.membership(version: 2).objectName)
                }
                // Skipping a version is refused; the real chain is accepted, and B becomes a member.
                await #expect(throws: TransportError.self) {
                    try await a.put(try JSONEncoder().encode(relay.keyring.chain[2]), name: SyncObjectName.membership(version: 3).objectName)
                }
                try await relay.uploadMembership()
                #expect(try await relay.transport(relay.b).listAll(after: nil).names.count == 3)
            }
        }

        @Test(arguments: RelayBackend.available)
        func malformedAndOversizedRequestsGetA4xxAndTheRelayStaysUp(backend: RelayBackend) async throws {
            var configuration = RelayConfiguration()
            configuration.maxObjectBytes = 4096
            try await withRelay(backend, configuration: configuration) { relay in
                let base = "/v1/libraries/\(relay.library)"
                #expect(try await relay.raw("GET", "/nowhere").status == 404)
                #expect(try await relay.raw("GET", "/v1/libraries/NOT_AN_ID/objects").status == 400)
                let badName = "\(base)/objects/not/a/sync/name"
                #expect(try await relay.raw("PUT", badName, body: Data("x".utf8), headers: RelayHarness.signedHeaders("PUT", badName, body: Data("x".utf8), by: relay.a)).status == 400)
                let membership = "\(base)/objects/\(SyncObjectName.membership(version: 4).objectName)"
                let junk = Data("{not json".utf8)
                #expect(try await relay.raw("PUT", membership, body: junk, headers: RelayHarness.signedHeaders("PUT", membership, body: junk, by: relay.a)).status == 400)
                let garbled = [("X-Darkroom-Device", "aaaa"), ("X-Darkroom-Timestamp", "soon"), ("X-Darkroom-Nonce", "x"),
                               ("X-Darkroom-Content-Hash", "zz"), ("X-Darkroom-Signature", "zz")]
                #expect(try await relay.raw("GET", "\(base)/objects", headers: garbled).status == 401)
                let e = try relay.nextEnvelope(relay.a.id, String(repeating: "big ", count: 2000))
                let big = "\(base)/objects/\(e.name)"
                let response = try await relay.raw("PUT", big, body: e.bytes, headers: RelayHarness.signedHeaders("PUT", big, body: e.bytes, by: relay.a))
                #expect(response.status == 413 && response.body.contains("4096 bytes"))
                #expect(try await relay.raw("GET", "/healthz").status == 200)
                let metrics = try await relay.raw("GET", "/metrics")
                #expect(metrics.body.contains("darkroom_relay_requests_total{route=\"put_object\",status=\"413\"} 1"))
                #expect(metrics.body.contains("darkroom_relay_request_duration_seconds_bucket"))
                #expect(metrics.body.contains("darkroom_relay_rejected_signatures_total{reason=\"malformed\"} 1"))
            }
        }

        @Test(arguments: RelayBackend.available)
        func rateLimitsAnswer429WithRetryAfter(backend: RelayBackend) async throws {
            var configuration = RelayConfiguration()
            // Slow refill (one request per 100 s), so that however slowly this machine runs the
            // first three, the fourth finds the bucket empty.
            configuration.deviceRateLimit = .init(ratePerSecond: 0.01, burst: 3)
            try await withRelay(backend, configuration: configuration) { relay in
                // The membership uploads used A's burst; B has its own bucket. B does not wait
                // out the limit here (no patience), so the 429 itself is seen.
                var b = relay.transport(relay.b)
                b.retryPolicy.rateLimitPatience = .zero
                for _ in 0..<3 { _ = try await b.list(after: nil) }
                do {
                    _ = try await b.list(after: nil)
                    Issue.record("a fourth request within the burst was accepted")
                } catch TransportError.rateLimited(let retryAfter) {
                    #expect((90...100).contains(retryAfter), "Retry-After \(retryAfter)")
                }
                _ = try await relay.transport(relay.c).list(after: nil)
            }
        }

        @Test(arguments: RelayBackend.available)
        func aClientWaitsOutTheRateLimitAndGoesOn(backend: RelayBackend) async throws {
            var configuration = RelayConfiguration()
            configuration.deviceRateLimit = .init(ratePerSecond: 20, burst: 2)
            try await withRelay(backend, configuration: configuration) { relay in
                let b = relay.transport(relay.b)
                // Past the burst, requests get 429 and are sent again after Retry-After.
                for _ in 0..<5 { _ = try await b.list(after: nil) }
            }
        }
    }
}
