import Foundation
import GRDB

/// One distinct prompt (text and negative text) with its use history.
public struct PromptRecord: SnakeCaseRecord, Sendable, Equatable, Identifiable {
    public static let databaseTableName = "prompt"

    /// Stable random id.
    public var id: PromptID
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

    /// The columns requests filter and order on.
    public enum Columns {
        static let lastUsedAt = Column("last_used_at")
    }

    /// Records one more use of `text`/`negativeText` at `date` (creating the row on first use:
    /// first and last use are the earliest and latest dates recorded), and returns the row's id.
    /// One `INSERT … ON CONFLICT … RETURNING` statement, prepared once per connection.
    @discardableResult
    public static func recordUse(text: String, negativeText: String, at date: Date, _ db: Database) throws -> PromptID {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO prompt (id, text, negative_text, first_used_at, last_used_at, use_count, created_at, modified_at)
            VALUES (?1, ?2, ?3, ?4, ?4, 1, ?5, ?5)
            ON CONFLICT (text, negative_text) DO UPDATE SET use_count = use_count + 1,
                first_used_at = min(first_used_at, excluded.first_used_at),
                last_used_at = max(last_used_at, excluded.last_used_at), modified_at = excluded.modified_at
            RETURNING id
            """)
        let used = TimestampFormat.database(date)
        guard let id = try PromptID.fetchOne(statement, arguments: [StableID.make(), text, negativeText, used, TimestampFormat.database(Date())]) else {
            throw DatabaseError(resultCode: .SQLITE_ERROR, message: "prompt upsert returned no row")
        }
        return id
    }
}
