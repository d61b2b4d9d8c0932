import DarkroomSchema
import Foundation
import GRDB

/// The library's migrations, read from the numbered `.sql` files in `Schema/migrations`, plus the
/// step that generates the sync change-capture triggers from one declaration (``SyncCapture``).
///
/// Each step runs in a transaction, once, in identifier order; migrations are forward-only.
public struct SchemaMigrations: Sendable {
    /// One migration: its identifier (the file name without `.sql`) and its SQL.
    public struct Step: Sendable, Equatable {
        /// `NNNN_name`, the file name without its extension.
        public var identifier: String
        /// The SQL text run for this step.
        public var sql: String
    }

    /// The steps in the order they apply.
    public let steps: [Step]

    /// Loads every `NNNN_*.sql` file of `directory` (the shipped migrations by default).
    public init(directory: URL = SchemaCatalog.migrationsDirectory) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".sql") }
            .sorted()
        let files = try names.map { name in
            Step(identifier: String(name.dropLast(4)),
                 sql: try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8))
        }
        steps = (files + [Step(identifier: SyncCapture.migrationIdentifier, sql: SyncCapture.migrationSQL)])
            .sorted { $0.identifier < $1.identifier }
    }

    /// The identifier of the newest step: the schema version this build writes.
    public var latest: String? { steps.last?.identifier }

    /// A GRDB migrator that registers every step, optionally only up to `identifier`.
    public func migrator(upTo identifier: String? = nil) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for step in steps {
            migrator.registerMigration(step.identifier) { db in
                try db.execute(sql: step.sql)
            }
            if step.identifier == identifier { break }
        }
        return migrator
    }
}
