import GRDB

/// The id of a row of `Record`'s table: a string (a UUID for generations, albums and tags) that
/// the type system keeps apart from other strings and from other tables' ids, so a tag's id cannot
/// be passed where a generation's is expected. `GenerationID`, `AlbumID` and `TagID` name them.
///
/// It stores and encodes as its bare string (a database column, a JSON string), so records and
/// files keep their shape.
public struct RecordID<Record>: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The id as stored.
    public let rawValue: String

    /// An id from its stored form.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// An id from its stored form.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    /// The first `maxLength` characters: the short form lists and messages show (8 characters).
    public func prefix(_ maxLength: Int) -> Substring { rawValue.prefix(maxLength) }

    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

extension RecordID: DatabaseValueConvertible, StatementColumnConvertible {}

extension RecordID: ExpressibleByStringLiteral {
    /// An id written out in code (tests, previews); a `String` variable still needs ``init(_:)``.
    public init(stringLiteral value: String) { self.rawValue = value }
}

/// The id of a generation (a gallery item, a queued job).
public typealias GenerationID = RecordID<GenerationRecord>
/// The id of an album.
public typealias AlbumID = RecordID<AlbumRecord>
/// The id of a tag.
public typealias TagID = RecordID<TagRecord>
/// The id of a prompt of the prompt history.
public typealias PromptID = RecordID<PromptRecord>
