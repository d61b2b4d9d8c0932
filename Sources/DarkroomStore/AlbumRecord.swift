import Foundation
import GRDB

/// The table of a ``NamedRecord``: albums or tags, which have the same columns.
public protocol NamedTable: Sendable {
    /// The table's name.
    static var tableName: String { get }
}

/// The `album` table. A named collection of generations; a generation may be in many albums.
public enum AlbumTable: NamedTable { public static let tableName = "album" }
/// The `tag` table. A label; a generation may carry many tags.
public enum TagTable: NamedTable { public static let tableName = "tag" }

/// A row of a table of named things (albums, tags): a stable id and a unique name.
public struct NamedRecord<Table: NamedTable>: SnakeCaseRecord, Sendable, Equatable, Identifiable {
    public static var databaseTableName: String { Table.tableName }

    /// A row with every column given.
    public init(id: RecordID<Self>, name: String, createdAt: Date, modifiedAt: Date) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
        self.modifiedAt = modifiedAt
    }
    /// Stable random id.
    public var id: RecordID<Self>
    /// Unique name (case-insensitive).
    public var name: String
    /// Row creation time.
    public var createdAt: Date
    /// Last change time.
    public var modifiedAt: Date
}

/// An album row.
public typealias AlbumRecord = NamedRecord<AlbumTable>
/// A tag row.
public typealias TagRecord = NamedRecord<TagTable>

/// Membership of a generation in an album.
public struct AlbumItemRecord: SnakeCaseRecord, Sendable, Equatable {
    public static let databaseTableName = "album_item"

    /// A row with every column given.
    public init(albumID: AlbumID, generationID: GenerationID, createdAt: Date) {
        self.albumID = albumID
        self.generationID = generationID
        self.createdAt = createdAt
    }
    /// The album.
    public var albumID: AlbumID
    /// The member generation.
    public var generationID: GenerationID
    /// When it was added.
    public var createdAt: Date
    enum CodingKeys: String, CodingKey { case albumID = "albumId", generationID = "generationId", createdAt }
}

/// A tag on a generation.
public struct GenerationTagRecord: SnakeCaseRecord, Sendable, Equatable {
    public static let databaseTableName = "generation_tag"

    /// A row with every column given.
    public init(generationID: GenerationID, tagID: TagID, createdAt: Date) {
        self.generationID = generationID
        self.tagID = tagID
        self.createdAt = createdAt
    }
    /// The tagged generation.
    public var generationID: GenerationID
    /// The tag.
    public var tagID: TagID
    /// When it was tagged.
    public var createdAt: Date
    enum CodingKeys: String, CodingKey { case generationID = "generationId", tagID = "tagId", createdAt }
}

/// A setting: a JSON value under a key, synced across devices or local to this one.
public struct SettingRecord: SnakeCaseRecord, Sendable, Equatable {
    public static let databaseTableName = "setting"
    /// Where a setting applies.
    public enum Scope: String, Codable, Sendable, CaseIterable { case synced, device }
    /// Setting name (`generate.steps`, …).
    public var key: String
    /// Synced to every device, or local to this device (overrides synced).
    public var scope: Scope
    /// The value as JSON text.
    public var value: String
    /// Row creation time.
    public var createdAt: Date
    /// Last change time.
    public var modifiedAt: Date
}
