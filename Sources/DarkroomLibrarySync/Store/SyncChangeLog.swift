import DarkroomStore
import Foundation
import GRDB
import GRDBSQLite

/// Reads and maintains the library's sync change log (`sync_state`, `sync_change`,
/// `sync_meta`; see `Schema/migrations/0006_sync.sql`).
///
/// Triggers record every change to a synced field in the transaction that makes it, once
/// logging is enabled. Sync then reads the pending changes with their current values
/// (``pendingChanges(limit:_:)``), sends them, and marks them sent (``markSent(_:_:)``).
/// All methods take a `Database` so callers choose the transaction.
public enum SyncChangeLog {
    /// Columns of `generation` that stay on the device: a local model folder and the local
    /// prompt-history row (each device derives its own from the prompt text).
    static let localGenerationColumns: Set<String> = ["model_path", "prompt_id"]
    /// Columns of `image` that travel with a generation, prefixed `image.`.
    static let imageColumns = ["width", "height", "byte_size", "format"]
    /// Fields of a generation that change after it is created.
    static let mutableGenerationFields: Set<String> = ["favorite", "rating", "trashed_at"]
    /// The field of a generation a device writes when it could not use the picture blob it
    /// received: a request that a device holding the picture send it again (versions before it
    /// ignore the field). Its value is the picture's hash.
    public static let pictureWantedField = "picture-wanted"

    /// Whether logging is on.
    public static func isEnabled(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT enabled FROM sync_state")) ?? false
    }

    /// The device id changes are stamped with, once enabled.
    public static func deviceID(_ db: Database) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT device_id FROM sync_state"))
    }

    /// Turns logging on for `device` and records everything already in the library as
    /// pending, so the first push sends the whole library. Idempotent.
    public static func enable(device: String, _ db: Database) throws {
        let wasEnabled = try isEnabled(db)
        try db.cachedStatement(sql: "UPDATE sync_state SET enabled = 1, device_id = ?").execute(arguments: [device])
        guard !wasEnabled else { return }
        let clock = try tick(db)
        let snapshot: [(SyncEntity, String, String, String)] = [
            (.generation, "id", "'*'", "generation WHERE status IN ('succeeded', 'failed', 'cancelled')"),
            (.album, "id", "'*'", "album"),
            (.albumItem, "album_id || '/' || generation_id", "'present'", "album_item"),
            (.tagItem, "generation_id || '/' || lower(tag.name)", "'present'", "generation_tag JOIN tag ON tag.id = generation_tag.tag_id"),
            (.setting, "key", "'value'", "setting WHERE scope = 'synced'"),
            (.flag, "id", "'*'", "safety_flag"),
            (.device, "id", "'name'", "device"),
            (.device, "id", "'\(credentialsAuthorityField)'", "device WHERE credentials_authority IS NOT NULL"),
        ]
        for (entity, key, field, source) in snapshot {
            try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO sync_change (entity, key, field, clock, device, pending)
                SELECT '\(entity.rawValue)', \(key), \(field), ?, ?, 1 FROM \(source)
                """).execute(arguments: [clock.rawValue, device])
        }
    }

    /// Turns sync off for this library and forgets everything about it — logging, the change
    /// log, deferred changes, device names and every bookkeeping row (keys, verifier, outbox) —
    /// leaving the gallery as it is. A later `enable` starts afresh (everything pending again).
    public static func forget(_ db: Database) throws {
        try db.execute(sql: """
            UPDATE sync_state SET enabled = 0, applying = 0, device_id = NULL;
            DELETE FROM sync_change;
            DELETE FROM sync_deferred;
            DELETE FROM sync_meta;
            DELETE FROM device;
            """)
    }

    /// Advances the clock (as a trigger does) and returns the new reading.
    @discardableResult
    public static func tick(_ db: Database) throws -> SyncClock {
        try db.cachedStatement(sql: "UPDATE sync_state SET clock = max(clock + 1, CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER) * 65536)").execute()
        return try currentClock(db)
    }

    /// The newest clock reading this device has made or seen.
    public static func currentClock(_ db: Database) throws -> SyncClock {
        SyncClock(rawValue: try Int64.fetchOne(db.cachedStatement(sql: "SELECT clock FROM sync_state")) ?? 0)
    }

    /// Moves the clock past a reading received from another device (the HLC receive rule).
    public static func observe(_ clock: SyncClock, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE sync_state SET clock = max(clock, ?)").execute(arguments: [clock.rawValue])
    }

    /// How many changes wait to be sent.
    public static func pendingCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM sync_change WHERE pending = 1")) ?? 0
    }

    /// Up to `limit` pending changes, oldest first, each with the current values of its field.
    public static func pendingChanges(limit: Int, _ db: Database) throws -> [SyncChange] {
        try pendingChanges(limit: limit, after: nil, db)
    }

    /// Up to `limit` pending changes that sort after `previous` (the last change of the batch
    /// read before; nil: from the oldest), oldest first, each with the current values of its field.
    ///
    /// Changes sort by clock, then entity, key and field (the order of the pending index), so
    /// batches read one after the other, each after the last change of the one before, are
    /// the batches ``pendingChanges(limit:_:)`` returns when each is marked sent before the
    /// next is read. A push reads its next batch this way while it still seals and stores the
    /// current one. A change whose field changes again meanwhile gets a newer clock, so it
    /// sorts after `previous` and is read again with its new value.
    public static func pendingChanges(limit: Int, after previous: SyncChange?, _ db: Database) throws -> [SyncChange] {
        let statement: Statement
        let arguments: StatementArguments
        if let previous {
            statement = try db.cachedStatement(sql: """
                SELECT entity, key, field, clock, device FROM sync_change
                WHERE pending = 1 AND (clock, entity, key, field) > (?, ?, ?, ?) ORDER BY clock, entity, key, field LIMIT ?
                """)
            arguments = [previous.clock.rawValue, previous.entity.rawValue, previous.key, previous.field, limit]
        } else {
            statement = try db.cachedStatement(sql: """
                SELECT entity, key, field, clock, device FROM sync_change WHERE pending = 1 ORDER BY clock, entity, key, field LIMIT ?
                """)
            arguments = [limit]
        }
        var changes: [SyncChange] = []
        changes.reserveCapacity(limit)
        let cursor = try Row.fetchCursor(statement, arguments: arguments)
        let sqliteStatement = statement.sqliteStatement
        func text(_ column: Int32) -> String { String.fromDatabaseValue(DatabaseValue(sqliteStatement: sqliteStatement, index: column)) ?? "" }
        while try cursor.next() != nil {
            // Read straight from the statement's current row (a push reads 100,000 of them).
            guard let entity = SyncEntity(rawValue: text(0)) else { continue }
            changes.append(SyncChange(entity: entity, key: text(1), field: text(2),
                                      clock: SyncClock(rawValue: sqlite3_column_int64(sqliteStatement, 3)), device: text(4)))
        }
        // Whole generations (most of a first sync) are read in one statement; the rest one by one.
        let generations = try generationValues(ids: changes.compactMap { $0.entity == .generation && $0.field == "*" ? $0.key : nil }, db)
        for index in changes.indices {
            if changes[index].entity == .generation && changes[index].field == "*" {
                changes[index].values = generations[changes[index].key] ?? [:]
            } else {
                changes[index].values = try currentValues(of: changes[index], db) ?? [:]
            }
        }
        return changes
    }

    /// Every synced column of the generations `ids`, with their pictures' `image.*` columns.
    static func generationValues(ids: [String], _ db: Database) throws -> [String: [String: DatabaseValue]] {
        guard !ids.isEmpty else { return [:] }
        let imageSelection = imageColumns.map { "image.\($0) AS \"image.\($0)\"" }.joined(separator: ", ")
        let statement = try db.cachedStatement(sql: """
            SELECT generation.*, \(imageSelection) FROM generation LEFT JOIN image ON image.hash = generation.image_hash
            WHERE generation.id IN (SELECT value FROM json_each(?))
            """)
        let cursor = try Row.fetchCursor(statement, arguments: [jsonArray(ids)])
        // Column names and positions once per statement, not per row.
        let names = statement.columnNames
        let kept = names.indices.filter { !localGenerationColumns.contains(names[$0]) }
        guard let idIndex = names.firstIndex(of: "id"), let hashIndex = names.firstIndex(of: "image_hash") else { return [:] }
        let imageNames = Set(imageColumns.map { "image.\($0)" })
        let keptWithoutImage = kept.filter { !imageNames.contains(names[$0]) }
        // Every row's dictionary has the same keys: each starts as a copy of a template and its
        // values are set by position (no hashing of ~40 names per row; 100,000 rows in a first sync).
        func layout(_ columns: [Int]) -> (template: [String: DatabaseValue], slots: [(column: Int32, slot: Dictionary<String, DatabaseValue>.Index)]) {
            var template: [String: DatabaseValue] = [:]
            template.reserveCapacity(columns.count)
            for index in columns { template[names[index]] = .null }
            return (template, columns.map { (Int32($0), template.index(forKey: names[$0])!) })
        }
        let withImage = layout(kept), withoutImage = layout(keptWithoutImage)
        let sqliteStatement = statement.sqliteStatement
        var values: [String: [String: DatabaseValue]] = [:]
        values.reserveCapacity(ids.count)
        while try cursor.next() != nil {
            // The cursor's row is the statement's current row: read its columns straight from SQLite.
            let hasImage = !DatabaseValue(sqliteStatement: sqliteStatement, index: Int32(hashIndex)).isNull
            let (template, slots) = hasImage ? withImage : withoutImage
            var dictionary = template
            for (column, slot) in slots {
                dictionary.values[slot] = DatabaseValue(sqliteStatement: sqliteStatement, index: column)
            }
            guard let id = String.fromDatabaseValue(DatabaseValue(sqliteStatement: sqliteStatement, index: Int32(idIndex))) else { continue }
            values[id] = dictionary
        }
        return values
    }

    /// Marks changes sent in envelope `sequence` of `device`'s log, unless their field changed
    /// again meanwhile (a newer clock). Tombstones remember the envelope (see ``collectTombstones(acknowledged:_:)``).
    public static func markSent(_ changes: [SyncChange], device: String, sequence: Int64, _ db: Database) throws {
        // Bound straight to SQLite: a first sync marks 100,000 changes.
        let statement = BulkStatement(try db.cachedStatement(sql: """
            UPDATE sync_change SET pending = 0,
                log_device = CASE WHEN field = '-' THEN ?5 END, log_sequence = CASE WHEN field = '-' THEN ?6 END
            WHERE entity = ?1 AND key = ?2 AND field = ?3 AND clock = ?4
            """), db)
        let device = device.databaseValue, sequence = sequence.databaseValue
        for change in changes {
            try statement.execute([change.entity.rawValue.databaseValue, change.key.databaseValue,
                                   change.field.databaseValue, change.clock.rawValue.databaseValue, device, sequence])
        }
    }

    /// Asks the other devices to send the picture of generation `id` again (its blob arrived
    /// damaged or not at all), through the change log like any edit.
    public static func requestPicture(ofGeneration id: String, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT INTO sync_change_input VALUES ('generation', ?, ?)").execute(arguments: [id, pictureWantedField])
    }

    /// Queues generation `id` to be sent whole again, with a new clock (its picture will be
    /// uploaded as a new blob): the answer to another device's picture request. Works while
    /// changes are being applied (it writes the log directly, not through the gated entry point).
    public static func resend(generation id: String, _ db: Database) throws {
        guard let device = try deviceID(db) else { return }
        let clock = try tick(db)
        try db.cachedStatement(sql: """
            INSERT INTO sync_change (entity, key, field, clock, device, pending) VALUES ('generation', ?, '*', ?, ?, 1)
            ON CONFLICT (entity, key, field) DO UPDATE SET clock = excluded.clock, device = excluded.device, pending = 1
            """).execute(arguments: [id, clock.rawValue, device])
    }

    /// Marks changes as not pending without sending them: a change too large for any envelope,
    /// which the push reports and skips so that every later change still flows.
    public static func markSkipped(_ changes: [SyncChange], _ db: Database) throws {
        let statement = try db.cachedStatement(sql: "UPDATE sync_change SET pending = 0 WHERE entity = ? AND key = ? AND field = ? AND clock = ?")
        for change in changes {
            try statement.execute(arguments: [change.entity.rawValue, change.key, change.field, change.clock.rawValue])
        }
    }

    /// The current values of the field a change names; nil when the entity is gone.
    static func currentValues(of change: SyncChange, _ db: Database) throws -> [String: DatabaseValue]? {
        let key = change.key
        switch (change.entity, change.field) {
        case (_, "-"):
            return [:]
        case (.generation, "*"):
            return try generationValues(ids: [key], db)[key]
        case (.generation, let field) where mutableGenerationFields.contains(field):
            return try Row.fetchOne(db.cachedStatement(sql: "SELECT \(field), modified_at FROM generation WHERE id = ?"), arguments: [key]).map { dictionary($0) }
        case (.generation, pictureWantedField):
            return try Row.fetchOne(db.cachedStatement(sql: "SELECT image_hash FROM generation WHERE id = ?"), arguments: [key]).map { dictionary($0) }
        case (.album, "*"), (.album, "name"):
            return try Row.fetchOne(db.cachedStatement(sql: "SELECT name, created_at, modified_at FROM album WHERE id = ?"), arguments: [key]).map { dictionary($0) }
        case (.albumItem, _):
            guard let (album, generation) = split(key) else { return nil }
            let createdAt = try String.fetchOne(db.cachedStatement(sql: "SELECT created_at FROM album_item WHERE album_id = ? AND generation_id = ?"),
                                                arguments: [album, generation])
            return ["present": (createdAt != nil).databaseValue, "created_at": createdAt.databaseValue,
                    "modified_at": try generationModifiedAt(generation, db)]
        case (.tagItem, _):
            guard let (generation, tag) = split(key) else { return nil }
            let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT tag.name, generation_tag.created_at FROM generation_tag JOIN tag ON tag.id = generation_tag.tag_id
                WHERE generation_tag.generation_id = ? AND lower(tag.name) = ?
                """), arguments: [generation, tag])
            return ["present": (row != nil).databaseValue, "name": (row?["name"] as String? ?? tag).databaseValue,
                    "created_at": (row?["created_at"] as String?).databaseValue, "modified_at": try generationModifiedAt(generation, db)]
        case (.setting, _):
            let value = try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM setting WHERE key = ? AND scope = 'synced'"), arguments: [key])
            return ["value": value.databaseValue]
        case (.flag, "*"):
            return try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM safety_flag WHERE id = ?"), arguments: [key]).map { dictionary($0) }
        case (.flag, "cleared"):
            return try Row.fetchOne(db.cachedStatement(sql: "SELECT cleared_at, cleared_by, modified_at FROM safety_flag WHERE id = ?"), arguments: [key]).map { dictionary($0) }
        case (.device, credentialsAuthorityField):
            return try Row.fetchOne(db.cachedStatement(sql: "SELECT credentials_authority FROM device WHERE id = ?"), arguments: [key])
                .map { dictionary($0) }
        case (.device, _):
            return try Row.fetchOne(db.cachedStatement(sql: "SELECT name FROM device WHERE id = ?"), arguments: [key]).map { dictionary($0) }
        default:
            return nil
        }
    }

    /// The generation's `modified_at`, carried with edge changes so that it converges too.
    private static func generationModifiedAt(_ id: String, _ db: Database) throws -> DatabaseValue {
        try String.fetchOne(db.cachedStatement(sql: "SELECT modified_at FROM generation WHERE id = ?"), arguments: [id]).databaseValue
    }

    /// Splits an edge key `a/b` at its first slash.
    static func split(_ key: String) -> (String, String)? {
        guard let slash = key.firstIndex(of: "/") else { return nil }
        return (String(key[..<slash]), String(key[key.index(after: slash)...]))
    }

    /// The row's values by column name.
    static func dictionary(_ row: Row) -> [String: DatabaseValue] {
        var values: [String: DatabaseValue] = [:]
        for (column, value) in row { values[column] = value }
        return values
    }

    // MARK: - Local bookkeeping

    /// A value of the local sync bookkeeping (`sync_meta`), nil when unset.
    public static func meta(_ key: String, _ db: Database) throws -> Data? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT value FROM sync_meta WHERE key = ?"), arguments: [key])
    }

    /// Sets (or, with nil, removes) a value of the local sync bookkeeping.
    public static func setMeta(_ key: String, _ value: Data?, _ db: Database) throws {
        if let value {
            try db.cachedStatement(sql: "INSERT OR REPLACE INTO sync_meta (key, value) VALUES (?, ?)").execute(arguments: [key, value])
        } else {
            try db.cachedStatement(sql: "DELETE FROM sync_meta WHERE key = ?").execute(arguments: [key])
        }
    }

    /// Keys of `sync_meta` starting with `prefix`, sorted.
    public static func metaKeys(prefix: String, _ db: Database) throws -> [String] { try SyncCapture.metaKeys(prefix: prefix, db) }

    // MARK: - Tombstones

    /// How many tombstones this library keeps.
    public static func tombstoneCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM sync_change WHERE field = '-'")) ?? 0
    }

    /// Collects the tombstones every active device has acknowledged: `acknowledged` maps each
    /// log (device id) to the highest envelope sequence of it that every active device is
    /// known (by its signed checkpoint) to have applied. Never by age. Returns how many went.
    @discardableResult
    public static func collectTombstones(acknowledged: [String: Int64], _ db: Database) throws -> Int {
        var collected = 0
        let statement = try db.cachedStatement(sql: """
            DELETE FROM sync_change WHERE field = '-' AND pending = 0 AND log_device = ? AND log_sequence <= ?
            """)
        for (device, sequence) in acknowledged {
            try statement.execute(arguments: [device, sequence])
            collected += db.changesCount
        }
        return collected
    }
}
