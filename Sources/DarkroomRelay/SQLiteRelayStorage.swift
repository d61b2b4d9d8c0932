import DarkroomCrypto
import DarkroomSync
import Foundation
import GRDB

/// Relay storage in one SQLite file (WAL mode, through GRDB): the default for a relay on
/// one machine. Serve one file from one relay process; for several processes use
/// `PostgresRelayStorage`.
public final class SQLiteRelayStorage: RelayStorage {
    let pool: DatabasePool
    private let nonces: StorageBatcher<NonceRecord, Bool>
    private let deviceRecords = DeviceRecordCache()
    /// The database file.
    public let path: String

    /// Opens (creating when missing) the database at `path`.
    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        do {
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw RelayStorageError.database("cannot open \(path): \(error)")
        }
        nonces = .nonces { [pool] records in
            try await pool.write { db in
                try records.map { record in
                    try Self.insertNonce(db, record.use, library: record.library)
                    return db.changesCount == 1
                }
            }
        }
    }

    /// Inserts a used nonce unless it is there; `db.changesCount` then says whether it was fresh.
    private static func insertNonce(_ db: Database, _ use: RelayNonceUse, library: LibraryID) throws {
        try db.cachedStatement(sql: "INSERT INTO relay_used_nonces (expires_at, library, device, nonce) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
            .execute(arguments: [use.expiresAt, library.rawValue, use.device.rawValue, use.nonce])
    }

    private static let schema = """
        CREATE TABLE IF NOT EXISTS relay_libraries (
            library TEXT PRIMARY KEY, last_seq INTEGER NOT NULL, membership_version INTEGER NOT NULL,
            membership BLOB NOT NULL, created_at INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS relay_devices (
            library TEXT NOT NULL, device TEXT NOT NULL, signing_key BLOB NOT NULL, active INTEGER NOT NULL,
            PRIMARY KEY (library, device));
        CREATE TABLE IF NOT EXISTS relay_objects (
            library TEXT NOT NULL, name TEXT NOT NULL, seq INTEGER NOT NULL, size INTEGER NOT NULL,
            digest BLOB NOT NULL, created_at INTEGER NOT NULL, PRIMARY KEY (library, name));
        CREATE UNIQUE INDEX IF NOT EXISTS relay_objects_by_seq ON relay_objects (library, seq);
        CREATE TABLE IF NOT EXISTS relay_chunks (
            library TEXT NOT NULL, name TEXT NOT NULL, byte_offset INTEGER NOT NULL, data BLOB NOT NULL,
            PRIMARY KEY (library, name, byte_offset));
        CREATE TABLE IF NOT EXISTS relay_uploads (
            library TEXT NOT NULL, name TEXT NOT NULL, byte_offset INTEGER NOT NULL, data BLOB NOT NULL,
            created_at INTEGER NOT NULL, PRIMARY KEY (library, name, byte_offset));
        CREATE TABLE IF NOT EXISTS relay_used_nonces (
            expires_at INTEGER NOT NULL, library TEXT NOT NULL, device TEXT NOT NULL, nonce TEXT NOT NULL,
            PRIMARY KEY (expires_at, library, device, nonce)) WITHOUT ROWID;
        """

    /// Creates the tables, and moves the nonces of a relay database from before `relay_used_nonces`
    /// (keyed by time first: `RelayStorage.useNonce`) into it.
    public func prepare() async throws {
        try await guarded {
            try await self.pool.write { db in
                try db.execute(sql: Self.schema)
                if try db.tableExists("relay_nonces") {
                    try db.execute(sql: """
                        INSERT OR IGNORE INTO relay_used_nonces (expires_at, library, device, nonce)
                        SELECT expires_at, library, device, nonce FROM relay_nonces;
                        DROP TABLE relay_nonces;
                        """)
                }
            }
        }
    }

    /// The device's record.
    ///
    /// Served from memory after the first read: this process is the file's only writer, and
    /// every write of device records (`createLibrary`, a membership change in `put`) empties
    /// the cache once it has committed (`DeviceRecordCache`).
    public func device(_ device: DeviceID, in library: LibraryID) async throws -> RelayDeviceRecord? {
        try await guarded {
            try self.deviceRecords.record(device, in: library) {
                try self.readHere { db in
                    guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT signing_key, active FROM relay_devices WHERE library = ? AND device = ?"),
                        arguments: [library.rawValue, device.rawValue]) else { return nil }
                    return RelayDeviceRecord(device: device, signingKey: try SigningPublicKey(bytes: row["signing_key"]), active: row["active"])
                }
            }
        }
    }

    /// The newest membership.
    public func membership(of library: LibraryID) async throws -> RelayMembershipState? {
        try await guarded {
            try self.readHere { db in
                try Row.fetchOne(db.cachedStatement(sql: "SELECT membership_version, membership FROM relay_libraries WHERE library = ?"), arguments: [library.rawValue])
                    .map { RelayMembershipState(version: UInt64($0["membership_version"] as Int64), bytes: $0["membership"]) }
            }
        }
    }

    /// Creates the library with its first membership.
    public func createLibrary(_ library: LibraryID, membershipName name: ObjectName, bytes: Data, devices: [RelayDeviceRecord]) async throws -> Bool {
        defer { deviceRecords.invalidate() }
        return try await guarded {
            try await self.writeFlushed { db in
                guard try Row.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM relay_libraries WHERE library = ?"), arguments: [library.rawValue]) == nil else { return false }
                try db.cachedStatement(sql: "INSERT INTO relay_libraries (library, last_seq, membership_version, membership, created_at) VALUES (?, 0, 1, ?, ?)").execute(
                    arguments: [library.rawValue, bytes, Self.now()])
                try Self.replaceDevices(db, library: library, devices: devices)
                _ = try Self.insert(db, bytes: bytes, name: name, library: library)
                return true
            }
        }
    }

    /// Stores an object, write-once.
    public func put(_ bytes: Data, name: ObjectName, in library: LibraryID, membership: RelayMembershipChange?, nonce: RelayNonceUse?) async throws -> RelayPutOutcome {
        defer { if membership != nil { deviceRecords.invalidate() } }
        return try await guarded {
            try await self.writeFlushed { db in
                if let nonce {
                    try Self.insertNonce(db, nonce, library: library)
                    guard db.changesCount == 1 else { throw RelayStorageError.replayedNonce }
                }
                if let existing = try Data.fetchOne(db.cachedStatement(sql: "SELECT digest FROM relay_objects WHERE library = ? AND name = ?"), arguments: [library.rawValue, name.rawValue]) {
                    return existing == RelayStorageSupport.digest(bytes) ? .alreadyStored : .conflict
                }
                if let membership {
                    try db.cachedStatement(sql: "UPDATE relay_libraries SET membership_version = ?, membership = ? WHERE library = ? AND membership_version = ?").execute(
                        arguments: [Int64(membership.version), bytes, library.rawValue, Int64(membership.version) - 1])
                    guard db.changesCount == 1 else { throw RelayStorageError.staleMembership(expected: membership.version) }
                    try Self.replaceDevices(db, library: library, devices: membership.devices)
                }
                return try Self.insert(db, bytes: bytes, name: name, library: library)
            }
        }
    }

    /// Size and digest.
    public func info(_ name: ObjectName, in library: LibraryID) async throws -> RelayObjectInfo? {
        try await guarded {
            try self.readHere { db in
                try Row.fetchOne(db.cachedStatement(sql: "SELECT size, digest FROM relay_objects WHERE library = ? AND name = ?"), arguments: [library.rawValue, name.rawValue])
                    .map { RelayObjectInfo(size: $0["size"], digest: $0["digest"]) }
            }
        }
    }

    /// The chunk containing `offset`.
    public func chunk(of name: ObjectName, in library: LibraryID, containing offset: Int64) async throws -> (offset: Int64, data: Data)? {
        try await guarded {
            try self.readHere { db in
                try Row.fetchOne(db.cachedStatement(sql: """
                    SELECT byte_offset, data FROM relay_chunks WHERE library = ? AND name = ? AND byte_offset <= ?
                    ORDER BY byte_offset DESC LIMIT 1
                    """), arguments: [library.rawValue, name.rawValue, offset])
                    .map { (offset: $0["byte_offset"] as Int64, data: $0["data"] as Data) }
                    .flatMap { $0.offset + Int64($0.data.count) > offset ? $0 : nil }
            }
        }
    }

    /// A page of the listing.
    public func list(_ library: LibraryID, after: Int64, limit: Int) async throws -> (objects: [RelayListedObject], hasMore: Bool) {
        try await guarded {
            try self.readHere { db in
                let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT seq, name FROM relay_objects WHERE library = ? AND seq > ? ORDER BY seq LIMIT ?"),
                    arguments: [library.rawValue, after, limit + 1])
                let objects = rows.prefix(limit).compactMap { row in
                    ObjectName(rawValue: row["name"]).map { RelayListedObject(sequence: row["seq"], name: $0) }
                }
                return (objects, rows.count > limit)
            }
        }
    }

    /// Stages a part.
    public func stagePart(_ data: Data, at offset: Int64, name: ObjectName, in library: LibraryID) async throws {
        try await guarded {
            try await self.pool.write { db in
                try db.cachedStatement(sql: "INSERT INTO relay_uploads (library, name, byte_offset, data, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING").execute(
                    arguments: [library.rawValue, name.rawValue, offset, data, Self.now()])
            }
        }
    }

    /// The gap-free staged prefix.
    public func stagedPrefix(of name: ObjectName, in library: LibraryID) async throws -> Int64 {
        try await guarded {
            try await self.pool.write { db in
                let (end, stray) = try Self.parts(db, name: name, library: library)
                for offset in stray {
                    try db.cachedStatement(sql: "DELETE FROM relay_uploads WHERE library = ? AND name = ? AND byte_offset = ?").execute(arguments: [library.rawValue, name.rawValue, offset])
                }
                return end
            }
        }
    }

    /// Assembles an upload.
    public func commitUpload(_ name: ObjectName, in library: LibraryID, size: Int64, digest: Data) async throws -> RelayCommitOutcome {
        try await guarded {
            try await self.writeFlushed { db in
                let (end, stray) = try Self.parts(db, name: name, library: library)
                if let existing = try Row.fetchOne(db.cachedStatement(sql: "SELECT size, digest FROM relay_objects WHERE library = ? AND name = ?"), arguments: [library.rawValue, name.rawValue]) {
                    try Self.dropParts(db, name: name, library: library)
                    return .put(existing["digest"] == digest && existing["size"] == size ? .alreadyStored : .conflict)
                }
                guard stray.isEmpty, end == size else { return .incomplete(received: end) }
                let hasher = try GenericHash.Hasher()
                let cursor = try Data.fetchCursor(db.cachedStatement(sql: "SELECT data FROM relay_uploads WHERE library = ? AND name = ? ORDER BY byte_offset"),
                    arguments: [library.rawValue, name.rawValue])
                while let part = try cursor.next() { hasher.update(part) }
                guard hasher.finalize() == digest else {
                    try Self.dropParts(db, name: name, library: library)
                    return .digestMismatch
                }
                let seq = try Self.nextSequence(db, library: library)
                try db.cachedStatement(sql: "INSERT INTO relay_objects (library, name, seq, size, digest, created_at) VALUES (?, ?, ?, ?, ?, ?)").execute(
                    arguments: [library.rawValue, name.rawValue, seq, size, digest, Self.now()])
                try db.cachedStatement(sql: """
                    INSERT INTO relay_chunks (library, name, byte_offset, data)
                    SELECT library, name, byte_offset, data FROM relay_uploads WHERE library = ? AND name = ?
                    """).execute(arguments: [library.rawValue, name.rawValue])
                try Self.dropParts(db, name: name, library: library)
                return .put(.stored)
            }
        }
    }

    /// Records a nonce (committed together with the nonces of concurrent requests).
    public func useNonce(_ nonce: String, device: DeviceID, library: LibraryID, expiresAt: Int64) async throws -> Bool {
        try await guarded { try await nonces.submit(NonceRecord(nonce: nonce, device: device, library: library, expiresAt: expiresAt)) }
    }

    /// Forgets expired nonces.
    public func purgeNonces(expiredBefore time: Int64) async throws {
        try await guarded { try await self.pool.write { db in try db.cachedStatement(sql: "DELETE FROM relay_used_nonces WHERE expires_at < ?").execute(arguments: [time]) } }
    }

    public func purgeStaleUploads(startedBefore time: Int64) async throws {
        try await guarded { try await self.pool.write { db in try db.cachedStatement(sql: "DELETE FROM relay_uploads WHERE created_at < ?").execute(arguments: [time]) } }
    }

    /// Every chunk and staged part of a library.
    public func rawBytes(of library: LibraryID) async throws -> [Data] {
        try await guarded {
            try await self.pool.read { db in
                try Data.fetchAll(db.cachedStatement(sql: "SELECT data FROM relay_chunks WHERE library = ? UNION ALL SELECT data FROM relay_uploads WHERE library = ?"),
                    arguments: [library.rawValue, library.rawValue])
            }
        }
    }

    // MARK: Shared steps

    private static func now() -> Int64 { Int64(Date().timeIntervalSince1970) }

    private static func nextSequence(_ db: Database, library: LibraryID) throws -> Int64 {
        guard let seq = try Int64.fetchOne(db.cachedStatement(sql: "UPDATE relay_libraries SET last_seq = last_seq + 1 WHERE library = ? RETURNING last_seq"), arguments: [library.rawValue]) else {
            throw RelayStorageError.unknownLibrary(library)
        }
        return seq
    }

    private static func insert(_ db: Database, bytes: Data, name: ObjectName, library: LibraryID) throws -> RelayPutOutcome {
        let seq = try nextSequence(db, library: library)
        try db.cachedStatement(sql: "INSERT INTO relay_objects (library, name, seq, size, digest, created_at) VALUES (?, ?, ?, ?, ?, ?)").execute(
            arguments: [library.rawValue, name.rawValue, seq, Int64(bytes.count), RelayStorageSupport.digest(bytes), now()])
        for (offset, chunk) in RelayStorageSupport.chunks(bytes) {
            try db.cachedStatement(sql: "INSERT INTO relay_chunks (library, name, byte_offset, data) VALUES (?, ?, ?, ?)").execute(
                arguments: [library.rawValue, name.rawValue, offset, chunk])
        }
        return .stored
    }

    private static func replaceDevices(_ db: Database, library: LibraryID, devices: [RelayDeviceRecord]) throws {
        try db.cachedStatement(sql: "DELETE FROM relay_devices WHERE library = ?").execute(arguments: [library.rawValue])
        for d in devices {
            try db.cachedStatement(sql: "INSERT INTO relay_devices (library, device, signing_key, active) VALUES (?, ?, ?, ?)").execute(
                arguments: [library.rawValue, d.device.rawValue, d.signingKey.bytes, d.active])
        }
    }

    private static func parts(_ db: Database, name: ObjectName, library: LibraryID) throws -> (end: Int64, stray: [Int64]) {
        let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT byte_offset, length(data) AS n FROM relay_uploads WHERE library = ? AND name = ? ORDER BY byte_offset"),
            arguments: [library.rawValue, name.rawValue])
        return RelayStorageSupport.contiguousPrefix(rows.map { (offset: $0["byte_offset"], length: $0["n"]) })
    }

    private static func dropParts(_ db: Database, name: ObjectName, library: LibraryID) throws {
        try db.cachedStatement(sql: "DELETE FROM relay_uploads WHERE library = ? AND name = ?").execute(arguments: [library.rawValue, name.rawValue])
    }

    /// A write transaction whose commit is flushed to the disk before it returns (`synchronous = FULL`).
    ///
    /// For what the relay acknowledges as stored (objects, libraries): a device drops an envelope from
    /// its outbox once the put succeeds, so a put a power cut undid would leave a gap in its log for
    /// good. Other writes (nonces, staged parts) commit with the connection's `NORMAL`: they survive a
    /// killed relay at once and a power cut from the next flushed commit on (the log is sequential).
    func writeFlushed<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await pool.writeWithoutTransaction { db in
            try db.cachedStatement(sql: "PRAGMA synchronous = FULL").execute()
            defer { try? db.cachedStatement(sql: "PRAGMA synchronous = NORMAL").execute() }
            var result: T?
            try db.inTransaction { result = try body(db); return .commit }
            return result!
        }
    }

    /// Runs a read on the calling thread, for the reads every request makes (a device's key, a
    /// listing page, an object's size and bytes). In WAL mode a reader never waits for the
    /// writer and these reads take microseconds, while GRDB's asynchronous read hops to a reader
    /// queue and back: two thread wake-ups per read, which a profile of the relay under load
    /// showed on top (docs/benchmarks.md, "Relay").
    ///
    /// Each of these reads is one SELECT, atomic on its own, so it runs without the
    /// BEGIN/COMMIT a GRDB `read` wraps around its block (a twelfth of the relay's time under load).
    private func readHere<T>(_ body: (Database) throws -> T) throws -> T { try pool.unsafeRead(body) }

    private func guarded<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as RelayStorageError { throw error } catch let error as DatabaseError {
            throw RelayStorageError.database("\(error.resultCode): \(error.message ?? "")")
        }
    }
}
