import Foundation
import GRDB

/// The identity of a library copy: which library it is and which device holds it.
///
/// There is exactly one row. `libraryID` is shared by every device's copy once
/// sync pairs them; `deviceID` names this copy's device and is recorded on every
/// generation it runs.
public struct LibraryInfo: SnakeCaseRecord, Sendable, Equatable {
    public static let databaseTableName = "library_info"

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
    /// A new random id: a version-4 UUID, lowercase.
    ///
    /// The bytes come from `SystemRandomNumberGenerator` (the `getrandom` system call): Foundation's `UUID()`
    /// opened `/dev/urandom` for every id on Linux, a measurable share of bulk inserts.
    public static func make() -> String {
        var raw: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var generator = SystemRandomNumberGenerator()
        withUnsafeMutableBytes(of: &raw) { bytes in
            bytes.storeBytes(of: generator.next() as UInt64, toByteOffset: 0, as: UInt64.self)
            bytes.storeBytes(of: generator.next() as UInt64, toByteOffset: 8, as: UInt64.self)
        }
        raw.6 = (raw.6 & 0x0F) | 0x40   // version 4
        raw.8 = (raw.8 & 0x3F) | 0x80   // RFC 4122 variant
        return UUID(uuid: raw).uuidString.lowercased()
    }
}
