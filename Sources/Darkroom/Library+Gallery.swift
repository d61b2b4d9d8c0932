import DarkroomStore
import Foundation
import GRDB

extension Library {
    // MARK: - Reading

    /// The gallery items of a page, newest first.
    public func items(_ query: GalleryQuery) async throws -> [GalleryItem] {
        try await database.read { db in try query.fetchItems(db) }
    }

    /// How many generations match `query`'s filters.
    public func count(_ query: GalleryQuery) async throws -> Int {
        try await database.read { db in try query.fetchCount(db) }
    }

    /// How many generations `query`'s filters would show but an active safety flag hides (0 when the query
    /// already shows flagged ones): what a view says it left out.
    public func hiddenCount(_ query: GalleryQuery) async throws -> Int {
        try await database.read { db in try query.fetchHiddenCount(db) }
    }

    /// The item whose id starts with `idPrefix` (live or trashed).
    public func item(_ idPrefix: String) async throws -> GalleryItem {
        try await database.read { db in
            let id = try IDPrefix.generation(idPrefix, db)
            return try GalleryItem.load([GenerationRecord.fetchOne(db, key: id)!], db)[0]
        }
    }

    /// Resolves several id prefixes to full generation ids, failing on the first unknown or ambiguous one.
    public func resolveIDs(_ prefixes: [String]) async throws -> [String] {
        try await database.read { db in try prefixes.map { try IDPrefix.generation($0, db) } }
    }

    /// The ancestors of a generation, nearest first (parent, grandparent, …).
    public func ancestors(of id: String) async throws -> [GenerationRecord] {
        try await database.read { db in
            var chain: [GenerationRecord] = []
            var next = try GenerationRecord.fetchOne(db, key: id)?.parentID
            while let parent = next, chain.count < 1000, let record = try GenerationRecord.fetchOne(db, key: parent) {
                chain.append(record)
                next = record.parentID
            }
            return chain
        }
    }

    /// The direct children of a generation (variations and re-runs), oldest first.
    public func children(of id: String) async throws -> [GenerationRecord] {
        try await database.read { db in
            try GenerationRecord.filter(Column("parent_id") == id).order(Column("created_at")).fetchAll(db)
        }
    }

    // MARK: - Favourites and ratings

    /// Marks or unmarks generations as favourites. Returns the full ids changed.
    @discardableResult
    public func setFavorite(_ idPrefixes: [String], _ favorite: Bool) async throws -> [String] {
        try await updateEach(idPrefixes) { db, id, now in
            try db.execute(sql: "UPDATE generation SET favorite = ?, modified_at = ? WHERE id = ? AND favorite IS NOT ?",
                           arguments: [favorite, now, id, favorite])
        }
    }

    /// Sets the rating (0 clears it, 1–5 stars).
    @discardableResult
    public func rate(_ idPrefixes: [String], _ rating: Int) async throws -> [String] {
        guard (0...5).contains(rating) else {
            throw StoreError.invalidValue("A rating is a whole number from 0 (none) to 5; got \(rating).")
        }
        return try await updateEach(idPrefixes) { db, id, now in
            try db.execute(sql: "UPDATE generation SET rating = ?, modified_at = ? WHERE id = ? AND rating IS NOT ?",
                           arguments: [rating, now, id, rating])
        }
    }

    /// Records that a generation changed (only real changes: a no-op edit leaves `modified_at`,
    /// so every synced copy agrees on it).
    static func touch(_ id: String, _ now: Date, _ db: Database) throws {
        try db.execute(sql: "UPDATE generation SET modified_at = ? WHERE id = ?", arguments: [now, id])
    }

    /// Resolves the prefixes and applies `change` to each id, all in one transaction.
    func updateEach(_ idPrefixes: [String],
                    _ change: @escaping @Sendable (Database, String, Date) throws -> Void) async throws -> [String] {
        try await database.write { db in
            let ids = try idPrefixes.map { try IDPrefix.generation($0, db) }
            let now = Date()
            for id in ids { try change(db, id, now) }
            return ids
        }
    }

    // MARK: - Tags

    /// Adds tags (created on first use) to generations.
    @discardableResult
    public func addTags(_ names: [String], to idPrefixes: [String]) async throws -> [String] {
        let names = try Self.validNames(names, kind: "tag")
        return try await updateEach(idPrefixes) { db, id, now in
            for name in names {
                let tag = try Self.tag(named: name, create: true, now: now, db)!
                try db.execute(sql: "INSERT OR IGNORE INTO generation_tag (generation_id, tag_id, created_at) VALUES (?, ?, ?)",
                               arguments: [id, tag.id, now])
                if db.changesCount > 0 { try Self.touch(id, now, db) }
            }
        }
    }

    /// Removes tags from generations (tags no longer used by any generation are deleted).
    @discardableResult
    public func removeTags(_ names: [String], from idPrefixes: [String]) async throws -> [String] {
        let names = try Self.validNames(names, kind: "tag")
        return try await updateEach(idPrefixes) { db, id, now in
            for name in names {
                guard let tag = try Self.tag(named: name, create: false, now: now, db) else {
                    throw StoreError.notFound(kind: "tag", id: name)
                }
                try db.execute(sql: "DELETE FROM generation_tag WHERE generation_id = ? AND tag_id = ?", arguments: [id, tag.id])
                if db.changesCount > 0 { try Self.touch(id, now, db) }
                try db.execute(sql: "DELETE FROM tag WHERE id = ? AND NOT EXISTS (SELECT 1 FROM generation_tag WHERE tag_id = ?)",
                               arguments: [tag.id, tag.id])
            }
        }
    }

    /// Every tag with the number of live generations carrying it.
    public func tags() async throws -> [(name: String, count: Int)] {
        try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT t.name, count(g.id) FROM tag t LEFT JOIN generation_tag gt ON gt.tag_id = t.id
                LEFT JOIN generation g ON g.id = gt.generation_id AND g.trashed_at IS NULL
                GROUP BY t.id ORDER BY t.name
                """).map { ($0[0], $0[1]) }
        }
    }

    static func tag(named name: String, create: Bool, now: Date, _ db: Database) throws -> TagRecord? {
        if let tag = try TagRecord.filter(sql: "name = ? COLLATE NOCASE", arguments: [name]).fetchOne(db) { return tag }
        guard create else { return nil }
        let tag = TagRecord(id: StableID.make(), name: name, createdAt: now, modifiedAt: now)
        try tag.insert(db)
        return tag
    }

    static func validNames(_ names: [String], kind: String) throws -> [String] {
        let trimmed = names.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        if trimmed.isEmpty || trimmed.contains(where: \.isEmpty) {
            throw StoreError.invalidValue("A \(kind) name cannot be empty.")
        }
        return trimmed
    }

    // MARK: - Albums

    /// Every album with its number of live members, by name.
    public func albums() async throws -> [(album: AlbumRecord, count: Int)] {
        try await database.read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.*, count(g.id) AS member_count FROM album a LEFT JOIN album_item ai ON ai.album_id = a.id
                LEFT JOIN generation g ON g.id = ai.generation_id AND g.trashed_at IS NULL
                GROUP BY a.id ORDER BY a.name
                """).map { (try AlbumRecord(row: $0), $0["member_count"]) }
        }
    }

    /// Creates an album.
    @discardableResult
    public func createAlbum(_ name: String) async throws -> AlbumRecord {
        let name = try Self.validNames([name], kind: "album")[0]
        return try await database.write { db in
            if try Self.album(named: name, db) != nil { throw StoreError.duplicateName(kind: "album", name: name) }
            let now = Date()
            let album = AlbumRecord(id: StableID.make(), name: name, createdAt: now, modifiedAt: now)
            try album.insert(db)
            return album
        }
    }

    /// Renames an album.
    public func renameAlbum(_ name: String, to newName: String) async throws {
        let newName = try Self.validNames([newName], kind: "album")[0]
        try await database.write { db in
            guard var album = try Self.album(named: name, db) else { throw StoreError.notFound(kind: "album", id: name) }
            if let other = try Self.album(named: newName, db), other.id != album.id {
                throw StoreError.duplicateName(kind: "album", name: newName)
            }
            album.name = newName
            album.modifiedAt = Date()
            try album.update(db)
        }
    }

    /// Deletes an album (its generations stay in the library).
    public func deleteAlbum(_ name: String) async throws {
        try await database.write { db in
            guard let album = try Self.album(named: name, db) else { throw StoreError.notFound(kind: "album", id: name) }
            try album.delete(db)
        }
    }

    /// Adds generations to an album; with `create`, makes the album when missing.
    @discardableResult
    public func addToAlbum(_ name: String, _ idPrefixes: [String], create: Bool = false) async throws -> [String] {
        try await updateEach(idPrefixes) { db, id, now in
            var album = try Self.album(named: name, db)
            if album == nil, create {
                let name = try Self.validNames([name], kind: "album")[0]
                album = AlbumRecord(id: StableID.make(), name: name, createdAt: now, modifiedAt: now)
                try album!.insert(db)
            }
            guard let album else { throw StoreError.notFound(kind: "album", id: name) }
            try db.execute(sql: "INSERT OR IGNORE INTO album_item (album_id, generation_id, created_at) VALUES (?, ?, ?)",
                           arguments: [album.id, id, now])
        }
    }

    /// Removes generations from an album.
    @discardableResult
    public func removeFromAlbum(_ name: String, _ idPrefixes: [String]) async throws -> [String] {
        try await updateEach(idPrefixes) { db, id, _ in
            guard let album = try Self.album(named: name, db) else { throw StoreError.notFound(kind: "album", id: name) }
            try db.execute(sql: "DELETE FROM album_item WHERE album_id = ? AND generation_id = ?", arguments: [album.id, id])
        }
    }

    static func album(named name: String, _ db: Database) throws -> AlbumRecord? {
        try AlbumRecord.filter(sql: "name = ? COLLATE NOCASE", arguments: [name]).fetchOne(db)
    }

    // MARK: - Trash

    /// Moves generations to the trash (kept for the `trash.retention_days` setting, 30 days by default, then purged).
    @discardableResult
    public func trash(_ idPrefixes: [String]) async throws -> [String] {
        try await updateEach(idPrefixes) { db, id, now in
            try db.execute(sql: "UPDATE generation SET trashed_at = ?, modified_at = ? WHERE id = ? AND trashed_at IS NULL",
                           arguments: [now, now, id])
        }
    }

    /// Brings generations back from the trash.
    @discardableResult
    public func restore(_ idPrefixes: [String]) async throws -> [String] {
        try await updateEach(idPrefixes) { db, id, now in
            try db.execute(sql: "UPDATE generation SET trashed_at = NULL, modified_at = ? WHERE id = ? AND trashed_at IS NOT NULL", arguments: [now, id])
        }
    }

    /// How many generations are in the trash (all, or those trashed before `date`): what ``emptyTrash(trashedBefore:)``
    /// would delete.
    public func trashCount(trashedBefore date: Date? = nil) async throws -> Int {
        try await database.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM generation WHERE trashed_at IS NOT NULL AND trashed_at < ?",
                             arguments: [TimestampFormat.database(date ?? .distantFuture)]) ?? 0
        }
    }

    /// Deletes trashed generations (all, or those trashed before `date`) and pictures no longer used. Returns the count.
    @discardableResult
    public func emptyTrash(trashedBefore date: Date? = nil) async throws -> Int {
        let lock = filesLock()
        try await lock.lock(exclusive: true)
        defer { lock.unlock() }
        return try Self.purgeTrash(database: database, files: files, olderThan: date ?? .distantFuture)
    }

    /// Deletes generations trashed before `date`, then image rows and files nothing references any more.
    /// The caller holds the exclusive files lock.
    static func purgeTrash(database: LibraryDatabase, files: ImageFileStore, olderThan date: Date) throws -> Int {
        // A read first: opening a library must not take the write lock when there is nothing to purge.
        let due = try database.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM generation WHERE trashed_at IS NOT NULL AND trashed_at < ?)",
                              arguments: [TimestampFormat.database(date)]) ?? false
        }
        guard due else { return 0 }
        let (count, orphanPaths) = try database.write { db -> (Int, [String]) in
            try db.execute(sql: "DELETE FROM generation WHERE trashed_at IS NOT NULL AND trashed_at < ?", arguments: [date])
            let count = db.changesCount
            guard count > 0 else { return (0, []) }
            let orphans = try ImageRecord.fetchAll(db, sql: "SELECT * FROM image WHERE \(ImageRecord.unusedCondition())")
            for image in orphans { try image.delete(db) }
            try db.execute(sql: """
                DELETE FROM prompt WHERE NOT EXISTS (SELECT 1 FROM generation g WHERE g.prompt_id = prompt.id)
                """)
            return (count, orphans.flatMap { [$0.path] + ($0.thumbnailPath.map { [$0] } ?? []) })
        }
        orphanPaths.forEach(files.remove)
        return count
    }

    // MARK: - Prompts

    /// Prompt history, most recently used first, optionally filtered by a substring.
    public func prompts(search: String? = nil, limit: Int = 50) async throws -> [PromptRecord] {
        try await database.read { db in
            var request = PromptRecord.order(Column("last_used_at").desc).limit(limit)
            if let search, !search.isEmpty {
                let pattern = "%\(search.replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_"))%"
                request = request.filter(sql: "(text LIKE ? ESCAPE '\\' OR negative_text LIKE ? ESCAPE '\\')",
                                         arguments: [pattern, pattern])
            }
            return try request.fetchAll(db)
        }
    }

    /// The prompt whose id starts with `idPrefix` and the newest generation that used it
    /// (its settings are what `prompts use` re-uses); nil generation for a prompt only imports used.
    public func promptForReuse(_ idPrefix: String) async throws -> (prompt: PromptRecord, latest: GenerationRecord?) {
        try await database.read { db in
            let matches = try PromptRecord.fetchAll(db.cachedStatement(sql: "SELECT * FROM prompt WHERE id >= ? AND id < ? LIMIT 2"),
                                                   arguments: [idPrefix.lowercased(), idPrefix.lowercased() + "\u{10FFFF}"])
            guard let prompt = matches.first else { throw StoreError.notFound(kind: "prompt", id: idPrefix) }
            guard matches.count == 1 else { throw StoreError.ambiguousID(kind: "prompt", prefix: idPrefix, candidates: matches.map(\.id)) }
            let latest = try GenerationRecord.fetchOne(db, sql: """
                SELECT * FROM generation WHERE prompt = ? AND negative_prompt = ? AND steps IS NOT NULL
                ORDER BY created_at DESC LIMIT 1
                """, arguments: [prompt.text, prompt.negativeText])
            return (prompt, latest)
        }
    }

    // MARK: - Statistics

    /// Counts and sizes of what the library holds.
    public func statistics() async throws -> LibraryStatistics {
        try await database.read { db in try LibraryStatistics.fetch(db) }
    }
}

extension LibraryStatistics {
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

/// Counts and sizes of a library (`darkroom stats`).
public struct LibraryStatistics: Sendable, Equatable, Codable {
    /// Live generations (not trashed), all statuses, imports included.
    public var generations = 0
    /// Live generations by status.
    public var generationsByStatus: [String: Int] = [:]
    /// Live generations by source: `generate` or `import`.
    public var generationsBySource: [String: Int] = [:]
    /// Live generations an active safety flag hides from the gallery (`darkroom flags` lists them).
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
}
