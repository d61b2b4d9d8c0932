import DarkroomStore
import Foundation
import GRDB

/// The library's sync bookkeeping inside one database transaction: the change log, the sync state
/// (`sync_meta`), the devices, and pictures waiting for their files. The sync driver in `Darkroom`
/// reads and writes through it and never sees SQL; get one from ``LibraryDatabase/readSync(_:)``
/// or ``LibraryDatabase/writeSync(_:)``.
public struct SyncRecords {
    let db: Database

    // MARK: - Sync state

    /// The value stored under `key`, if any.
    public func meta(_ key: String) throws -> Data? { try SyncChangeLog.meta(key, db) }

    /// Stores (or, with nil, removes) the value under `key`.
    public func setMeta(_ key: String, _ value: Data?) throws { try SyncChangeLog.setMeta(key, value, db) }

    /// The keys that start with `prefix`, in order.
    public func metaKeys(prefix: String) throws -> [String] { try SyncChangeLog.metaKeys(prefix: prefix, db) }

    // MARK: - The change log

    /// Starts logging changes as device `device` (every row queued for the first push).
    public func enable(device: String) throws { try SyncChangeLog.enable(device: device, db) }

    /// Stops logging and forgets the log and every sync state value.
    public func forget() throws { try SyncChangeLog.forget(db) }

    /// The device id changes are logged as, when sync is on.
    public func deviceID() throws -> String? { try SyncChangeLog.deviceID(db) }

    /// The hybrid logical clock now.
    public func currentClock() throws -> SyncClock { try SyncChangeLog.currentClock(db) }

    /// How many changes wait to be pushed.
    public func pendingCount() throws -> Int { try SyncChangeLog.pendingCount(db) }

    /// Up to `limit` pending changes after `previous`, with their current values.
    public func pendingChanges(limit: Int, after previous: SyncChange?) throws -> [SyncChange] {
        try SyncChangeLog.pendingChanges(limit: limit, after: previous, db)
    }

    /// Marks changes as sent in envelope `sequence` of device `device`.
    public func markSent(_ changes: [SyncChange], device: String, sequence: Int64) throws {
        try SyncChangeLog.markSent(changes, device: device, sequence: sequence, db)
    }

    /// Marks changes that cannot be sent (too large) as handled.
    public func markSkipped(_ changes: [SyncChange]) throws { try SyncChangeLog.markSkipped(changes, db) }

    /// Asks the other devices for the picture of generation `id`.
    public func requestPicture(ofGeneration id: String) throws { try SyncChangeLog.requestPicture(ofGeneration: id, db) }

    /// Removes tombstones every device has acknowledged; returns how many.
    public func collectTombstones(acknowledged: [String: Int64]) throws -> Int {
        try SyncChangeLog.collectTombstones(acknowledged: acknowledged, db)
    }

    // MARK: - Devices

    /// Every known device's name, by device id.
    public func deviceNames() throws -> [String: String] {
        try Dictionary(Row.fetchAll(db, sql: "SELECT id, name FROM device").map { ($0["id"] as String, $0["name"] as String) }) { $1 }
    }

    /// Names device `id` (a synced field: every device learns it).
    public func setDeviceName(_ name: String, of id: String) throws {
        let now = TimestampFormat.database(Date())
        try db.execute(sql: """
            INSERT INTO device (id, name, created_at, modified_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, modified_at = excluded.modified_at
            """, arguments: [id, name, now, now])
    }

    /// Publishes this device's credentials authority (a synced device field).
    public func publishCredentialsAuthority(_ pem: String, device id: String) throws {
        try SyncChangeLog.publishCredentialsAuthority(pem, device: id, db)
    }

    /// The credentials authority each device published, by device id.
    public func credentialsAuthorities() throws -> [String: String] { try SyncChangeLog.credentialsAuthorities(db) }

    // MARK: - Pictures

    /// True when the picture `hash` is stored and not waiting for its file.
    public func hasPicture(_ hash: String, pendingKey: String) throws -> Bool {
        try ImageRecord.find(hash: hash, db) != nil && meta(pendingKey) == nil
    }

    /// Records the image row of a picture whose file is not downloaded yet (from the generation
    /// change that brought it), and keeps `sealedReference` under `pendingKey` until it is.
    public func recordDeferredPicture(hash: String, from change: SyncChange, sealedReference: Data, pendingKey: String) throws {
        let now = TimestampFormat.database(Date())
        try db.execute(sql: """
            INSERT OR IGNORE INTO image (hash, id, path, width, height, byte_size, format, thumbnail_path, created_at, modified_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)
            """, arguments: [hash, StableID.make(), ImageFileStore.imagePath(hash: hash),
                             change.values["image.width"] ?? .null, change.values["image.height"] ?? .null,
                             change.values["image.byte_size"] ?? .null, change.values["image.format"] ?? "png".databaseValue, now, now])
        try setMeta(pendingKey, sealedReference)
    }
}

/// A picture whose file is fetched later (lazy sync): the generation change that brought it and
/// its blob reference, sealed under the device key.
public struct DeferredPicture: Sendable {
    /// The picture's content hash.
    public var hash: String
    /// The generation change carrying the picture's size and format.
    public var change: SyncChange
    /// The blob reference, sealed.
    public var sealedReference: Data
    /// Where the sealed reference is kept until the file arrives.
    public var pendingKey: String

    /// A deferred picture.
    public init(hash: String, change: SyncChange, sealedReference: Data, pendingKey: String) {
        self.hash = hash
        self.change = change
        self.sealedReference = sealedReference
        self.pendingKey = pendingKey
    }
}

/// Changes of one log envelope, prepared for applying.
public struct PreparedBatch: Sendable {
    /// The changes.
    public var changes: [SyncChange]
    /// Their new generations, laid out for a bulk insert.
    public var prepared: PreparedGenerations
    /// The device whose log they came from.
    public var device: String
    /// The envelope's sequence number in that log.
    public var sequence: Int64

    /// A batch.
    public init(changes: [SyncChange], prepared: PreparedGenerations, device: String, sequence: Int64) {
        self.changes = changes
        self.prepared = prepared
        self.device = device
        self.sequence = sequence
    }
}

extension SyncChange {
    /// The value of `column` as text, if it is text.
    public func text(_ column: String) -> String? { String.fromDatabaseValue(values[column] ?? .null) }

    /// The value of `column` as bytes, if it is a blob.
    public func bytes(_ column: String) -> Data? { values[column].flatMap(Data.fromDatabaseValue) }

    /// Sets `column` to bytes.
    public mutating func setBytes(_ data: Data, for column: String) { values[column] = data.databaseValue }
}

extension LibraryDatabase {
    /// Reads sync bookkeeping in one read transaction.
    public func readSync<T: Sendable>(_ body: @escaping @Sendable (SyncRecords) throws -> T) async throws -> T {
        try await read { db in try body(SyncRecords(db: db)) }
    }

    /// Writes sync bookkeeping in one write transaction.
    public func writeSync<T: Sendable>(_ body: @escaping @Sendable (SyncRecords) throws -> T) async throws -> T {
        try await write { db in try body(SyncRecords(db: db)) }
    }

    /// ``readSync(_:)`` on the caller's thread.
    public func readSyncNow<T: Sendable>(_ body: @Sendable (SyncRecords) throws -> T) throws -> T {
        try read { db in try body(SyncRecords(db: db)) }
    }

    /// ``writeSync(_:)`` on the caller's thread.
    public func writeSyncNow<T: Sendable>(_ body: @Sendable (SyncRecords) throws -> T) throws -> T {
        try write { db in try body(SyncRecords(db: db)) }
    }

    /// The generation columns synced generations are laid out for.
    public func syncedGenerationColumns() async throws -> [String] {
        try await read(SyncChangeApplier.syncedGenerationColumns)
    }

    /// Applies a group of other devices' changes in one transaction, with a large page cache and a
    /// commit flushed later: the pictures deferred by this group first, then each batch in order.
    public func applySyncGroup(deferredPictures: [DeferredPicture], batches: [PreparedBatch], cacheMebibytes: Int) async throws -> SyncApplyReport {
        try await writeWithLargeCache(cacheMebibytes: cacheMebibytes, flushedLater: true) { db in
            var applied = SyncApplyReport()
            try db.inTransaction {
                let records = SyncRecords(db: db)
                for picture in deferredPictures {
                    try records.recordDeferredPicture(hash: picture.hash, from: picture.change, sealedReference: picture.sealedReference,
                                                      pendingKey: picture.pendingKey)
                }
                for batch in batches {
                    applied.add(try SyncChangeApplier.apply(batch.changes, prepared: batch.prepared, fromLog: batch.device,
                                                            sequence: batch.sequence, db))
                }
                return .commit
            }
            return applied
        }
    }
}
