import Foundation
import GRDB

/// One distinct prompt (text and negative text) with its use history.
public struct PromptRecord: SnakeCaseRecord, Sendable, Equatable, Identifiable {
    public static let databaseTableName = "prompt"

    /// Stable random id.
    public var id: String
    /// The prompt text.
    public var text: String
    /// The negative prompt text ('' when none).
    public var negativeText: String
    /// When the prompt was first used.
    public var firstUsedAt: Date
    /// When the prompt was last used.
    public var lastUsedAt: Date
    /// How many jobs used it.
    public var useCount: Int
    /// Row creation time.
    public var createdAt: Date
    /// Last change time.
    public var modifiedAt: Date

    /// Records one more use of `text`/`negativeText`, creating the row on first use; returns the row.
    @discardableResult
    public static func recordUse(text: String, negativeText: String, at now: Date, _ db: Database) throws -> PromptRecord {
        let lookup = try db.cachedStatement(sql: "SELECT * FROM prompt WHERE text = ? AND negative_text = ?")
        if var existing = try PromptRecord.fetchOne(lookup, arguments: [text, negativeText]) {
            existing.useCount += 1
            existing.lastUsedAt = now
            existing.modifiedAt = now
            try existing.update(db)
            return existing
        }
        let record = PromptRecord(id: StableID.make(), text: text, negativeText: negativeText, firstUsedAt: now,
                                  lastUsedAt: now, useCount: 1, createdAt: now, modifiedAt: now)
        try record.insert(db)
        return record
    }
}
