import Foundation
import GRDB

/// Resolves ids given as any unique prefix, as git does with commit hashes.
public enum IDPrefix {
    /// The full id in `table`'s `column` that starts with `prefix`.
    ///
    /// - Throws: ``StoreError/notFound(kind:id:)`` when nothing matches,
    ///   ``StoreError/ambiguousID(kind:prefix:candidates:)`` when several rows do.
    public static func resolve(_ prefix: String, table: String, column: String = "id", kind: String, _ db: Database) throws -> String {
        let needle = prefix.lowercased()
        guard !needle.isEmpty, needle.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
            throw StoreError.notFound(kind: kind, id: prefix)
        }
        // A range scan on the primary key: ids are ASCII, so every id with the prefix sorts below prefix + DEL.
        let matches = try String.fetchAll(db, sql: """
            SELECT \(column) FROM \(table) WHERE \(column) >= ? AND \(column) < ? ORDER BY \(column) LIMIT 6
            """, arguments: [needle, needle + "\u{7f}"])
        switch matches.count {
        case 0: throw StoreError.notFound(kind: kind, id: prefix)
        case 1: return matches[0]
        default:
            if matches.contains(needle) { return needle }
            throw StoreError.ambiguousID(kind: kind, prefix: prefix, candidates: matches)
        }
    }

    /// Resolves a generation id prefix.
    /// The prompt whose id starts with `prefix`.
    public static func prompt(_ prefix: String, _ db: Database) throws -> PromptID {
        PromptID(try resolve(prefix, table: PromptRecord.databaseTableName, kind: "prompt", db))
    }

    public static func generation(_ prefix: String, _ db: Database) throws -> GenerationID {
        GenerationID(try resolve(prefix, table: GenerationRecord.databaseTableName, kind: "generation", db))
    }
}
