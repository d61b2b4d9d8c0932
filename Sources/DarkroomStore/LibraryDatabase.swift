#if canImport(Glibc)
import Glibc
#endif
import CSQLiteOptions
import Foundation
import GRDB

/// The SQLite database of one library: `LIBRARY/library.sqlite`, in WAL mode.
///
/// Opening migrates an older schema forward, refuses a newer one, and maps
/// SQLite's failures to ``StoreError``. Several processes may use one library
/// at once: readers never block, and writers wait up to ``busyTimeout``.
///
/// ```swift
/// let database = try LibraryDatabase.open(folder: url, create: true)
/// let page = try database.reader.read { db in try GalleryQuery().fetchItems(db) }
/// ```
public final class LibraryDatabase: Sendable {
    /// The database file name inside a library folder.
    public static let fileName = "library.sqlite"
    /// How long a writer waits for another process before giving up with ``StoreError/busy(path:)``.
    public static let busyTimeout: TimeInterval = 10
    /// The log size past which closing the library copies the write-ahead log into the database
    /// and empties it (SQLite's automatic checkpoint runs at 1,000 pages, about the same 4 MiB).
    static let logSizeEmptiedAtClose = 4 << 20

    /// The library folder.
    public let folder: URL
    /// The connection pool (one writer, several readers).
    public let pool: DatabasePool
    /// True when the library could only be opened for reading (read-only mount, another user's files):
    /// every write fails with ``StoreError/readOnlyLibrary(path:)``.
    public let isReadOnly: Bool

    /// The database file's path.
    public var path: String { folder.appendingPathComponent(Self.fileName).path }

    private init(folder: URL, pool: DatabasePool, isReadOnly: Bool) {
        self.folder = folder
        self.pool = pool
        self.isReadOnly = isReadOnly
    }

    /// Opens the library database in `folder`, migrating it to the newest schema.
    ///
    /// - Parameters:
    ///   - folder: The library folder.
    ///   - create: When true, creates the folder and an empty library if none exists.
    ///   - migrations: The schema steps (the shipped ones by default).
    ///   - acceptingLostCommits: When true, opens a database whose write-ahead log lost commits
    ///     (see ``LogWitness``) after moving the damaged log aside: for a repair that then restores
    ///     what it can. Otherwise such a database is refused.
    /// - Throws: ``StoreError/libraryNotFound(path:)``, ``StoreError/newerSchema(path:unknownMigrations:)``,
    ///   ``StoreError/corruptDatabase(path:detail:)``, ``StoreError/lostCommits(path:detail:)`` and other
    ///   ``StoreError`` cases. A library that cannot be written opens read-only (``isReadOnly``).
    public static func open(folder: URL, create: Bool = false, migrations: SchemaMigrations? = nil,
                            acceptingLostCommits: Bool = false) throws -> LibraryDatabase {
        let file = folder.appendingPathComponent(fileName)
        let exists = FileManager.default.fileExists(atPath: file.path)
        if !exists && !create {
            throw StoreError.libraryNotFound(path: folder.path)
        }
        let migrations = try migrations ?? SchemaMigrations()
        let readOnly = exists && (access(folder.path, W_OK) != 0 || access(file.path, W_OK) != 0)
        do {
            if exists {
                try DatabaseFileHeader.check(file.path)
                if acceptingLostCommits {
                    if !readOnly { try LogWitness.accept(databasePath: file.path, folder: folder) }
                } else {
                    try LogWitness.check(databasePath: file.path, folder: folder)
                }
                try refuseUnknownSchema(file: file, migrations: migrations)
            } else {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            }
            if readOnly { return try openReadOnly(folder: folder, file: file, migrations: migrations) }
            var configuration = Configuration()
            configuration.foreignKeysEnabled = true
            configuration.busyMode = .timeout(busyTimeout)
            configuration.label = "darkroom"
            configuration.prepareDatabase { db in
                keepLogOnClose(db)
                // 16 MiB of page cache per connection (SQLite's default is 2 MiB): the random-key indexes of a
                // library of 100k items no longer fit in 2 MiB, and inserts slowed down with the library's size.
                try db.execute(sql: "PRAGMA cache_size = -16384")
                // The writer keeps statement journals in memory: a statement that writes several rows (a
                // batch insert, a trigger) journals the pages it changes, and past 64 KiB SQLite spills that
                // journal to a temporary file (system calls were a third of a 100k-row batch insert's samples;
                // with the journals in memory the batch ran about 10% faster).
                if !db.configuration.readonly {
                    try db.execute(sql: "PRAGMA temp_store = MEMORY")
                    // A large write (a first sync checkpoints 100,000 records' pages at once) grows the
                    // write-ahead log; once a checkpoint has copied it, the log file is cut back to 16 MiB
                    // instead of keeping its largest size until the library is closed.
                    try db.execute(sql: "PRAGMA journal_size_limit = 16777216")
                }
            }
            let pool = try DatabasePool(path: file.path, configuration: configuration)
            // GRDB sets up WAL mode with `synchronous = NORMAL`, under which a commit reaches the disk only
            // at the next checkpoint; FULL flushes the log at every commit, so a commit survives a power cut.
            try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
            let database = LibraryDatabase(folder: folder, pool: pool, isReadOnly: false)
            try database.migrate(with: migrations)
            if try !exists || pool.read({ try LibraryInfo.fetchOne($0) }) == nil {
                try pool.write { db in
                    if try LibraryInfo.fetchOne(db) == nil { try LibraryInfo.make().insert(db) }
                }
            }
            return database
        } catch {
            throw StoreError.wrap(error, path: file.path)
        }
    }

    /// Opens a library that cannot be written, for reading only: it must be at the newest schema
    /// (migrating would write), and nothing of it changes.
    private static func openReadOnly(folder: URL, file: URL, migrations: SchemaMigrations) throws -> LibraryDatabase {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "darkroom"
        configuration.prepareDatabase { db in keepLogOnClose(db) }
        let pool = try DatabasePool(path: file.path, configuration: configuration)
        let database = LibraryDatabase(folder: folder, pool: pool, isReadOnly: true)
        let applied = try pool.read { db in try migrations.migrator().appliedIdentifiers(db) }
        if applied.count < migrations.steps.count { throw StoreError.readOnlyLibrary(path: folder.path) }
        return database
    }

    /// Leaves the write-ahead log in place when the last connection closes.
    ///
    /// SQLite's default is to checkpoint the log into the database file and delete it then; the
    /// next open (GRDB makes sure a log exists) writes a new one. Each command of the CLI is a
    /// process, so a command that only reads paid a write transaction and four flushes. Every
    /// commit is already flushed to the log (`synchronous = FULL`), so leaving the log loses
    /// nothing; SQLite's automatic checkpoint keeps it short, and ``deinit`` empties a long one.
    static func keepLogOnClose(_ db: Database) {
        _ = darkroom_sqlite3_no_checkpoint_on_close(db.sqliteConnection, 1)
    }

    deinit {
        guard !isReadOnly else { return }
        defer { LogWitness.record(databasePath: path, folder: folder) }
        // A log past 4 MiB (a large write since the last automatic checkpoint) would be read
        // through at every open: copy it into the database and empty it now, unless another process is
        // reading (then it stays, and a later close or checkpoint deals with it).
        let log = path + "-wal"
        guard let size = (try? FileManager.default.attributesOfItem(atPath: log))?[.size] as? Int,
              size > Self.logSizeEmptiedAtClose else { return }
        try? pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA busy_timeout = 0")
            try db.checkpoint(.truncate)
        }
    }

    /// Reads the applied steps through a read-only connection, before anything could change the file,
    /// and throws when the file is not a database or was written by a newer schema.
    static func refuseUnknownSchema(file: URL, migrations: SchemaMigrations) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(busyTimeout)
        configuration.prepareDatabase { db in keepLogOnClose(db) }
        let queue = try DatabaseQueue(path: file.path, configuration: configuration)
        defer { try? queue.close() }
        let applied = try queue.read { db -> Set<String> in
            _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM sqlite_master")  // fails on a non-database
            return try db.tableExists("grdb_migrations") ? String.fetchSet(db, sql: "SELECT identifier FROM grdb_migrations") : []
        }
        let unknown = applied.subtracting(migrations.steps.map(\.identifier))
        if !unknown.isEmpty {
            throw StoreError.newerSchema(path: file.path, unknownMigrations: unknown.sorted())
        }
    }

    /// Applies the steps the database lacks; refuses a database from a newer schema.
    func migrate(with migrations: SchemaMigrations) throws {
        let migrator = migrations.migrator()
        let known = Set(migrations.steps.map(\.identifier))
        let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
        let unknown = applied.subtracting(known)
        if !unknown.isEmpty {
            throw StoreError.newerSchema(path: path, unknownMigrations: unknown.sorted())
        }
        if applied.count < known.count {
            try migrator.migrate(pool)
        }
    }

    /// The identifiers of the schema steps applied to this database.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try SchemaMigrations().migrator().appliedMigrations(db) }
    }

    /// Runs a read, mapping SQLite failures to ``StoreError``.
    public func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        do { return try pool.read(body) } catch { throw StoreError.wrap(error, path: path) }
    }

    /// Runs a write transaction, mapping SQLite failures to ``StoreError``.
    public func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
        do { return try pool.write(body) } catch { throw StoreError.wrap(error, path: path) }
    }

    /// Runs a write transaction synchronously, even from a cancelled task (used to record a
    /// cancellation), mapping SQLite failures to ``StoreError``.
    public func writeEvenIfCancelled<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try pool.writeWithoutTransaction { db in
            var result: T?
            try db.inTransaction { result = try body(db); return .commit }
            return result!
        } } catch { throw StoreError.wrap(error, path: path) }
    }

    /// `PRAGMA integrity_check` and `PRAGMA foreign_key_check`: an empty array when healthy.
    public func integrityProblems() throws -> [String] {
        try read { db in
            var problems = try String.fetchAll(db, sql: "PRAGMA integrity_check").filter { $0 != "ok" }
            let fk = try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
            problems += fk.map { "foreign key: table \($0[0] as String? ?? "?") row \($0[1] as Int64? ?? -1) refers to missing \($0[2] as String? ?? "?")" }
            return problems
        }
    }
}

extension LibraryDatabase {
    /// Runs a read off the caller's thread, mapping SQLite failures to ``StoreError``.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.read(body) } catch { throw StoreError.wrap(error, path: path) }
    }

    /// Runs a write transaction off the caller's thread, mapping SQLite failures to ``StoreError``.
    public func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do { return try await pool.write(body) } catch { throw StoreError.wrap(error, path: path) }
    }

    /// Runs `body` on the writer connection outside any transaction (open them with
    /// `db.inTransaction`), with the connection's page cache raised to `cacheMebibytes` for the
    /// duration, then set back (which frees the extra pages).
    ///
    /// For large writes that touch many random-key index pages (a first sync of 100,000
    /// records): with the usual 16 MiB cache SQLite spills dirty pages to the write-ahead log in
    /// the middle of the transaction and writes them again at commit.
    ///
    /// With `flushedLater`, the commits `body` makes are not flushed to the disk on their own
    /// (`synchronous = NORMAL`, as in ``writeFlushedLater(_:)``): they survive a crashed or
    /// killed process at once, and a power cut once the next ordinary commit flushes the log.
    /// Only for writes that are repeated until a later ordinary commit records them done, and
    /// that change nothing when repeated: sync applies received envelopes this way and saves
    /// the verifier's high-water marks afterwards. The disk then writes a transaction's pages
    /// while the writer already builds the next one. These commits also skip SQLite's automatic
    /// checkpoint: that ordinary commit checkpoints the log once.
    public func writeWithLargeCache<T: Sendable>(cacheMebibytes: Int, flushedLater: Bool = false,
                                                 _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.writeWithoutTransaction { db in
                try Self.withPragma("cache_size", setTo: -1024 * cacheMebibytes, db) {
                    guard flushedLater else { return try body(db) }
                    // 1: NORMAL. No automatic checkpoint at these commits either: the next
                    // ordinary commit copies the log into the database once, instead of each
                    // transaction copying the pages it shares with the one before.
                    return try Self.withPragma("synchronous", setTo: 1, db) {
                        try Self.withPragma("wal_autocheckpoint", setTo: 0, db) { try body(db) }
                    }
                }
            }
        } catch { throw StoreError.wrap(error, path: path) }
    }

    /// Runs a write transaction whose commit is not flushed to the disk on its own
    /// (`synchronous = NORMAL` for this transaction): it survives a crashed or killed process
    /// at once, and a power cut once the next ordinary commit flushes the log. Only for state
    /// that may be lost on a power cut without losing anything of the user's: a job's
    /// `running` mark, which the job's own final commit makes durable (a job whose mark a power
    /// cut lost is simply still queued). Saves one fsync per job.
    public func writeFlushedLater<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await pool.writeWithoutTransaction { db in
                try Self.withPragma("synchronous", setTo: 1, db) {   // 1: NORMAL
                    var result: T?
                    try db.inTransaction { result = try body(db); return .commit }
                    return result!
                }
            }
        } catch { throw StoreError.wrap(error, path: path) }
    }

    /// Runs `body` with the connection's integer `PRAGMA name` set to `value`, then sets the
    /// previous value back (statements prepared once per connection: a queued job does this).
    private static func withPragma<T>(_ name: String, setTo value: Int, _ db: Database, _ body: () throws -> T) throws -> T {
        let previous = try Int.fetchOne(db.cachedStatement(sql: "PRAGMA \(name)"))
        try db.cachedStatement(sql: "PRAGMA \(name) = \(value)").execute()
        defer { if let previous { try? db.cachedStatement(sql: "PRAGMA \(name) = \(previous)").execute() } }
        return try body()
    }
}
