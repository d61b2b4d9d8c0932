import Foundation

/// Locates the numbered SQL migrations that define the library schema.
///
/// The `.sql` files under `Schema/migrations` are the single source of truth
/// for the database layout. They ship as a resource bundle and are read at
/// run time by `DarkroomStore`'s migrator.
public enum SchemaCatalog {
    /// The folder that holds `NNNN_name.sql` migration files.
    public static var migrationsDirectory: URL {
        Bundle.module.url(forResource: "migrations", withExtension: nil)!
    }
}
