import DarkroomStore
import Foundation
import GRDB

/// What applying a batch of other devices' changes did.
public struct SyncApplyReport: Sendable, Equatable {
    /// Changes that took effect.
    public var applied = 0
    /// Changes that lost to a newer write of the same field (last writer wins) or repeated
    /// what the library already had (applying the same change twice changes nothing).
    public var superseded = 0
    /// Changes held back until the entity they modify arrives from another log.
    public var deferred = 0
    /// Changes to entities deleted for good (tombstoned), ignored.
    public var ignoredDeleted = 0
    /// Albums that arrived with the name of another album and were renamed to keep names unique.
    public var renamedAlbums = 0
    /// Picture and thumbnail paths (relative to the library folder) no row references any
    /// more because their generation was deleted; remove the files after the commit.
    public var unreferencedFiles: [String] = []

    /// An empty report.
    public init() {}

    /// Adds another report's counts.
    public mutating func add(_ other: SyncApplyReport) {
        applied += other.applied
        superseded += other.superseded
        deferred += other.deferred
        ignoredDeleted += other.ignoredDeleted
        renamedAlbums += other.renamedAlbums
        unreferencedFiles += other.unreferencedFiles
    }
}

/// Applies other devices' changes to the library: per-field last writer wins by (clock,
/// device id), inserts of immutable facts once, edges by their `present` flag, deletes as
/// tombstones that win over everything. Commutative and idempotent: the same set of changes
/// in any order, any number of times, gives the same library.
///
/// Call ``apply(_:prepared:fromLog:sequence:_:)`` inside one write transaction; it switches the logging triggers off
/// for its own writes (`sync_state.applying`) and on again before returning.
public enum SyncChangeApplier {
    enum Outcome { case applied, superseded, deferred, deleted, renamedAlbum }

    /// Applies `changes` (the payload of envelope `sequence` of `device`'s log: tombstones
    /// remember it), then retries changes deferred earlier whose entity may now exist.
    ///
    /// - Parameter prepared: the batch's whole new generations laid out beforehand, off the
    ///   writer (``PreparedGenerations/init(_:syncedColumns:)`` with `changes`); nil to lay them
    ///   out here. Rows laid out for other columns than the schema's are laid out again.
    public static func apply(_ changes: [SyncChange], prepared: PreparedGenerations? = nil, fromLog device: String, sequence: Int64,
                             _ db: Database) throws -> SyncApplyReport {
        try db.cachedStatement(sql: "UPDATE sync_state SET applying = 1").execute()
        let origin = LogPosition(device: device, sequence: sequence)
        var report = SyncApplyReport()
        var maxClock = SyncClock(rawValue: 0)
        let inserted = try insertGenerationsInBulk(changes, prepared: prepared, db, into: &report)
        for (index, change) in changes.enumerated() {
            maxClock = max(maxClock, change.clock)
            if inserted.contains(index) { continue }
            if change.entity == .generation, change.field == "-" {
                report.unreferencedFiles += try imageFilesFreed(byDeleting: change.key, db)
            }
            count(try applyOne(change, db, origin: origin), into: &report)
        }
        report.deferred = max(0, report.deferred - (try retryDeferred(db)))
        try SyncChangeLog.observe(maxClock, db)
        try db.cachedStatement(sql: "UPDATE sync_state SET applying = 0").execute()
        return report
    }

    private static func count(_ outcome: Outcome, into report: inout SyncApplyReport) {
        switch outcome {
        case .applied: report.applied += 1
        case .renamedAlbum: report.applied += 1; report.renamedAlbums += 1
        case .superseded: report.superseded += 1
        case .deferred: report.deferred += 1
        case .deleted: report.ignoredDeleted += 1
        }
    }

    /// Applies deferred changes whose entity arrived; returns how many left the deferred set.
    private static func retryDeferred(_ db: Database) throws -> Int {
        var resolved = 0
        while true {
            let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT entity, key, field, record FROM sync_deferred"))
            var progress = 0
            for row in rows {
                guard let change = try? SyncChangeCodec.decode(row["record"]).first else { continue }
                try db.cachedStatement(sql: "DELETE FROM sync_deferred WHERE entity = ? AND key = ? AND field = ?").execute(
                               arguments: [row["entity"] as String, row["key"] as String, row["field"] as String])
                if try applyOne(change, db) != .deferred { progress += 1 }
            }
            resolved += progress
            if progress == 0 { return resolved }
        }
    }

    // MARK: - One change

    /// The log envelope a batch of changes came in.
    private struct LogPosition { var device: String; var sequence: Int64 }

    private static func applyOne(_ change: SyncChange, _ db: Database, origin: LogPosition? = nil) throws -> Outcome {
        if change.field == "-" { return try applyDelete(change, origin: origin, db) }
        if try isTombstoned(change.entity, change.key, db) { return .deleted }
        let outcome: Outcome?
        switch (change.entity, change.field) {
        case (.generation, "*"): outcome = try insertGeneration(change, db)
        case (.generation, let field) where SyncChangeLog.mutableGenerationFields.contains(field):
            outcome = try updateFields(change, table: "generation", columns: [field], db)
        case (.generation, SyncChangeLog.pictureWantedField): outcome = try answerPictureRequest(change, db)
        case (.album, "*"), (.album, "name"): outcome = try upsertAlbum(change, db)
        case (.albumItem, "present"): outcome = try applyAlbumItem(change, db)
        case (.tagItem, "present"): outcome = try applyTagItem(change, db)
        case (.setting, "value"): outcome = try applySetting(change, db)
        case (.flag, "*"): outcome = try insertFlag(change, db)
        case (.flag, "cleared"):
            outcome = try updateFields(change, table: "safety_flag", columns: ["cleared_at", "cleared_by"], db)
        case (.device, "name"), (.device, SyncChangeLog.credentialsAuthorityField): outcome = try applyDeviceField(change, db)
        default: outcome = .superseded   // a field this version does not know: ignored
        }
        if let outcome { return outcome }
        try defer_(change, db)
        return .deferred
    }

    /// Whether the entity was deleted for good.
    private static func isTombstoned(_ entity: SyncEntity, _ key: String, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM sync_change WHERE entity = ? AND key = ? AND field = '-')"),
                          arguments: [entity.rawValue, key]) ?? false
    }

    /// The clock and device of the newest change applied to a field (or, for a field never
    /// changed on its own, to the entity's creation).
    static func clockOf(_ entity: SyncEntity, _ key: String, field: String, _ db: Database) throws -> (clock: SyncClock, device: String)? {
        let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT clock, device FROM sync_change WHERE entity = ? AND key = ? AND field IN (?, '*')
            ORDER BY field = '*' LIMIT 1
            """), arguments: [entity.rawValue, key, field])
        return row.map { (SyncClock(rawValue: $0["clock"]), $0["device"]) }
    }

    /// Records `change` as the newest write of its field.
    static func stamp(_ change: SyncChange, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO sync_change (entity, key, field, clock, device, pending) VALUES (?, ?, ?, ?, ?, 0)
            ON CONFLICT (entity, key, field) DO UPDATE SET clock = excluded.clock, device = excluded.device, pending = 0
            """).execute(arguments: [change.entity.rawValue, change.key, change.field, change.clock.rawValue, change.device])
    }

    /// Whether `change` is newer than what its field holds.
    static func isNewer(_ change: SyncChange, _ db: Database) throws -> Bool {
        guard let current = try clockOf(change.entity, change.key, field: change.field, db) else { return true }
        return change.wins(over: current)
    }

    private static func defer_(_ change: SyncChange, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO sync_deferred (entity, key, field, clock, device, record) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (entity, key, field) DO UPDATE SET clock = excluded.clock, device = excluded.device, record = excluded.record
            WHERE (excluded.clock, excluded.device) > (sync_deferred.clock, sync_deferred.device)
            """).execute(arguments: [change.entity.rawValue, change.key, change.field, change.clock.rawValue, change.device,
                             SyncChangeCodec.encode([change])])
    }

    static func exists(_ table: String, _ column: String, _ value: String, _ db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM \(table) WHERE \(column) = ?)"), arguments: [value]) ?? false
    }

    static func now() -> String { TimestampFormat.database(Date()) }

    /// The modification time a change carries (the writer's row time), else its clock's time.
    static func modifiedAt(_ change: SyncChange) -> DatabaseValue {
        if let value = change.values["modified_at"], !value.isNull { return value }
        return TimestampFormat.database(Date(timeIntervalSince1970: Double(change.clock.physicalMs) / 1000)).databaseValue
    }

    // MARK: - Deletes

    private static func applyDelete(_ change: SyncChange, origin: LogPosition?, _ db: Database) throws -> Outcome {
        let key = change.key
        if try isTombstoned(change.entity, key, db) { return .superseded }
        switch change.entity {
        case .generation: try db.cachedStatement(sql: "DELETE FROM generation WHERE id = ?").execute(arguments: [key])
        case .album: try db.cachedStatement(sql: "DELETE FROM album WHERE id = ?").execute(arguments: [key])
        default: return .superseded
        }
        try db.cachedStatement(sql: "DELETE FROM sync_change WHERE entity = ? AND key = ?").execute(arguments: [change.entity.rawValue, key])
        try db.cachedStatement(sql: "DELETE FROM sync_deferred WHERE entity = ? AND key = ?").execute(arguments: [change.entity.rawValue, key])
        try db.cachedStatement(sql: """
            INSERT INTO sync_change (entity, key, field, clock, device, pending, log_device, log_sequence) VALUES (?, ?, '-', ?, ?, 0, ?, ?)
            """).execute(arguments: [change.entity.rawValue, key, change.clock.rawValue, change.device, origin?.device, origin?.sequence])
        return .applied
    }

    /// Deletes the image row of a generation about to be deleted when nothing else shows it,
    /// and returns its file paths.
    private static func imageFilesFreed(byDeleting generation: String, _ db: Database) throws -> [String] {
        guard try !isTombstoned(.generation, generation, db),
              let row = try Row.fetchOne(db.cachedStatement(sql: """
                SELECT image.hash, image.path, image.thumbnail_path FROM generation JOIN image ON image.hash = generation.image_hash
                WHERE generation.id = ? AND \(ImageRecord.unusedCondition(excluding: "generation.id"))
                """), arguments: [generation]) else { return [] }
        try db.cachedStatement(sql: "UPDATE generation SET image_hash = NULL WHERE id = ?").execute(arguments: [generation])
        try db.cachedStatement(sql: "DELETE FROM image WHERE hash = ?").execute(arguments: [row["hash"] as String])
        return [row["path"], row["thumbnail_path"]].compactMap { $0 }
    }

    // MARK: - Generations and flags

    private static func insertGeneration(_ change: SyncChange, _ db: Database) throws -> Outcome? {
        if try exists("generation", "id", change.key, db) {
            if let outcome = try completeGeneration(change, db) { return outcome }
            try stampIfNew(change, db)
            return .superseded
        }
        var values = change.values.filter { !$0.key.hasPrefix("image.") && !SyncChangeLog.localGenerationColumns.contains($0.key) }
        values["id"] = change.key.databaseValue
        if let hash = String.fromDatabaseValue(values["image_hash"] ?? .null), try !exists("image", "hash", hash, db) {
            return nil   // the picture is stored first (by whoever downloads the blob)
        }
        if let parent = String.fromDatabaseValue(values["parent_id"] ?? .null), try !exists("generation", "id", parent, db) {
            values["parent_id"] = .null   // lineage to a generation this device does not hold (yet)
        }
        // A direct INSERT of the columns this schema knows (the record type's encoding costs
        // several times more, and a first sync inserts 100,000 rows).
        let prompt = String.fromDatabaseValue(values["prompt"] ?? .null) ?? ""
        let negative = String.fromDatabaseValue(values["negative_prompt"] ?? .null) ?? ""
        if !prompt.isEmpty || !negative.isEmpty {
            let used = String.fromDatabaseValue(values["created_at"] ?? .null).flatMap(TimestampFormat.parseDatabase) ?? Date()
            values["prompt_id"] = try PromptRecord.recordUse(text: prompt, negativeText: negative, at: used, db).databaseValue
        }
        try insertRow(table: "generation", values: values, db)
        try GenerationRecord.indexForSearch(rowID: db.lastInsertedRowID, prompt: prompt, negativePrompt: negative, db)
        try stamp(change, db)
        return .applied
    }

    // MARK: - Albums

    /// Creates or renames an album. Names stay unique: an album arriving with the name of
    /// another (created independently on two devices) is stored as `name (id prefix)`.
    private static func upsertAlbum(_ change: SyncChange, _ db: Database) throws -> Outcome? {
        guard let name = String.fromDatabaseValue(change.values["name"] ?? .null) else { return .superseded }
        let present = try exists("album", "id", change.key, db)
        if change.field == "name" && !present { return nil }
        if present {
            if change.field == "*" { try stampIfNew(change, db); return .superseded }
            guard try isNewer(change, db) else { return .superseded }
        }
        // Names stay unique (case-insensitively): of two albums with one name, the one with the
        // greater id carries a suffix, whichever arrived first.
        var stored = name
        var renamed = false
        if let other = try String.fetchOne(db.cachedStatement(sql: "SELECT id FROM album WHERE name = ? COLLATE NOCASE AND id <> ?"), arguments: [name, change.key]) {
            renamed = true
            if other > change.key {
                try db.cachedStatement(sql: "UPDATE album SET name = name || ' (' || substr(id, 1, 4) || ')' WHERE id = ?").execute(arguments: [other])
            } else {
                stored = "\(name) (\(change.key.prefix(4)))"
            }
        }
        if present {
            try db.cachedStatement(sql: "UPDATE album SET name = ?, modified_at = max(modified_at, ?) WHERE id = ?").execute(arguments: [stored, modifiedAt(change), change.key])
        } else {
            let created = String.fromDatabaseValue(change.values["created_at"] ?? .null) ?? now()
            try db.cachedStatement(sql: "INSERT INTO album (id, name, created_at, modified_at) VALUES (?, ?, ?, ?)").execute(
                           arguments: [change.key, stored, created, modifiedAt(change)])
        }
        try stamp(change, db)
        return renamed ? .renamedAlbum : .applied
    }

    // MARK: - Edges

    private static func isPresent(_ change: SyncChange) -> Bool {
        Bool.fromDatabaseValue(change.values["present"] ?? .null) ?? false
    }

    private static func applyAlbumItem(_ change: SyncChange, _ db: Database) throws -> Outcome? {
        guard let (album, generation) = SyncChangeLog.split(change.key) else { return .superseded }
        guard try isNewer(change, db) else { return .superseded }
        if isPresent(change) {
            guard try exists("album", "id", album, db), try exists("generation", "id", generation, db) else { return nil }
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO album_item (album_id, generation_id, created_at) VALUES (?, ?, ?)").execute(
                           arguments: [album, generation, String.fromDatabaseValue(change.values["created_at"] ?? .null) ?? now()])
        } else {
            try db.cachedStatement(sql: "DELETE FROM album_item WHERE album_id = ? AND generation_id = ?").execute(arguments: [album, generation])
        }
        try touchGeneration(generation, change, db)
        try stamp(change, db)
        return .applied
    }

    private static func applyTagItem(_ change: SyncChange, _ db: Database) throws -> Outcome? {
        guard let (generation, lowered) = SyncChangeLog.split(change.key) else { return .superseded }
        guard try isNewer(change, db) else { return .superseded }
        if isPresent(change) {
            guard try exists("generation", "id", generation, db) else { return nil }
            let name = String.fromDatabaseValue(change.values["name"] ?? .null) ?? lowered
            var tagID = try String.fetchOne(db.cachedStatement(sql: "SELECT id FROM tag WHERE name = ? COLLATE NOCASE"), arguments: [name])
            if tagID == nil {
                let id = StableID.make()
                try db.cachedStatement(sql: "INSERT INTO tag (id, name, created_at, modified_at) VALUES (?, ?, ?, ?)").execute(arguments: [id, name, now(), now()])
                tagID = id
            }
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO generation_tag (generation_id, tag_id, created_at) VALUES (?, ?, ?)").execute(
                           arguments: [generation, tagID, String.fromDatabaseValue(change.values["created_at"] ?? .null) ?? now()])
        } else {
            try db.cachedStatement(sql: """
                DELETE FROM generation_tag WHERE generation_id = ? AND tag_id IN (SELECT id FROM tag WHERE lower(name) = ?)
                """).execute(arguments: [generation, lowered])
        }
        try touchGeneration(generation, change, db)
        try stamp(change, db)
        return .applied
    }

    /// Moves a generation's `modified_at` to the one an edge change carries, when later.
    private static func touchGeneration(_ id: String, _ change: SyncChange, _ db: Database) throws {
        guard let value = change.values["modified_at"], !value.isNull else { return }
        try db.cachedStatement(sql: "UPDATE generation SET modified_at = max(modified_at, ?) WHERE id = ?").execute(arguments: [value, id])
    }

    // MARK: - Settings and devices

    private static func applySetting(_ change: SyncChange, _ db: Database) throws -> Outcome {
        guard try isNewer(change, db) else { return .superseded }
        if let value = String.fromDatabaseValue(change.values["value"] ?? .null) {
            try db.cachedStatement(sql: """
                INSERT INTO setting (key, scope, value, created_at, modified_at) VALUES (?, 'synced', ?, ?, ?)
                ON CONFLICT (key, scope) DO UPDATE SET value = excluded.value, modified_at = excluded.modified_at
                """).execute(arguments: [change.key, value, now(), now()])
        } else {
            try db.cachedStatement(sql: "DELETE FROM setting WHERE key = ? AND scope = 'synced'").execute(arguments: [change.key])
        }
        try stamp(change, db)
        return .applied
    }
}
