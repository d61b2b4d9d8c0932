import GRDB

/// What the sync change log captures, declared once: for each synced field of each table, the
/// event that changes it and the change-log entry it makes. The per-field triggers are generated
/// from this list by the schema step ``migrationIdentifier`` (they were 20 hand-written copies).
///
/// Every trigger feeds the one entry point `sync_change_input` (schema step 0006), which holds the
/// gate (logging on, not applying another device's changes) and the clock. New finished
/// generations are logged by `GenerationRecord`'s insert itself, not by a trigger: an insert
/// trigger on `generation` doubles the cost of every insert (schema step 0007, measured).
package struct SyncCapture: Sendable, Equatable {
    /// The row event a capture follows.
    enum Event: Sendable, Equatable {
        /// A new row.
        case insert
        /// A change of `column` (only when its value really changes).
        case update(column: String)
        /// A deleted row.
        case delete
    }

    /// The trigger's name.
    var name: String
    /// The table it watches.
    var table: String
    /// The row event.
    var event: Event
    /// The synced entity (docs/sync.md "Records").
    var entity: String
    /// The entity's key, as SQL over the row (`$` stands for `NEW` or `OLD`).
    var key: String
    /// The field recorded.
    var field: String
    /// A further condition, as SQL over the row (`$` as in ``key``).
    var condition: String?
    /// A table the key reads from, with its join condition (`$` as in ``key``).
    var source: String?

    /// Statuses after which a generation no longer changes on its own.
    static let finalStatuses = "('succeeded', 'failed', 'cancelled')"

    /// Every capture, in the order the triggers are created.
    static let all: [SyncCapture] = [
        SyncCapture(name: "sync_generation_finish", table: "generation", event: .update(column: "status"), entity: "generation",
                    key: "$.id", field: "*", condition: "$.status IN \(finalStatuses)"),
        fieldUpdate("generation", "favorite"),
        fieldUpdate("generation", "rating"),
        SyncCapture(name: "sync_generation_trash", table: "generation", event: .update(column: "trashed_at"), entity: "generation",
                    key: "$.id", field: "trashed_at"),
        SyncCapture(name: "sync_generation_delete", table: "generation", event: .delete, entity: "generation",
                    key: "$.id", field: "-", condition: "$.status IN \(finalStatuses)"),
        SyncCapture(name: "sync_album_insert", table: "album", event: .insert, entity: "album", key: "$.id", field: "*"),
        SyncCapture(name: "sync_album_rename", table: "album", event: .update(column: "name"), entity: "album", key: "$.id", field: "name"),
        SyncCapture(name: "sync_album_delete", table: "album", event: .delete, entity: "album", key: "$.id", field: "-"),
    ] + [SyncCapture.Event.insert, .delete].flatMap { event in [
        SyncCapture(name: "sync_album_item_\(event.word)", table: "album_item", event: event, entity: "album_item",
                    key: "$.album_id || '/' || $.generation_id", field: "present"),
        // Tags are identified by name (lower case) across devices.
        SyncCapture(name: "sync_tag_item_\(event.word)", table: "generation_tag", event: event, entity: "tag_item",
                    key: "$.generation_id || '/' || lower(name)", field: "present", source: "tag WHERE id = $.tag_id"),
    ] } + [
        // Settings of the synced scope only: device-scope settings never leave the device.
        SyncCapture(name: "sync_setting_insert", table: "setting", event: .insert, entity: "setting", key: "$.key", field: "value",
                    condition: "$.scope = 'synced'"),
        SyncCapture(name: "sync_setting_update", table: "setting", event: .update(column: "value"), entity: "setting", key: "$.key",
                    field: "value", condition: "$.scope = 'synced'"),
        SyncCapture(name: "sync_setting_delete", table: "setting", event: .delete, entity: "setting", key: "$.key", field: "value",
                    condition: "$.scope = 'synced'"),
        SyncCapture(name: "sync_flag_insert", table: "safety_flag", event: .insert, entity: "flag", key: "$.id", field: "*"),
        SyncCapture(name: "sync_flag_clear", table: "safety_flag", event: .update(column: "cleared_at"), entity: "flag", key: "$.id",
                    field: "cleared"),
        SyncCapture(name: "sync_device_insert", table: "device", event: .insert, entity: "device", key: "$.id", field: "name"),
        SyncCapture(name: "sync_device_rename", table: "device", event: .update(column: "name"), entity: "device", key: "$.id", field: "name"),
        SyncCapture(name: "sync_device_credentials", table: "device", event: .update(column: "credentials_authority"), entity: "device",
                    key: "$.id", field: "credentials_authority"),
    ]

    /// A capture of `column` of `table` recorded as the field of the same name.
    static func fieldUpdate(_ table: String, _ column: String) -> SyncCapture {
        SyncCapture(name: "sync_\(table)_\(column)", table: table, event: .update(column: column), entity: table, key: "$.id", field: column)
    }

    /// The trigger's SQL.
    var triggerSQL: String {
        let row = event == .delete ? "OLD" : "NEW"
        var conditions = condition.map { [$0.replacingOccurrences(of: "$", with: row)] } ?? []
        let timing: String
        switch event {
        case .insert: timing = "AFTER INSERT"
        case .delete: timing = "AFTER DELETE"
        case .update(let column):
            timing = "AFTER UPDATE OF \(column)"
            conditions.append("NEW.\(column) IS NOT OLD.\(column)")
        }
        let from = source.map { " FROM " + $0.replacingOccurrences(of: "$", with: row) } ?? ""
        return """
            CREATE TRIGGER \(name) \(timing) ON \(table)\(conditions.isEmpty ? "" : "\nWHEN " + conditions.joined(separator: " AND "))
            BEGIN
                INSERT INTO sync_change_input SELECT '\(entity)', \(key.replacingOccurrences(of: "$", with: row)), '\(field)'\(from);
            END;
            """
    }

    /// The schema step that (re)creates every capture trigger.
    static let migrationIdentifier = "0013_sync_capture"

    /// The step's SQL: drops the triggers of earlier steps (hand-written before this step) and creates them from ``all``.
    static var migrationSQL: String {
        (all.map { "DROP TRIGGER IF EXISTS \($0.name);" } + all.map(\.triggerSQL)).joined(separator: "\n")
    }
}

extension SyncCapture.Event {
    /// `insert` or `delete` (trigger names).
    var word: String {
        switch self {
        case .insert: "insert"
        case .delete: "delete"
        case .update: "update"
        }
    }
}

extension SyncCapture {
    /// Whether a change made now would be logged: logging is on and the writes are not another
    /// device's changes being applied (the gate of `sync_change_input`'s trigger, read without writing).
    /// The store reads it to log new finished generations in their insert (``GenerationRecord``).
    package static func isLogging(_ db: Database) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT enabled AND NOT applying FROM sync_state")) ?? false
    }

    /// `sync_meta` key prefix of pictures that synced without their file (lazy pictures): the
    /// key ends with the picture hash, the value is its blob reference sealed under the device key.
    /// The store reads these keys when it checks the picture files (``LibraryDatabase/imagesAndPendingPictures()``).
    package static let pendingPicturePrefix = "picture/"

    /// The hashes of pictures synced without their file.
    static func pendingPictureHashes(_ db: Database) throws -> Set<String> {
        Set(try metaKeys(prefix: pendingPicturePrefix, db).map { String($0.dropFirst(pendingPicturePrefix.count)) })
    }

    /// Keys of the local sync bookkeeping (`sync_meta`) starting with `prefix`, sorted.
    package static func metaKeys(prefix: String, _ db: Database) throws -> [String] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT key FROM sync_meta WHERE key >= ? AND key < ? ORDER BY key"),
                            arguments: [prefix, prefix + "\u{10FFFF}"])
    }
}

