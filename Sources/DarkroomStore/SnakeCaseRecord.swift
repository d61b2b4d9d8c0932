import Foundation
import GRDB

/// A record whose Swift properties map to snake_case columns (`negativePrompt` ↔ `negative_prompt`)
/// and whose dates are stored in the database format quickly (see ``TimestampFormat``).
public protocol SnakeCaseRecord: Codable, FetchableRecord, PersistableRecord {}

extension SnakeCaseRecord {
    public static var databaseColumnDecodingStrategy: DatabaseColumnDecodingStrategy { .convertFromSnakeCase }
    public static var databaseColumnEncodingStrategy: DatabaseColumnEncodingStrategy { .convertToSnakeCase }
    /// Dates are stored as GRDB stores them (`YYYY-MM-DD HH:MM:SS.SSS`, UTC), formatted without `DateFormatter`.
    public static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        .custom { TimestampFormat.database($0) }
    }
    /// Dates are read with ``TimestampFormat/parseDatabase(_:)`` (GRDB's default goes through `Calendar`, slow on Linux).
    public static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .custom { value in String.fromDatabaseValue(value).flatMap(TimestampFormat.parseDatabase) ?? Date.fromDatabaseValue(value) }
    }
}
