import Foundation
import GRDB

// Settings, safety flags and the audit trail: the SQL behind `Library`'s settings and safety functions.
extension LibraryDatabase {
    // MARK: - Settings

    /// Every stored setting row (both scopes).
    public func settingRecords() async throws -> [SettingRecord] {
        try await read { db in try SettingRecord.fetchAll(db.cachedStatement(sql: "SELECT * FROM setting")) }
    }

    /// The stored values of one setting, by scope (read on the caller's thread: the open-time purge uses it).
    public func settingValues(_ key: String) throws -> [SettingRecord.Scope: String] {
        try read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT scope, value FROM setting WHERE key = ?", arguments: [key])
            return Dictionary(rows.compactMap { row in SettingRecord.Scope(rawValue: row["scope"]).map { ($0, row["value"] as String) } },
                              uniquingKeysWith: { a, _ in a })
        }
    }

    /// Stores `json` for `key` at `scope`, replacing what was there.
    public func saveSetting(_ key: String, scope: SettingRecord.Scope, json: String) async throws {
        try await write { db in
            let now = Date()
            try db.execute(sql: """
                INSERT INTO setting (key, scope, value, created_at, modified_at) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (key, scope) DO UPDATE SET value = excluded.value, modified_at = excluded.modified_at
                """, arguments: [key, scope.rawValue, json, now, now])
        }
    }

    /// Removes `key` at `scope`; returns the value it held, if any.
    public func removeSetting(_ key: String, scope: SettingRecord.Scope) async throws -> String? {
        try await write { db -> String? in
            let value = try String.fetchOne(db, sql: "SELECT value FROM setting WHERE key = ? AND scope = ?", arguments: [key, scope.rawValue])
            try db.execute(sql: "DELETE FROM setting WHERE key = ? AND scope = ?", arguments: [key, scope.rawValue])
            return value
        }
    }

    // MARK: - Safety flags and the audit trail

    /// Appends an event to the audit trail.
    public func record(_ event: PolicyEventRecord) async throws {
        try await write { db in try event.insert(db) }
    }

    /// Refused prompts and policy switches, newest first.
    public func policyEvents(limit: Int) async throws -> [PolicyEventRecord] {
        try await read { db in try PolicyEventRecord.order(PolicyEventRecord.Columns.createdAt.desc).limit(limit).fetchAll(db) }
    }

    /// Safety flags, newest first; active ones only unless `includeCleared`.
    public func safetyFlags(includeCleared: Bool) async throws -> [SafetyFlagRecord] {
        try await read { db in
            var request = SafetyFlagRecord.order(SafetyFlagRecord.Columns.createdAt.desc)
            if !includeCleared { request = request.filter(SafetyFlagRecord.Columns.clearedAt == nil) }
            return try request.fetchAll(db)
        }
    }

    /// The flags of one generation (active and cleared), oldest first.
    public func safetyFlags(of generationID: GenerationID) async throws -> [SafetyFlagRecord] {
        try await read { db in
            try SafetyFlagRecord.filter(SafetyFlagRecord.Columns.generationID == generationID)
                .order(SafetyFlagRecord.Columns.createdAt).fetchAll(db)
        }
    }

    /// Clears the active flags of the generation `id`, recording who did; returns how many.
    public func clearSafetyFlags(_ id: GenerationID, by person: String) async throws -> Int {
        try await write { db in
            _ = try GenerationRecord.existing(id, db)
            let now = Date()
            try db.execute(sql: """
                UPDATE safety_flag SET cleared_at = ?, cleared_by = ?, modified_at = ? WHERE generation_id = ? AND cleared_at IS NULL
                """, arguments: [now, person, now, id])
            return db.changesCount
        }
    }

    /// True when the generation has an active flag.
    public func isFlagged(_ generationID: GenerationID) async throws -> Bool {
        try await read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM safety_flag WHERE generation_id = ? AND cleared_at IS NULL)",
                              arguments: [generationID]) ?? false
        }
    }
}
