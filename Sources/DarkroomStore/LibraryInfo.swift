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
        var generator = SystemRandomNumberGenerator()
        var high = generator.next() as UInt64, low = generator.next() as UInt64
        high = (high & ~0xF000) | 0x4000                              // version 4 (bits 12-15 of the third group)
        low = (low & ~(0xC000 << 48)) | (0x8000 << 48)                // RFC 4122 variant
        // Formatted straight into 36 bytes (Foundation's `uuidString` goes through `printf` and a
        // second string for `lowercased()`).
        return String(unsafeUninitializedCapacity: 36) { out in
            let digits: StaticString = "0123456789abcdef"
            var position = 0
            func put(_ word: UInt64, nibbles: ClosedRange<Int>) {
                for nibble in nibbles.reversed() {
                    if position == 8 || position == 13 || position == 18 || position == 23 { out[position] = 45; position += 1 }
                    out[position] = digits.utf8Start[Int((word >> UInt64(nibble * 4)) & 0xF)]
                    position += 1
                }
            }
            put(high, nibbles: 0...15)
            put(low, nibbles: 0...15)
            return position
        }
    }
}

extension LibraryDatabase {
    /// The library's identity row; nil only in a damaged database.
    public func libraryInfo() throws -> LibraryInfo? {
        try read { db in try LibraryInfo.fetchOne(db) }
    }
}
