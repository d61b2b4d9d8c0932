import Foundation
import GRDB

/// Counts and sizes of a library (`Library.statistics()`).
public struct LibraryStatistics: Sendable, Equatable, Codable {
    /// Live generations (not trashed), all statuses, imports included.
    public var generations = 0
    /// Live generations by status.
    public var generationsByStatus: [String: Int] = [:]
    /// Live generations by source: `generate` or `import`.
    public var generationsBySource: [String: Int] = [:]
    /// Live generations an active safety flag hides from the gallery.
    public var hiddenBySafetyPolicy = 0
    /// Live generated (not imported) generations by model.
    public var generationsByModel: [String: Int] = [:]
    /// Generations in the trash.
    public var trashed = 0
    /// Live favourites.
    public var favorites = 0
    /// Distinct pictures.
    public var images = 0
    /// Bytes of all pictures.
    public var imageBytes = 0
    /// Distinct prompts.
    public var prompts = 0
    /// Albums.
    public var albums = 0
    /// Tags.
    public var tags = 0

    /// Reads the statistics in one read transaction.
    static func fetch(_ db: Database) throws -> LibraryStatistics {
        var stats = LibraryStatistics()
        for row in try Row.fetchAll(db, sql: "SELECT status, count(*) FROM generation WHERE trashed_at IS NULL GROUP BY status") {
            stats.generationsByStatus[row[0]] = row[1]
        }
        stats.generations = stats.generationsByStatus.values.reduce(0, +)
        for row in try Row.fetchAll(db, sql: "SELECT source, count(*) FROM generation WHERE trashed_at IS NULL GROUP BY source") {
            stats.generationsBySource[row[0]] = row[1]
        }
        stats.hiddenBySafetyPolicy = try GalleryQuery().fetchHiddenCount(db)
        stats.trashed = try Int.fetchOne(db, sql: "SELECT count(*) FROM generation WHERE trashed_at IS NOT NULL") ?? 0
        stats.favorites = try Int.fetchOne(db, sql: "SELECT count(*) FROM generation WHERE favorite = 1 AND trashed_at IS NULL") ?? 0
        stats.images = try Int.fetchOne(db, sql: "SELECT count(*) FROM image") ?? 0
        stats.imageBytes = try Int.fetchOne(db, sql: "SELECT coalesce(sum(byte_size), 0) FROM image") ?? 0
        stats.prompts = try Int.fetchOne(db, sql: "SELECT count(*) FROM prompt") ?? 0
        stats.albums = try Int.fetchOne(db, sql: "SELECT count(*) FROM album") ?? 0
        stats.tags = try Int.fetchOne(db, sql: "SELECT count(*) FROM tag") ?? 0
        for row in try Row.fetchAll(db, sql: """
            SELECT coalesce(model_id, '(unknown)'), count(*) FROM generation WHERE trashed_at IS NULL
            AND source = 'generate' GROUP BY 1 ORDER BY 2 DESC
            """) {
            stats.generationsByModel[row[0]] = row[1]
        }
        return stats
    }
}

extension LibraryDatabase {
    /// Counts and sizes of what the library holds.
    public func statistics() async throws -> LibraryStatistics {
        try await read { db in try LibraryStatistics.fetch(db) }
    }
}
