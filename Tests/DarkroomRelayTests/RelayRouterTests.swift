@testable import DarkroomRelay
import DarkroomSync
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

/// Every error each route answers, through Hummingbird's router test mode (no socket): the status,
/// and the JSON `error` a client shows.
@Suite struct RelayRouterTests {
    /// A library with A (founder) and B whose memberships the relay has, and Z, no member.
    struct Fixture {
        let a = DeviceIdentity(name: "", id: DeviceID.random())
        let b = DeviceIdentity(name: "", id: DeviceID.random())
        let z = DeviceIdentity(name: "", id: DeviceID.random())
        let keyring: LibraryKeyring
        var library: LibraryID { keyring.library }

        init() throws { keyring = try LibraryKeyring.create(founder: a).admitting(b.card, by: a) }

        func path(_ name: ObjectName) -> String { "/v1/libraries/\(library)/objects/\(name.rawValue)" }
        func upload(_ blob: String) -> String { "/v1/libraries/\(library)/uploads/blob/\(blob)" }

        /// Headers signing `method pathAndQuery` with `body` as `identity`.
        func signed(_ method: String, _ pathAndQuery: String, body: Data = Data(), by identity: DeviceIdentity,
                    extra: [(String, String)] = []) -> HTTPFields {
            var fields = HTTPFields()
            let signature = RelayRequestSignature.sign(method: method, pathAndQuery: pathAndQuery,
                                                       contentHash: RelayRequestSignature.contentHash(of: body), by: identity)
            for (name, value) in signature.headers + extra { fields[HTTPField.Name(name)!] = value }
            return fields
        }
    }

    /// Runs `body` against a relay on fresh SQLite storage, in router test mode, with the fixture's
    /// memberships uploaded.
    func withRelay(_ configuration: RelayConfiguration = RelayConfiguration(),
                   _ body: @escaping @Sendable (any TestClientProtocol, Fixture) async throws -> Void) async throws {
        let (storage, close) = try RelayBackend.sqlite.openStorage()
        defer { close() }
        try await storage.prepare()
        var logger = Logger(label: "relay-router-test")
        logger.logLevel = .error
        let responder = RelayResponder(storage: storage, configuration: configuration, metrics: RelayMetrics(), logger: logger)
        let app = Application(router: responder.router(), logger: logger)
        let fixture = try Fixture()
        try await app.test(.router) { client in
            for signed in fixture.keyring.chain {
                let name = SyncObjectName.membership(version: try signed.decodedList().version).objectName
                let bytes = try JSONEncoder().encode(signed)
                let answer = try await client.execute(uri: fixture.path(name), method: .put,
                                                      headers: fixture.signed("PUT", fixture.path(name), body: bytes, by: fixture.a),
                                                      body: ByteBuffer(bytes: bytes))
                #expect(answer.status == .created, "membership upload: \(String(buffer: answer.body))")
            }
            try await body(client, fixture)
        }
    }

    /// Expects `status` and an error message containing `words`.
    func expect(_ answer: TestResponse, _ status: HTTPResponse.Status, _ words: String,
                sourceLocation: SourceLocation = #_sourceLocation) {
        let text = String(buffer: answer.body)
        #expect(answer.status == status, "\(text)", sourceLocation: sourceLocation)
        let message = (try? JSONDecoder().decode(RelayErrorBody.self, from: Data(text.utf8)))?.error ?? ""
        #expect(message.contains(words), "\(text)", sourceLocation: sourceLocation)
    }

    @Test func listAnswers400401403AndUnknownPaths404And405() async throws {
        try await withRelay { client, f in
            let list = "/v1/libraries/\(f.library)/objects"
            expect(try await client.execute(uri: list + "?after=abc", method: .get, headers: f.signed("GET", list + "?after=abc", by: f.a)),
                   .badRequest, "invalid cursor")
            expect(try await client.execute(uri: list, method: .get), .unauthorized, "must be signed")
            expect(try await client.execute(uri: list, method: .get, headers: f.signed("GET", list, by: f.z)), .forbidden, "not a member")
            expect(try await client.execute(uri: "/v1/nothing", method: .get), .notFound, "no such endpoint")
            expect(try await client.execute(uri: list, method: .delete), .methodNotAllowed, "not allowed")
            let other = "/v1/libraries/\(LibraryID.random())/objects"
            expect(try await client.execute(uri: other, method: .get, headers: f.signed("GET", other, by: f.a)), .notFound, "unknown to this relay")
        }
    }

    @Test func objectsAnswer404409413And416() async throws {
        var configuration = RelayConfiguration()
        configuration.maxObjectBytes = 1024
        try await withRelay(configuration) { client, f in
            let name = SyncObjectName.log(f.a.id, sequence: 1).objectName
            let path = f.path(name)
            expect(try await client.execute(uri: path, method: .get, headers: f.signed("GET", path, by: f.a)), .notFound, "no object")
            let first = Data(repeating: 1, count: 100), second = Data(repeating: 2, count: 100)
            let stored = try await client.execute(uri: path, method: .put, headers: f.signed("PUT", path, body: first, by: f.a),
                                                  body: ByteBuffer(bytes: first))
            #expect(stored.status == .created)
            expect(try await client.execute(uri: path, method: .put, headers: f.signed("PUT", path, body: second, by: f.a),
                                            body: ByteBuffer(bytes: second)), .conflict, "write-once")
            let big = Data(repeating: 3, count: 2000)
            let next = f.path(SyncObjectName.log(f.a.id, sequence: 2).objectName)
            expect(try await client.execute(uri: next, method: .put, headers: f.signed("PUT", next, body: big, by: f.a),
                                            body: ByteBuffer(bytes: big)), .contentTooLarge, "larger than this relay accepts")
            let ranged = try await client.execute(uri: path, method: .get,
                                                  headers: f.signed("GET", path, by: f.b, extra: [("Range", "bytes=500-")]))
            #expect(ranged.status == .rangeNotSatisfiable)
            #expect(ranged.headers[.contentRange] == "bytes */100")
            expect(try await client.execute(uri: path, method: .put, headers: f.signed("PUT", path, body: first, by: f.b),
                                            body: ByteBuffer(bytes: first)), .forbidden, "only device")
        }
    }

    @Test func uploadsAnswer400And422() async throws {
        try await withRelay { client, f in
            let blob = String(repeating: "ab", count: 32)
            let part = f.upload(blob)
            expect(try await client.execute(uri: part, method: .put, headers: f.signed("PUT", part, by: f.a)), .badRequest, "?offset=")
            let commit = part + "?size=10&digest=" + String(repeating: "00", count: 32)
            expect(try await client.execute(uri: commit, method: .post, headers: f.signed("POST", commit, by: f.a)),
                   .unprocessableContent, "incomplete")
            let notBlob = "/v1/libraries/\(f.library)/uploads/\(SyncObjectName.log(f.a.id, sequence: 1).objectName.rawValue)"
            expect(try await client.execute(uri: notBlob, method: .get, headers: f.signed("GET", notBlob, by: f.a)), .badRequest, "only blobs")
        }
    }

    @Test func aDeviceOverItsRateGets429WithRetryAfter() async throws {
        var configuration = RelayConfiguration()
        configuration.deviceRateLimit = .init(ratePerSecond: 0.01, burst: 2)
        try await withRelay(configuration) { client, f in
            let list = "/v1/libraries/\(f.library)/objects"
            var statuses: [HTTPResponse.Status] = []
            var last: TestResponse?
            for _ in 0..<3 {
                let answer = try await client.execute(uri: list, method: .get, headers: f.signed("GET", list, by: f.b))
                statuses.append(answer.status)
                last = answer
            }
            #expect(statuses == [.ok, .ok, .tooManyRequests])
            #expect(last?.headers[.retryAfter].flatMap(Int.init) ?? 0 > 0)
        }
    }
}
