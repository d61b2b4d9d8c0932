import DarkroomStore
import Foundation
import GRDB

/// The kinds of synced entities, named as in the change log (`Schema/migrations/0006_sync.sql`).
public enum SyncEntity: String, Sendable, CaseIterable, Codable {
    /// A generation (key: its id). Fields: `*` (the whole row), `favorite`, `rating`, `trashed_at`, `-`.
    case generation
    /// An album (key: its id). Fields: `*`, `name`, `-`.
    case album
    /// Album membership (key: `album id/generation id`). Field: `present`.
    case albumItem = "album_item"
    /// A tag on a generation (key: `generation id/tag name in lower case`). Field: `present`.
    case tagItem = "tag_item"
    /// A synced setting (key: the setting key). Field: `value` (absent: unset).
    case setting
    /// A safety flag (key: its id). Fields: `*`, `cleared`.
    case flag
    /// A device's name (key: the device id). Field: `name`.
    case device
}

/// A hybrid-logical-clock reading as the change log stores it: milliseconds since 1970
/// times 65,536 plus a counter. Ordered; ties between devices are broken by device id.
public struct SyncClock: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The packed value.
    public let rawValue: Int64
    /// Wraps a packed value.
    public init(rawValue: Int64) { self.rawValue = rawValue }
    /// A reading from milliseconds and a counter.
    public init(physicalMs: UInt64, counter: UInt32) { rawValue = Int64(physicalMs) << 16 | Int64(counter & 0xFFFF) }
    /// Milliseconds since 1970.
    public var physicalMs: UInt64 { UInt64(rawValue >> 16) }
    /// The logical counter within the millisecond.
    public var counter: UInt32 { UInt32(rawValue & 0xFFFF) }
    /// Orders readings.
    public static func < (a: SyncClock, b: SyncClock) -> Bool { a.rawValue < b.rawValue }
    /// `ms.counter`.
    public var description: String { "\(physicalMs).\(counter)" }
}

/// One change of one field of one synced entity, with the value it set: what an envelope
/// carries. Values are columns by name (`*` records carry the whole row).
public struct SyncChange: Sendable, Equatable {
    /// The entity kind.
    public var entity: SyncEntity
    /// The entity's key.
    public var key: String
    /// The field: `*` (created, with every value), `-` (deleted for good), or a field name.
    public var field: String
    /// When the change was made.
    public var clock: SyncClock
    /// The device that made it.
    public var device: String
    /// The values written, by column name.
    public var values: [String: DatabaseValue]

    /// A change record.
    public init(entity: SyncEntity, key: String, field: String, clock: SyncClock, device: String, values: [String: DatabaseValue] = [:]) {
        self.entity = entity
        self.key = key
        self.field = field
        self.clock = clock
        self.device = device
        self.values = values
    }

    /// Whether this change wins over one made at `other` (last writer wins: clock, then device id).
    public func wins(over other: (clock: SyncClock, device: String)) -> Bool {
        (clock, device) > (other.clock, other.device)
    }
}
