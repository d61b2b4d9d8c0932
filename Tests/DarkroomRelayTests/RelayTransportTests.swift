import DarkroomCrypto
import DarkroomRelay
import DarkroomSync
import Foundation
import Testing

extension RelayTests {
    /// The transport contract (the same as the in-memory and folder transports') over HTTP.
    @Suite struct RelayTransportTests {
        @Test(arguments: RelayBackend.available)
        func storesListsAndServesAcrossPages(backend: RelayBackend) async throws {
            try await withRelay(backend) { relay in
                let a = relay.transport(relay.a, pageSize: 3)
                let b = relay.transport(relay.b, pageSize: 3)
                let written = try await relay.write(7, from: relay.a.id)
                let own = try await relay.write(1, from: relay.b.id)
                let all = try await b.listAll(after: nil)
                let memberships = relay.keyring.chain.count
                #expect(all.names.count == 8 + memberships)
                #expect(Set(all.names).isSuperset(of: written + own))
                // Storage order: memberships first, then the envelopes as they were put.
                #expect(Array(all.names.suffix(8)) == written + own)
                #expect(try await b.get(written[4]).count > 0)
                #expect(try await a.get(own[0]) == (try await b.get(own[0])))
                // Nothing new after the final cursor; then exactly the new object.
                #expect(try await b.listAll(after: all.cursor).names.isEmpty)
                let more = try await relay.write(1, from: relay.a.id)
                #expect(try await b.listAll(after: all.cursor).names == more)
            }
        }

        @Test(arguments: RelayBackend.available)
        func putsAreIdempotentAndWriteOnce(backend: RelayBackend) async throws {
            try await withRelay(backend) { relay in
                let a = relay.transport(relay.a)
                let x = Data("x".utf8)
                try await a.put(x, name: blobName(x))
                try await a.put(x, name: blobName(x))
                await #expect(throws: TransportError.conflict(blobName(x))) { try await a.put(Data("y".utf8), name: blobName(x)) }
                let missing = blobName(Data("nothing".utf8))
                await #expect(throws: TransportError.notFound(missing)) { try await a.get(missing) }
                await #expect(throws: TransportError.self) { try await a.list(after: TransportCursor(rawValue: "not a cursor")) }
                #expect(try await a.listAll(after: nil).names.filter { $0.rawValue.hasPrefix("blob/") } == [blobName(x)])
            }
        }

        @Test(arguments: RelayBackend.available)
        func largeBlobsGoUpInPartsAndDownloadsResumeByRange(backend: RelayBackend) async throws {
            var configuration = RelayConfiguration()
            configuration.maxPartBytes = 64 << 10
            try await withRelay(backend, configuration: configuration) { relay in
                let blob = SecureRandom.bytes(300_000)
                let name = blobName(blob)
                let a = relay.transport(relay.a, partSize: 64 << 10)
                try await a.put(blob, name: name)
                try await a.put(blob, name: name)  // idempotent: the relay says complete
                #expect(try await relay.transport(relay.b).get(name) == blob)
                // A one-request put above the part limit is refused with a clear 413.
                let plain = relay.transport(relay.a, partSize: 1 << 20)
                let other = SecureRandom.bytes(100_000)
                await #expect(throws: TransportError.rejected(status: 413, message: "the object is larger than this relay accepts (65536 bytes)")) {
                    try await plain.put(other, name: blobName(other))
                }
                // Ranged reads.
                let path = "/v1/libraries/\(relay.library)/objects/\(name)"
                var headers = RelayHarness.signedHeaders("GET", path, by: relay.b)
                headers.append(("Range", "bytes=299990-"))
                let tail = try await relay.raw("GET", path, headers: headers)
                #expect(tail.status == 206)
                #expect(tail.headers.contains { $0.0 == "Content-Range" && $0.1 == "bytes 299990-299999/300000" })
                #expect(Data(tail.body.utf8).count >= 0)
                var bad = RelayHarness.signedHeaders("GET", path, by: relay.b)
                bad.append(("Range", "bytes=400000-"))
                #expect(try await relay.raw("GET", path, headers: bad).status == 416)
            }
        }

        @Test(arguments: RelayBackend.available)
        func joinAndRecoveryWorkUnsignedAndNothingElseDoes(backend: RelayBackend) async throws {
            try await withRelay(backend) { relay in
                let stranger = relay.transport(nil)
                let join = SyncObjectName.join(pairing: String(repeating: "ab", count: 16), device: DeviceID.random()).objectName
                try await stranger.put(Data("encrypted card".utf8), name: join)
                let recovery = SyncObjectName.recovery(String(repeating: "cd", count: 32)).objectName
                try await relay.transport(relay.a).put(Data("sealed bundle".utf8), name: recovery)
                #expect(try await stranger.get(recovery) == Data("sealed bundle".utf8))
                await #expect(throws: TransportError.self) { try await stranger.list(after: nil) }
                await #expect(throws: TransportError.self) { try await stranger.get(join) }
                // A member sees the join request.
                #expect(try await relay.transport(relay.a).listAll(after: nil).names.contains(join))
                // The joining device polls for its welcome: "not yet" until it is admitted, then the welcome.
                let newcomer = DeviceIdentity(name: "")
                let pairing = String(repeating: "ef", count: 16)
                let welcome = SyncObjectName.welcome(pairing: pairing, device: newcomer.id).objectName
                await #expect(throws: TransportError.notFound(welcome)) { try await relay.transport(newcomer).get(welcome) }
                relay.keyring = try relay.keyring.admitting(newcomer.card, by: relay.a)
                try await relay.uploadMembership()
                try await relay.transport(relay.a).put(Data("sealed keyring".utf8), name: welcome)
                #expect(try await relay.transport(newcomer).get(welcome) == Data("sealed keyring".utf8))
            }
        }

        @Test(arguments: RelayBackend.available)
        func theRelaySeesNoPlaintext(backend: RelayBackend) async throws {
            try await withRelay(backend) { relay in
                let prompt = "a lighthouse at dusk, oil painting, secret-prompt-7731"
                let e = try relay.nextEnvelope(relay.a.id, prompt)
                try await relay.transport(relay.a).put(e.bytes, name: e.name)
                let needle = Data(prompt.utf8)
                let stored = try await relay.storage.rawBytes(of: relay.library)
                #expect(!stored.isEmpty)
                #expect(stored.allSatisfy { $0.range(of: needle) == nil })
                #expect(stored.allSatisfy { $0.range(of: Data("secret-prompt".utf8)) == nil })
                if let sqlite = relay.storage as? SQLiteRelayStorage {
                    for suffix in ["", "-wal"] {
                        if let file = FileManager.default.contents(atPath: sqlite.path + suffix) { #expect(file.range(of: needle) == nil) }
                    }
                }
            }
        }
    }
}
