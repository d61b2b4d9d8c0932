import DarkroomStore
import Foundation
import GRDB

extension SyncChangeLog {
    /// The device field holding the PEM certificate of a device's Content Credentials authority (schema step 0012).
    public static let credentialsAuthorityField = "credentials_authority"

    /// The credentials authorities the library's devices published, by device id.
    public static func credentialsAuthorities(_ db: Database) throws -> [String: String] {
        var authorities: [String: String] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT id, credentials_authority FROM device WHERE credentials_authority IS NOT NULL")) {
            authorities[row["id"]] = row["credentials_authority"]
        }
        return authorities
    }

    /// Publishes `pem` as device `id`'s credentials authority (a synced change when it is new).
    public static func publishCredentialsAuthority(_ pem: String, device id: String, _ db: Database) throws {
        let now = TimestampFormat.database(Date())
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO device (id, name, created_at, modified_at) VALUES (?, '', ?, ?)")
            .execute(arguments: [id, now, now])
        try db.cachedStatement(sql: """
            UPDATE device SET credentials_authority = ?, modified_at = ? WHERE id = ? AND credentials_authority IS NOT ?
            """).execute(arguments: [pem, now, id, pem])
    }
}

extension SyncChangeApplier {
    /// A device field another device changed (its name, its credentials authority): kept when newer than
    /// what this device holds. `change.field` is the column, one of the two the caller routes here.
    static func applyDeviceField(_ change: SyncChange, _ db: Database) throws -> Outcome {
        let column = change.field
        guard let value = String.fromDatabaseValue(change.values[column] ?? .null) else { return .superseded }
        guard try isNewer(change, db) else { return .superseded }
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO device (id, name, created_at, modified_at) VALUES (?, '', ?, ?)")
            .execute(arguments: [change.key, now(), now()])
        try db.cachedStatement(sql: "UPDATE device SET \(column.quotedDatabaseIdentifier) = ?, modified_at = ? WHERE id = ?")
            .execute(arguments: [value, now(), change.key])
        try stamp(change, db)
        return .applied
    }
}
