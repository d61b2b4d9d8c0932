import Foundation
import GRDB

/// What a picture's Content Credentials said when Darkroom read them (schema step 0010).
public struct StoredCredentials: Sendable, Equatable {
    /// The verdict: `valid`, `untrusted`, `invalid` or `none`.
    public var state: State
    /// Whether the manifest says a generative model made the picture.
    public var aiGenerated: Bool
    /// The verification report, as JSON (the facade's `CredentialsReport`).
    public var reportJSON: String

    /// A verdict as the `image.credentials` column stores it.
    public enum State: String, Sendable, CaseIterable, Codable {
        /// Valid, and the signer is on a trust list (the library's own authority counts).
        case valid
        /// Valid, but the signer is on no trust list.
        case untrusted
        /// A manifest is there but does not verify (hash mismatch, bad signature, malformed).
        case invalid
        /// No manifest.
        case none
    }

    /// A value with every field given.
    public init(state: State, aiGenerated: Bool, reportJSON: String) {
        self.state = state
        self.aiGenerated = aiGenerated
        self.reportJSON = reportJSON
    }
}

extension ImageRecord {
    /// Records what the credentials of the picture `hash` say (replacing an earlier reading).
    public static func recordCredentials(_ credentials: StoredCredentials, forImage hash: String, _ db: Database) throws {
        try db.cachedStatement(sql: """
            UPDATE image SET credentials = ?, credentials_ai = ?, credentials_report = ? WHERE hash = ?
            """).execute(arguments: [credentials.state.rawValue, credentials.aiGenerated, credentials.reportJSON, hash])
    }

    /// The pictures whose credentials verified (valid or untrusted), as hash and file path: those a change of trusted
    /// signers may change the verdict of.
    public static func signedPictures(_ db: Database) throws -> [(hash: String, path: String)] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT hash, path FROM image WHERE credentials IN ('valid', 'untrusted')"))
            .map { ($0["hash"], $0["path"]) }
    }

    /// What the credentials of the picture `hash` said, if they were read.
    public static func credentials(forImage hash: String, _ db: Database) throws -> StoredCredentials? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: """
            SELECT credentials, credentials_ai, credentials_report FROM image WHERE hash = ? AND credentials IS NOT NULL
            """), arguments: [hash]),
            let state = StoredCredentials.State(rawValue: row[0]) else { return nil }
        return StoredCredentials(state: state, aiGenerated: row[1] ?? false, reportJSON: row[2] ?? "{}")
    }
}

extension LibraryDatabase {
    /// The pictures whose credentials verified (valid or untrusted), as hash and file path.
    public func signedPictures() async throws -> [(hash: String, path: String)] {
        try await read { db in try ImageRecord.signedPictures(db) }
    }

    /// Records what the credentials of the picture `hash` say.
    public func recordCredentials(_ credentials: StoredCredentials, forImage hash: String) async throws {
        try await write { db in try ImageRecord.recordCredentials(credentials, forImage: hash, db) }
    }

    /// What the credentials of the picture `hash` said when last read.
    public func credentials(forImage hash: String) async throws -> StoredCredentials? {
        try await read { db in try ImageRecord.credentials(forImage: hash, db) }
    }
}
