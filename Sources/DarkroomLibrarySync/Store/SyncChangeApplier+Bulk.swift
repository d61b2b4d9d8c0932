import DarkroomStore
import Foundation
import GRDB

/// A first sync's whole generations, inserted with set-based statements.
extension SyncChangeApplier {
    // MARK: - Whole generations in bulk

    /// The staging table of ``insertGenerationsInBulk(_:prepared:_:into:)``: one row per generation to
    /// insert, with the generation's columns under their own names. Per connection, emptied after use.
    static let stagingTable = "sync_apply_generation"

    /// The generation columns that travel between devices, in schema order: every column but
    /// this device's own (``SyncChangeLog/localGenerationColumns``).
    public static func syncedGenerationColumns(_ db: Database) throws -> [String] {
        try db.columns(in: "generation").map(\.name).filter { !SyncChangeLog.localGenerationColumns.contains($0) }
    }

    /// Inserts the batch's new whole generations (`*` changes: most of a first sync) with a few
    /// set-based statements instead of a dozen statements per generation, and returns the
    /// indices of the changes it settled (inserted, or ignored as tombstoned).
    ///
    /// The outcome is the one ``insertGeneration(_:_:)`` gives change by change: tombstoned keys
    /// are ignored; a generation already present, one whose picture is not stored yet, and a key
    /// the batch also deletes or names twice are left to the change-by-change path; a parent
    /// the library does not hold (nor the batch before the child) is dropped; the prompt
    /// history is derived as ``PromptRecord/recordUse(text:negativeText:at:_:)`` does; the
    /// full-text index and the field clocks are written for each row. Per row, SQLite then
    /// runs one statement's worth of work instead of one statement (and its statement journal)
    /// per table: the per-row statements cost about 240 µs per generation in a 100,000-record
    /// first sync.
    static func insertGenerationsInBulk(_ changes: [SyncChange], prepared: PreparedGenerations?, _ db: Database,
                                                into report: inout SyncApplyReport) throws -> Set<Int> {
        let synced = try syncedGenerationColumns(db)
        let prepared = prepared.flatMap { $0.syncedColumns == synced ? $0 : nil } ?? PreparedGenerations(changes, syncedColumns: synced)
        guard !prepared.rows.isEmpty else { return [] }

        // The facts the change-by-change path asks per change, asked once for the batch.
        let keys = prepared.rows.map(\.key)
        let tombstoned = try keySet(sql: """
            SELECT key FROM sync_change WHERE entity = 'generation' AND field = '-' AND key IN (SELECT value FROM json_each(?))
            """, keys, db)
        let present = try keySet(sql: "SELECT id FROM generation WHERE id IN (SELECT value FROM json_each(?))", keys, db)
        let storedImages = try keySet(sql: "SELECT hash FROM image WHERE hash IN (SELECT value FROM json_each(?))",
                                      prepared.rows.compactMap(\.imageHash), db)
        let presentParents = try keySet(sql: "SELECT id FROM generation WHERE id IN (SELECT value FROM json_each(?))",
                                        prepared.rows.compactMap(\.parentID), db)

        let known = try db.columns(in: "generation").map(\.name)
        let now = TimestampFormat.database(Date())
        var settled = Set<Int>()
        var insertedKeys = Set<String>()
        var pending: [(columns: [String], row: [DatabaseValue])] = []
        for var row in prepared.rows {
            if tombstoned.contains(row.key) {
                settled.insert(row.index)
                report.ignoredDeleted += 1
                continue
            }
            if present.contains(row.key) { continue }
            if let hash = row.imageHash, !storedImages.contains(hash) { continue }
            if let parent = row.parentID, let slot = row.parentSlot, !presentParents.contains(parent), !insertedKeys.contains(parent) {
                row.values[slot] = .null   // lineage to a generation this device does not hold (yet)
            }
            if let last = pending.last, last.columns != row.columns {
                try insertStaged(pending, known: known, now: now, db)
                pending.removeAll(keepingCapacity: true)
            }
            pending.append((row.columns, row.values))
            insertedKeys.insert(row.key)
            settled.insert(row.index)
            report.applied += 1
        }
        if !pending.isEmpty { try insertStaged(pending, known: known, now: now, db) }
        return settled
    }

    /// The keys among `keys` that `sql` (taking them as one JSON array) returns.
    static func keySet(sql: String, _ keys: [String], _ db: Database) throws -> Set<String> {
        guard !keys.isEmpty else { return [] }
        return try String.fetchSet(db.cachedStatement(sql: sql), arguments: [jsonArray(keys)])
    }

    /// Inserts staged generations that carry the same `columns`: their prompt history, rows,
    /// full-text entries and field clocks, a statement each.
    static func insertStaged(_ rows: [(columns: [String], row: [DatabaseValue])], known: [String], now: String, _ db: Database) throws {
        let columns = rows[0].columns
        try db.execute(sql: """
            CREATE TEMP TABLE IF NOT EXISTS \(stagingTable) (staging_seq INTEGER PRIMARY KEY, staging_used, staging_prompt,
                staging_negative, staging_prompt_id, staging_clock, staging_device, \(known.map { $0.quotedDatabaseIdentifier }.joined(separator: ", ")))
            """)
        let quoted = columns.map { $0.quotedDatabaseIdentifier }.joined(separator: ", ")
        let stage = BulkStatement(try db.cachedStatement(sql: """
            INSERT INTO temp.\(stagingTable) (staging_used, staging_prompt, staging_negative, staging_prompt_id, staging_clock, staging_device, \(quoted))
            VALUES (\(databaseQuestionMarks(count: PreparedGenerations.stagingPrefix + columns.count)))
            """), db)
        for entry in rows { try stage.execute(entry.row) }
        // Prompt history first (one use per generation, as recordUse counts), then the rows
        // pointing at it, their full-text entries and the clocks of their `*` fields.
        let promptRowidsBefore = try Int64.fetchOne(db.cachedStatement(sql: "SELECT coalesce(max(rowid), 0) FROM prompt")) ?? 0
        try db.cachedStatement(sql: """
            INSERT INTO prompt (id, text, negative_text, first_used_at, last_used_at, use_count, created_at, modified_at)
            SELECT staging_prompt_id, staging_prompt, staging_negative, staging_used, staging_used, 1, ?1, ?1
            FROM temp.\(stagingTable) WHERE staging_used IS NOT NULL ORDER BY staging_seq
            ON CONFLICT (text, negative_text) DO UPDATE SET use_count = use_count + 1,
                first_used_at = min(first_used_at, excluded.first_used_at),
                last_used_at = max(last_used_at, excluded.last_used_at), modified_at = excluded.modified_at
            """).execute(arguments: [now])
        // The rows get the rowids SQLite would give them (after the largest, in staging order),
        // but chosen here, so the full-text rows take them from the staging table instead of
        // looking each generation up by id (a third of the full-text statement's time).
        let rowidBase = try Int64.fetchOne(db.cachedStatement(sql: "SELECT coalesce(max(rowid), 0) FROM generation")) ?? 0
        // Each new prompt row took the next rowid. When the statement added one row per distinct
        // staged prompt, none of them was in the library before, and each row's staged prompt id
        // (shared by the rows with one prompt, see `PreparedGenerations`) is its prompt's id: the
        // rows take it as it is, without looking their prompt up by text (a third of a first
        // sync's generation inserts). Otherwise each looks its prompt up.
        let promptRowidsAfter = try Int64.fetchOne(db.cachedStatement(sql: "SELECT coalesce(max(rowid), 0) FROM prompt")) ?? 0
        let stagedPrompts = Set(rows.compactMap { String.fromDatabaseValue($0.row[PreparedGenerations.promptIDSlot]) }).count
        let promptsWereNew = promptRowidsAfter - promptRowidsBefore == Int64(stagedPrompts)
        try db.cachedStatement(sql: """
            INSERT INTO generation (rowid, \(quoted), prompt_id)
            SELECT ?1 + staging_seq, \(quoted), CASE WHEN staging_used IS NULL THEN NULL WHEN ?2 THEN staging_prompt_id
                ELSE (SELECT id FROM prompt WHERE text = staging_prompt AND negative_text = staging_negative) END
            FROM temp.\(stagingTable) ORDER BY staging_seq
            """).execute(arguments: [rowidBase, promptsWereNew])
        try db.cachedStatement(sql: """
            INSERT INTO generation_search (rowid, prompt, negative_prompt, tags, albums)
            SELECT ?1 + staging_seq, staging_prompt, staging_negative, '', ''
            FROM temp.\(stagingTable) ORDER BY staging_seq
            """).execute(arguments: [rowidBase])
        try db.cachedStatement(sql: """
            INSERT INTO sync_change (entity, key, field, clock, device, pending)
            SELECT 'generation', id, '*', staging_clock, staging_device, 0 FROM temp.\(stagingTable) WHERE true
            ON CONFLICT (entity, key, field) DO UPDATE SET clock = excluded.clock, device = excluded.device, pending = 0
            """).execute()
        try db.cachedStatement(sql: "DELETE FROM temp.\(stagingTable)").execute()
    }

    static func stampIfNew(_ change: SyncChange, _ db: Database) throws {
        if try clockOf(change.entity, change.key, field: change.field, db) == nil { try stamp(change, db) }
    }

    static func insertFlag(_ change: SyncChange, _ db: Database) throws -> Outcome? {
        if try exists("safety_flag", "id", change.key, db) { try stampIfNew(change, db); return .superseded }
        guard let generation = String.fromDatabaseValue(change.values["generation_id"] ?? .null),
              try exists("generation", "id", generation, db) else { return nil }
        try insertRow(table: "safety_flag", values: change.values.merging(["id": change.key.databaseValue]) { $1 }, db)
        try stamp(change, db)
        return .applied
    }

    static func insertRow(table: String, values: [String: DatabaseValue], _ db: Database) throws {
        let known = try db.columns(in: table).map(\.name)   // GRDB caches the table's columns per connection
        let columns = known.filter { values[$0] != nil }
        try db.cachedStatement(sql: "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES (\(databaseQuestionMarks(count: columns.count)))").execute(
                       arguments: StatementArguments(typed: columns.map { values[$0]! }))
    }

    /// Last-writer-wins update of columns of an existing row; nil when the row is missing.
    /// `modified_at` becomes the later of the row's and the change's, so it converges too.
    static func updateFields(_ change: SyncChange, table: String, columns: [String], _ db: Database) throws -> Outcome? {
        guard try exists(table, "id", change.key, db) else { return nil }
        guard try isNewer(change, db) else { return .superseded }
        let assignments = columns.map { "\($0) = ?" }.joined(separator: ", ")
        try db.cachedStatement(sql: "UPDATE \(table) SET \(assignments), modified_at = max(modified_at, ?) WHERE id = ?").execute(
                       arguments: StatementArguments(typed: columns.map { change.values[$0] ?? .null } + [modifiedAt(change), change.key.databaseValue]))
        try stamp(change, db)
        return .applied
    }
}
