import DarkroomCrypto
import DarkroomSync
import Foundation
import NIOConcurrencyHelpers
import Logging
import PostgresNIO

/// Relay storage in a PostgreSQL database (postgres-nio, a pool of connections): for a
/// relay that runs as several stateless processes against one database. The same tables
/// as `SQLiteRelayStorage`; per-library sequence numbers are taken under the library row's
/// lock, so concurrent processes never produce a listing that skips an object.
public final class PostgresRelayStorage: RelayStorage {
    private let database: GuardedPool
    private let nonces: StorageBatcher<NonceRecord, Bool>
    private let deviceReads: StorageBatcher<DeviceKey, RelayDeviceRecord?>
    private var logger: Logger { database.logger }
    /// Longest time one storage operation may take; past it the request fails with 503 and
    /// the connection pool is replaced. A query sent on a connection that the server is
    /// closing (a database restart) can go unanswered for good; the replaced pool finishes
    /// what it has in flight before it closes.
    public let operationTimeout: Duration
    /// The same limit for the statements that record the nonces and read the device records
    /// of concurrent requests (`StorageBatcher`): every request waits for them, so one that
    /// goes unanswered would hold up the whole relay for the longer limit.
    public let batchTimeout: Duration

    /// Connects to `url` (`postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE`, TLS off unless
    /// `?sslmode=require`) with at most `maximumConnections` connections.
    public init(url: String, maximumConnections: Int = 20, operationTimeout: Duration = .seconds(10), batchTimeout: Duration = .seconds(2),
                logger: Logger = Logger(label: "darkroom.relay.postgres")) throws {
        guard let parts = URLComponents(string: url), ["postgres", "postgresql"].contains(parts.scheme ?? ""),
              let host = parts.host, let user = parts.user, !user.isEmpty else {
            throw RelayStorageError.badLocation(url)
        }
        let database = String(parts.path.drop { $0 == "/" })
        let tls: PostgresClient.Configuration.TLS =
            parts.queryItems?.contains { $0.name == "sslmode" && $0.value == "require" } == true ? .require(.makeClientConfiguration()) : .disable
        var configuration = PostgresClient.Configuration(host: host, port: parts.port ?? 5432, username: user,
                                                         password: parts.password, database: database.isEmpty ? user : database, tls: tls)
        configuration.options.maximumConnections = max(1, maximumConnections)
        configuration.options.connectTimeout = .seconds(5)
        self.operationTimeout = operationTimeout
        self.batchTimeout = batchTimeout
        let guardedPool = GuardedPool(slot: ClientSlot(configuration: configuration, logger: logger), timeout: operationTimeout, logger: logger)
        self.database = guardedPool
        nonces = .nonces { records in
            try await guardedPool.run(within: batchTimeout) { client in try await Self.insertNonces(records, client: client, logger: logger) }
        }
        deviceReads = StorageBatcher(repeated: { $0 }) { keys in
            try await guardedPool.run(within: batchTimeout) { client in try await Self.readDevices(keys, client: client, logger: logger) }
        }
    }

    /// Closes the connection pool.
    public func shutdown() {
        database.slot.shutdown()
    }

    /// Creates the tables under an advisory lock, so processes starting together do not race.
    public func prepare() async throws {
        try await guarded { client in
            try await client.withTransaction(logger: self.logger) { conn in
                try await conn.query("SELECT pg_advisory_xact_lock(7461)", logger: self.logger)
                for statement in PostgresRelaySchema.statements { try await conn.query(statement, logger: self.logger) }
            }
        }
    }

    /// The device's record, read in one statement with those of concurrent requests (each
    /// read starts after it was asked for, so it sees every change acknowledged before).
    public func device(_ device: DeviceID, in library: LibraryID) async throws -> RelayDeviceRecord? {
        try await deviceReads.submit(DeviceKey(device: device, library: library))
    }

    /// The records of distinct devices, in one statement; nil for one the library lacks.
    private static func readDevices(_ keys: [DeviceKey], client: PostgresClient, logger: Logger) async throws -> [RelayDeviceRecord?] {
        let rows = try await client.query("""
            SELECT d.library, d.device, d.signing_key, d.active
            FROM unnest(\(keys.map(\.library.rawValue))::text[], \(keys.map(\.device.rawValue))::text[]) AS k(library, device)
            JOIN relay_devices d ON d.library = k.library AND d.device = k.device
            """, logger: logger)
        var found: [DeviceKey: RelayDeviceRecord] = [:]
        for try await (library, device, key, active) in rows.decode((String, String, Data, Bool).self) {
            guard let library = LibraryID(rawValue: library), let device = DeviceID(rawValue: device) else { continue }
            found[DeviceKey(device: device, library: library)] = RelayDeviceRecord(device: device, signingKey: try SigningPublicKey(bytes: key), active: active)
        }
        return keys.map { found[$0] }
    }

    /// The newest membership.
    public func membership(of library: LibraryID) async throws -> RelayMembershipState? {
        try await guarded { client in
            let rows = try await client.query("SELECT membership_version, membership FROM relay_libraries WHERE library = \(library.rawValue)", logger: self.logger)
            for try await (version, bytes) in rows.decode((Int64, Data).self) { return RelayMembershipState(version: UInt64(version), bytes: bytes) }
            return nil
        }
    }

    /// Creates the library with its first membership.
    public func createLibrary(_ library: LibraryID, membershipName name: ObjectName, bytes: Data, devices: [RelayDeviceRecord]) async throws -> Bool {
        try await guarded { client in
            try await client.withTransaction(logger: self.logger) { conn in
                let rows = try await conn.query("""
                    INSERT INTO relay_libraries (library, last_seq, membership_version, membership, created_at)
                    VALUES (\(library.rawValue), 0, 1, \(bytes), \(Self.now())) ON CONFLICT DO NOTHING RETURNING 1
                    """, logger: self.logger)
                guard try await Self.count(rows) == 1 else { return false }
                try await self.replaceDevices(conn, library: library, devices: devices)
                try await self.insert(conn, bytes: bytes, name: name, library: library)
                return true
            }
        }
    }

    /// Stores an object, write-once.
    public func put(_ bytes: Data, name: ObjectName, in library: LibraryID, membership: RelayMembershipChange?, nonce: RelayNonceUse?) async throws -> RelayPutOutcome {
        try await guarded { client in
            try await client.withTransaction(logger: self.logger) { conn -> RelayPutOutcome in
                if let nonce, try await Self.count(try await self.insertNonce(conn, nonce, library: library)) != 1 {
                    throw RelayStorageError.replayedNonce
                }
                // Take the library row's lock first: puts of one library are serialized from here.
                let seq = try await self.nextSequence(conn, library: library)
                let existing = try await conn.query("SELECT digest FROM relay_objects WHERE library = \(library.rawValue) AND name = \(name.rawValue)", logger: self.logger)
                for try await digest in existing.decode(Data.self) {
                    // Returning commits the sequence bump: a harmless gap in the numbering.
                    return digest == RelayStorageSupport.digest(bytes) ? .alreadyStored : .conflict
                }
                if let membership {
                    let updated = try await conn.query("""
                        UPDATE relay_libraries SET membership_version = \(Int64(membership.version)), membership = \(bytes)
                        WHERE library = \(library.rawValue) AND membership_version = \(Int64(membership.version) - 1) RETURNING 1
                        """, logger: self.logger)
                    guard try await Self.count(updated) == 1 else { throw RelayStorageError.staleMembership(expected: membership.version) }
                    try await self.replaceDevices(conn, library: library, devices: membership.devices)
                }
                try await self.insertObject(conn, bytes: bytes, name: name, library: library, seq: seq)
                return .stored
            }
        }
    }

    /// Size and digest.
    public func info(_ name: ObjectName, in library: LibraryID) async throws -> RelayObjectInfo? {
        try await guarded { client in
            let rows = try await client.query("SELECT size, digest FROM relay_objects WHERE library = \(library.rawValue) AND name = \(name.rawValue)", logger: self.logger)
            for try await (size, digest) in rows.decode((Int64, Data).self) { return RelayObjectInfo(size: size, digest: digest) }
            return nil
        }
    }

    /// The chunk containing `offset`.
    public func chunk(of name: ObjectName, in library: LibraryID, containing offset: Int64) async throws -> (offset: Int64, data: Data)? {
        try await guarded { client in
            let rows = try await client.query("""
                SELECT byte_offset, data FROM relay_chunks WHERE library = \(library.rawValue) AND name = \(name.rawValue) AND byte_offset <= \(offset)
                ORDER BY byte_offset DESC LIMIT 1
                """, logger: self.logger)
            for try await (start, data) in rows.decode((Int64, Data).self) {
                return start + Int64(data.count) > offset ? (start, data) : nil
            }
            return nil
        }
    }

    /// A page of the listing.
    public func list(_ library: LibraryID, after: Int64, limit: Int) async throws -> (objects: [RelayListedObject], hasMore: Bool) {
        try await guarded { client in
            let rows = try await client.query("""
                SELECT seq, name FROM relay_objects WHERE library = \(library.rawValue) AND seq > \(after) ORDER BY seq LIMIT \(Int64(limit + 1))
                """, logger: self.logger)
            var objects: [RelayListedObject] = []
            var total = 0
            for try await (seq, name) in rows.decode((Int64, String).self) {
                total += 1
                if total <= limit, let n = ObjectName(rawValue: name) { objects.append(RelayListedObject(sequence: seq, name: n)) }
            }
            return (objects, total > limit)
        }
    }

    /// Stages a part.
    public func stagePart(_ data: Data, at offset: Int64, name: ObjectName, in library: LibraryID) async throws {
        try await guarded { client in
            try await client.query("""
                INSERT INTO relay_uploads (library, name, byte_offset, data, created_at)
                VALUES (\(library.rawValue), \(name.rawValue), \(offset), \(data), \(Self.now())) ON CONFLICT DO NOTHING
                """, logger: self.logger)
        }
    }

    /// The gap-free staged prefix.
    public func stagedPrefix(of name: ObjectName, in library: LibraryID) async throws -> Int64 {
        try await guarded { client in
            try await client.withTransaction(logger: self.logger) { conn in
                let (end, stray) = try await self.parts(conn, name: name, library: library)
                for offset in stray {
                    try await conn.query("DELETE FROM relay_uploads WHERE library = \(library.rawValue) AND name = \(name.rawValue) AND byte_offset = \(offset)", logger: self.logger)
                }
                return end
            }
        }
    }

    /// Assembles an upload.
    public func commitUpload(_ name: ObjectName, in library: LibraryID, size: Int64, digest: Data) async throws -> RelayCommitOutcome {
        try await guarded { client in
            try await client.withTransaction(logger: self.logger) { conn -> RelayCommitOutcome in
                let seq = try await self.nextSequence(conn, library: library)
                let existing = try await conn.query("SELECT size, digest FROM relay_objects WHERE library = \(library.rawValue) AND name = \(name.rawValue)", logger: self.logger)
                var found: (Int64, Data)? = nil
                for try await row in existing.decode((Int64, Data).self) { found = row }
                if let found {
                    try await self.dropParts(conn, name: name, library: library)
                    return .put(found.1 == digest && found.0 == size ? .alreadyStored : .conflict)
                }
                let (end, stray) = try await self.parts(conn, name: name, library: library)
                guard stray.isEmpty, end == size else { return .incomplete(received: end) }
                let hasher = try GenericHash.Hasher()
                let rows = try await conn.query("SELECT data FROM relay_uploads WHERE library = \(library.rawValue) AND name = \(name.rawValue) ORDER BY byte_offset", logger: self.logger)
                for try await part in rows.decode(Data.self) { hasher.update(part) }
                guard hasher.finalize() == digest else {
                    try await self.dropParts(conn, name: name, library: library)
                    return .digestMismatch
                }
                try await conn.query("""
                    INSERT INTO relay_objects (library, name, seq, size, digest, created_at)
                    VALUES (\(library.rawValue), \(name.rawValue), \(seq), \(size), \(digest), \(Self.now()))
                    """, logger: self.logger)
                try await conn.query("""
                    INSERT INTO relay_chunks (library, name, byte_offset, data)
                    SELECT library, name, byte_offset, data FROM relay_uploads WHERE library = \(library.rawValue) AND name = \(name.rawValue)
                    """, logger: self.logger)
                try await self.dropParts(conn, name: name, library: library)
                return .put(.stored)
            }
        }
    }

    /// Records a nonce, in one statement with the nonces of concurrent requests.
    public func useNonce(_ nonce: String, device: DeviceID, library: LibraryID, expiresAt: Int64) async throws -> Bool {
        try await nonces.submit(NonceRecord(nonce: nonce, device: device, library: library, expiresAt: expiresAt))
    }

    /// Inserts distinct used nonces in one statement; for each, whether it was not there.
    private static func insertNonces(_ records: [NonceRecord], client: PostgresClient, logger: Logger) async throws -> [Bool] {
        func key(_ expiresAt: Int64, _ library: String, _ device: String, _ nonce: String) -> String { "\(expiresAt) \(library) \(device) \(nonce)" }
        let rows = try await client.query("""
            INSERT INTO relay_used_nonces (expires_at, library, device, nonce)
            SELECT * FROM unnest(\(records.map(\.expiresAt))::int8[], \(records.map(\.library.rawValue))::text[],
                                 \(records.map(\.device.rawValue))::text[], \(records.map(\.nonce))::text[])
            ON CONFLICT DO NOTHING RETURNING expires_at, library, device, nonce
            """, logger: logger)
        var stored = Set<String>()
        for try await (expiresAt, library, device, nonce) in rows.decode((Int64, String, String, String).self) {
            stored.insert(key(expiresAt, library, device, nonce))
        }
        return records.map { stored.contains(key($0.expiresAt, $0.library.rawValue, $0.device.rawValue, $0.nonce)) }
    }

    /// Inserts a used nonce unless it is there; one row back when it was fresh.
    private func insertNonce(_ conn: PostgresConnection, _ use: RelayNonceUse, library: LibraryID) async throws -> PostgresRowSequence {
        try await conn.query("""
            INSERT INTO relay_used_nonces (expires_at, library, device, nonce) VALUES (\(use.expiresAt), \(library.rawValue), \(use.device.rawValue), \(use.nonce))
            ON CONFLICT DO NOTHING RETURNING 1
            """, logger: logger)
    }

    /// Forgets expired nonces.
    public func purgeNonces(expiredBefore time: Int64) async throws {
        try await guarded { client in try await client.query("DELETE FROM relay_used_nonces WHERE expires_at < \(time)", logger: self.logger) }
    }

    public func purgeStaleUploads(startedBefore time: Int64) async throws {
        try await guarded { client in try await client.query("DELETE FROM relay_uploads WHERE created_at < \(time)", logger: self.logger) }
    }

    /// Every chunk and staged part of a library.
    public func rawBytes(of library: LibraryID) async throws -> [Data] {
        try await guarded { client in
            let rows = try await client.query("""
                SELECT data FROM relay_chunks WHERE library = \(library.rawValue) UNION ALL SELECT data FROM relay_uploads WHERE library = \(library.rawValue)
                """, logger: self.logger)
            var out: [Data] = []
            for try await d in rows.decode(Data.self) { out.append(d) }
            return out
        }
    }

    // MARK: Shared steps

    private static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    private static func count(_ rows: PostgresRowSequence) async throws -> Int {
        var n = 0
        for try await _ in rows { n += 1 }
        return n
    }

    private func nextSequence(_ conn: PostgresConnection, library: LibraryID) async throws -> Int64 {
        let rows = try await conn.query("UPDATE relay_libraries SET last_seq = last_seq + 1 WHERE library = \(library.rawValue) RETURNING last_seq", logger: logger)
        for try await seq in rows.decode(Int64.self) { return seq }
        throw RelayStorageError.unknownLibrary(library)
    }

    private func insert(_ conn: PostgresConnection, bytes: Data, name: ObjectName, library: LibraryID) async throws {
        try await insertObject(conn, bytes: bytes, name: name, library: library, seq: try await nextSequence(conn, library: library))
    }

    private func insertObject(_ conn: PostgresConnection, bytes: Data, name: ObjectName, library: LibraryID, seq: Int64) async throws {
        try await conn.query("""
            INSERT INTO relay_objects (library, name, seq, size, digest, created_at)
            VALUES (\(library.rawValue), \(name.rawValue), \(seq), \(Int64(bytes.count)), \(RelayStorageSupport.digest(bytes)), \(Self.now()))
            """, logger: logger)
        for (offset, chunk) in RelayStorageSupport.chunks(bytes) {
            try await conn.query("INSERT INTO relay_chunks (library, name, byte_offset, data) VALUES (\(library.rawValue), \(name.rawValue), \(offset), \(chunk))", logger: logger)
        }
    }

    private func replaceDevices(_ conn: PostgresConnection, library: LibraryID, devices: [RelayDeviceRecord]) async throws {
        try await conn.query("DELETE FROM relay_devices WHERE library = \(library.rawValue)", logger: logger)
        for d in devices {
            try await conn.query("""
                INSERT INTO relay_devices (library, device, signing_key, active) VALUES (\(library.rawValue), \(d.device.rawValue), \(d.signingKey.bytes), \(d.active))
                """, logger: logger)
        }
    }

    private func parts(_ conn: PostgresConnection, name: ObjectName, library: LibraryID) async throws -> (end: Int64, stray: [Int64]) {
        let rows = try await conn.query("""
            SELECT byte_offset, octet_length(data)::BIGINT FROM relay_uploads WHERE library = \(library.rawValue) AND name = \(name.rawValue) ORDER BY byte_offset
            """, logger: logger)
        var parts: [(offset: Int64, length: Int64)] = []
        for try await (offset, length) in rows.decode((Int64, Int64).self) { parts.append((offset, length)) }
        return RelayStorageSupport.contiguousPrefix(parts)
    }

    private func dropParts(_ conn: PostgresConnection, name: ObjectName, library: LibraryID) async throws {
        try await conn.query("DELETE FROM relay_uploads WHERE library = \(library.rawValue) AND name = \(name.rawValue)", logger: logger)
    }

    /// Runs one SQL statement as it is (tests build the layouts of older relays with it).
    func execute(unsafeSQL sql: String) async throws {
        try await guarded { client in try await client.query(PostgresQuery(unsafeSQL: sql), logger: self.logger) }
    }

    /// Runs `body` with the current pool, within `operationTimeout`; maps database errors.
    @discardableResult
    private func guarded<T: Sendable>(_ body: @Sendable @escaping (PostgresClient) async throws -> T) async throws -> T {
        try await database.run(body)
    }
}

/// The connection pool with the rules every storage operation runs under: a time limit past
/// which the pool is replaced, and database errors mapped to `RelayStorageError`.
private struct GuardedPool: Sendable {
    let slot: ClientSlot
    let timeout: Duration
    let logger: Logger

    /// Runs `body` with the current pool, within `limit` (`timeout` when nil); maps database errors.
    @discardableResult
    func run<T: Sendable>(within limit: Duration? = nil, _ body: @Sendable @escaping (PostgresClient) async throws -> T) async throws -> T {
        let (client, generation) = slot.current()
        let limit = limit ?? timeout
        do {
            return try await Deadline.run(within: limit) { try await body(client) }
        } catch let error as RelayStorageError {
            throw error
        } catch let error as PostgresTransactionError where error.closureError is RelayStorageError {
            // A refusal from inside a transaction (replayed nonce, stale membership), rolled back.
            throw error.closureError as! RelayStorageError
        } catch is Deadline.Exceeded {
            logger.warning("storage operation timed out; replacing the connection pool")
            slot.replace(generation: generation, retiringAfter: timeout)
            throw RelayStorageError.database("the database did not answer within \(limit)")
        } catch let error as CancellationError {
            throw error
        } catch {
            throw RelayStorageError.database(String(reflecting: error))
        }
    }
}
