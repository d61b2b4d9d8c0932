import Foundation
import GRDB

/// One entry of the gallery: a generation with its picture, tags and albums.
public struct GalleryItem: Sendable, Equatable, Identifiable {
    /// The generation row.
    public var generation: GenerationRecord
    /// Its picture, when it has one.
    public var image: ImageRecord?
    /// Tag names, sorted.
    public var tags: [String]
    /// Album names, sorted.
    public var albums: [String]
    /// Names of the detectors whose safety flags are active on it (empty when not flagged).
    public var flaggedBy: [String] = []

    /// True when an active safety flag hides it.
    public var isFlagged: Bool { !flaggedBy.isEmpty }

    /// The generation's id.
    public var id: GenerationID { generation.id }

    /// Loads tags, albums and images for `generations` in three queries, keeping their order.
    public static func load(_ generations: [GenerationRecord], _ db: Database) throws -> [GalleryItem] {
        guard !generations.isEmpty else { return [] }
        let ids = generations.map(\.id)
        var tags: [String: [String]] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: """
            SELECT gt.generation_id, t.name FROM generation_tag gt JOIN tag t ON t.id = gt.tag_id
            WHERE gt.generation_id IN (\(databaseQuestionMarks(count: ids.count))) ORDER BY t.name
            """), arguments: StatementArguments(typed: ids)) {
            tags[row[0], default: []].append(row[1])
        }
        var albums: [String: [String]] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: """
            SELECT ai.generation_id, a.name FROM album_item ai JOIN album a ON a.id = ai.album_id
            WHERE ai.generation_id IN (\(databaseQuestionMarks(count: ids.count))) ORDER BY a.name
            """), arguments: StatementArguments(typed: ids)) {
            albums[row[0], default: []].append(row[1])
        }
        var flags: [String: [String]] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: """
            SELECT generation_id, detector FROM safety_flag
            WHERE cleared_at IS NULL AND generation_id IN (\(databaseQuestionMarks(count: ids.count))) ORDER BY detector
            """), arguments: StatementArguments(typed: ids)) {
            flags[row[0], default: []].append(row[1])
        }
        let hashes = Array(Set(generations.compactMap(\.imageHash)))
        var images: [String: ImageRecord] = [:]
        if !hashes.isEmpty {
            let statement = try db.cachedStatement(sql: "SELECT * FROM image WHERE hash IN (\(databaseQuestionMarks(count: hashes.count)))")
            for row in try Row.fetchAll(statement, arguments: StatementArguments(typed: hashes)) {
                let image = try ImageRecord(row: row)
                images[image.hash] = image
            }
        }
        return generations.map { g in
            GalleryItem(generation: g, image: g.imageHash.flatMap { images[$0] },
                        tags: tags[g.id.rawValue] ?? [], albums: albums[g.id.rawValue] ?? [], flaggedBy: flags[g.id.rawValue] ?? [])
        }
    }
}
