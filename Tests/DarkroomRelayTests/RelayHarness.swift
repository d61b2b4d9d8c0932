import AsyncHTTPClient
import DarkroomCrypto
import DarkroomRelay
import DarkroomSync
import Foundation
import Logging

/// The storage back ends every relay test runs against: SQLite always, PostgreSQL when
/// `DARKROOM_TEST_POSTGRES_URL` is set (`.ci/run` always sets it).
enum RelayBackend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    /// The back ends available here.
    static var available: [RelayBackend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    static var postgresURL: String? {
        ProcessInfo.processInfo.environment["DARKROOM_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    var testDescription: String { rawValue }

    /// New, unprepared storage of this back end (SQLite: a file in a folder of its own;
    /// PostgreSQL: the test server, 4 connections), and what closes it and deletes the folder.
    func openStorage() throws -> (any RelayStorage, @Sendable () -> Void) {
        switch self {
        case .sqlite:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("relay-test-\(UUID().uuidString)")
            let sqlite = try SQLiteRelayStorage(path: folder.appendingPathComponent("relay.sqlite").path)
            return (sqlite, { try? FileManager.default.removeItem(at: folder) })
        case .postgres:
            let postgres = try PostgresRelayStorage(url: RelayBackend.postgresURL!, maximumConnections: 4)
            return (postgres, { postgres.shutdown() })
        }
    }
}

import Testing

/// Every relay test, one at a time: they share one PostgreSQL server, which one of them
/// restarts.
@Suite(.serialized) struct RelayTests {}

/// A relay on loopback over fresh storage, and a library with devices A (founder), B and C
/// whose membership the relay already has.
final class RelayHarness: @unchecked Sendable {
    let backend: RelayBackend
    let storage: any RelayStorage
    let server: RelayServer
    /// The misbehaviour the relay can be switched to (honest until a test sets modes).
    let adversary: RelayAdversaryMiddleware
    private(set) var running: RunningRelay
    private let closeStorage: @Sendable () -> Void
    var a = DeviceIdentity(name: "", id: DeviceID.random())
    var b = DeviceIdentity(name: "", id: DeviceID.random())
    var c = DeviceIdentity(name: "", id: DeviceID.random())
    var keyring: LibraryKeyring
    var writers: [DeviceID: LogWriter] = [:]
    var clocks: [DeviceID: HybridLogicalClock] = [:]

    var library: LibraryID { keyring.library }

    init(_ backend: RelayBackend, configuration: RelayConfiguration = RelayConfiguration(), members: Bool = true) async throws {
        self.backend = backend
        (storage, closeStorage) = try backend.openStorage()
        var logger = Logger(label: "relay-test")
        logger.logLevel = ProcessInfo.processInfo.environment["RELAY_TEST_LOG"] != nil ? .debug : .error
        adversary = RelayAdversaryMiddleware(storage: storage)
        server = RelayServer(storage: storage, configuration: configuration, logger: logger, middleware: [adversary])
        running = try await server.start()
        var k = try LibraryKeyring.create(founder: a)
        k = try k.admitting(b.card, by: a)
        k = try k.admitting(c.card, by: a)
        keyring = k
        for d in [a, b, c] {
            writers[d.id] = LogWriter(library: k.library, device: d.id)
            clocks[d.id] = HybridLogicalClock(device: d.id)
        }
        if members { try await uploadMembership() }
    }

    /// Uploads every membership version the relay does not have yet, as device A.
    func uploadMembership(as uploader: DeviceIdentity? = nil) async throws {
        let t = transport(uploader ?? a)
        for signed in keyring.chain {
            let list = try signed.decodedList()
            try await t.put(try JSONEncoder().encode(signed), name: SyncObjectName.membership(version: list.version).objectName)
        }
    }

    /// A transport for `identity` (nil: unsigned only) with quick retries.
    func transport(_ identity: DeviceIdentity?, attempts: Int = 4, partSize: Int = 1 << 20, pageSize: Int = 1000,
                   requestTimeout: Duration = .seconds(60)) -> HTTPTransport {
        HTTPTransport(baseURL: running.url, library: library, identity: identity,
                      retryPolicy: .init(attempts: attempts, initialDelay: .milliseconds(20), maximumDelay: .milliseconds(200)),
                      partSize: partSize, pageSize: pageSize, requestTimeout: requestTimeout)
    }

    func identity(_ id: DeviceID) -> DeviceIdentity { [a, b, c].first { $0.id == id }! }

    /// Seals the next envelope of `device`'s log.
    func nextEnvelope(_ device: DeviceID, _ payload: String) throws -> (name: ObjectName, bytes: Data) {
        let clock = clocks[device]!.now(wallClockMs: 1_700_000_000_000)
        return try writers[device]!.append(Data(payload.utf8), clock: clock, keyring: keyring, identity: identity(device))
    }

    /// Writes `count` envelopes of `device` through its own transport.
    @discardableResult
    func write(_ count: Int, from device: DeviceID) async throws -> [ObjectName] {
        let t = transport(identity(device))
        var names: [ObjectName] = []
        for i in 0..<count {
            let e = try nextEnvelope(device, "\(device)-change-\(writers[device]!.head.sequence + 1)-\(i)")
            try await t.put(e.bytes, name: e.name)
            names.append(e.name)
        }
        return names
    }

    /// Stops and starts the relay on the same port over the same storage.
    func restart() async throws {
        let port = running.port
        try await running.stop()
        running = try await server.start(port: port)
    }

    /// Stops the relay and removes its storage.
    func close() async {
        try? await running.stop()
        closeStorage()
    }

    /// Sends a raw request (for tests of what the transport never sends).
    func raw(_ method: String, _ pathAndQuery: String, body: Data = Data(), headers: [(String, String)] = []) async throws -> (status: Int, body: String, headers: [(String, String)]) {
        var request = HTTPClientRequest(url: running.url.absoluteString + pathAndQuery)
        let client = HTTPClient.shared
        request.method = .init(rawValue: method)
        for (n, v) in headers { request.headers.add(name: n, value: v) }
        if !body.isEmpty || method == "PUT" { request.body = .bytes(body) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let collected = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), String(decoding: Data(collected.readableBytesView), as: UTF8.self), response.headers.map { ($0.name, $0.value) })
    }

    /// Headers signing a request as `identity`.
    static func signedHeaders(_ method: String, _ pathAndQuery: String, body: Data = Data(), by identity: DeviceIdentity,
                              timestamp: Int64 = Int64(Date().timeIntervalSince1970), nonce: String? = nil) -> [(String, String)] {
        let nonce = nonce ?? ContentHash.hex([UInt8](SecureRandom.bytes(16)))
        return RelayRequestSignature.sign(method: method, pathAndQuery: pathAndQuery, contentHash: RelayRequestSignature.contentHash(of: body),
                                          by: identity, timestamp: timestamp, nonce: nonce).headers
    }
}

/// Runs `body` with a harness and always closes it.
func withRelay(_ backend: RelayBackend, configuration: RelayConfiguration = RelayConfiguration(), members: Bool = true,
               _ body: (RelayHarness) async throws -> Void) async throws {
    let harness = try await RelayHarness(backend, configuration: configuration, members: members)
    do {
        try await body(harness)
    } catch {
        await harness.close()
        throw error
    }
    await harness.close()
}

func blobName(_ data: Data) -> ObjectName { SyncObjectName.blob(ContentHash.hex([UInt8](try! GenericHash.hash(data)))).objectName }
