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
    /// Another device's credentials authority: kept when newer than what this device holds.
    static func applyDeviceAuthority(_ change: SyncChange, _ db: Database) throws -> Outcome {
        guard let pem = String.fromDatabaseValue(change.values[SyncChangeLog.credentialsAuthorityField] ?? .null) else { return .superseded }
        guard try isNewer(change, db) else { return .superseded }
        let now = TimestampFormat.database(Date())
        try db.cachedStatement(sql: """
            INSERT INTO device (id, name, created_at, modified_at, credentials_authority) VALUES (?, '', ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET credentials_authority = excluded.credentials_authority
            """).execute(arguments: [change.key, now, now, pem])
        try stamp(change, db)
        return .applied
    }
}
