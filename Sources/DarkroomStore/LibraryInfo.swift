import Foundation
import GRDB

/// The identity of a library copy: which library it is and which device holds it.
///
/// There is exactly one row. `libraryID` is shared by every device's copy once
/// sync pairs them; `deviceID` names this copy's device and is recorded on every
/// generation it runs.
public struct LibraryInfo: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "library_info"
    public static let databaseColumnDecodingStrategy = DatabaseColumnDecodingStrategy.convertFromSnakeCase
    public static let databaseColumnEncodingStrategy = DatabaseColumnEncodingStrategy.convertToSnakeCase

    var singleton: Int = 1
    /// The library's stable id (UUID).
    public var libraryID: String
    /// This device's id (UUID).
    public var deviceID: String
    /// When the library was created.
    public var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case singleton, libraryID = "libraryId", deviceID = "deviceId", createdAt
    }

    /// A new identity with fresh random ids.
    public static func make(now: Date = Date()) -> LibraryInfo {
        LibraryInfo(libraryID: StableID.make(), deviceID: StableID.make(), createdAt: now)
    }
}

/// Stable random ids: lower-case UUID strings, the form every table uses.
public enum StableID {
    /// A new random id.
    public static func make() -> String { UUID().uuidString.lowercased() }
}
