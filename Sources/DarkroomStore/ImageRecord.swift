import Foundation
import GRDB

/// A picture file in the library, named by the SHA-256 of its bytes.
public struct ImageRecord: SnakeCaseRecord, Sendable, Equatable {
    public static let databaseTableName = "image"

    /// A row with every column given.
    public init(hash: String, id: String, path: String, width: Int, height: Int, byteSize: Int, format: String, thumbnailPath: String?, createdAt: Date, modifiedAt: Date) {
        self.hash = hash
        self.id = id
        self.path = path
        self.width = width
        self.height = height
        self.byteSize = byteSize
        self.format = format
        self.thumbnailPath = thumbnailPath
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }

    /// SHA-256 of the file bytes, lower-case hex: the key.
    public var hash: String
    /// Stable random id (for sync and references from outside).
    public var id: String
    /// Path of the file relative to the library folder (`images/ab/abcd….png`).
    public var path: String
    /// Pixel width.
    public var width: Int
    /// Pixel height.
    public var height: Int
    /// File size in bytes.
    public var byteSize: Int
    /// File format (`png`).
    public var format: String
    /// Path of the thumbnail PNG relative to the library folder, if one was made.
    public var thumbnailPath: String?
    /// Row creation time.
    public var createdAt: Date
    /// Last change time.
    public var modifiedAt: Date
}

extension ImageRecord {
    /// Decodes a row by column name directly (see ``GenerationRecord/init(row:)``).
    public init(row: Row) throws {
        hash = row["hash"]
        id = row["id"]
        path = row["path"]
        width = row["width"]
        height = row["height"]
        byteSize = row["byte_size"]
        format = row["format"]
        thumbnailPath = row["thumbnail_path"]
        let created = (row["created_at"] as String?).flatMap(TimestampFormat.parseDatabase)
        createdAt = created ?? Date(timeIntervalSince1970: 0)
        modifiedAt = (row["modified_at"] as String?).flatMap(TimestampFormat.parseDatabase) ?? createdAt
    }
}

extension ImageRecord {
    /// The row of the picture with content hash `hash`, through a statement prepared once per
    /// connection (GRDB's `fetchOne(_:key:)` prepares one per call; every stored picture asks).
    public static func find(hash: String, _ db: Database) throws -> ImageRecord? {
        try fetchOne(db.cachedStatement(sql: "SELECT * FROM image WHERE hash = ?"), arguments: [hash])
    }

    /// Records the hash of the decoded pixels of the picture `hash`, unless one is known (schema step 0009).
    public static func recordPixelHash(_ pixelHash: String, forImage hash: String, _ db: Database) throws {
        try db.cachedStatement(sql: "UPDATE image SET pixel_hash = ? WHERE hash = ? AND pixel_hash IS NULL")
            .execute(arguments: [pixelHash, hash])
    }
}
