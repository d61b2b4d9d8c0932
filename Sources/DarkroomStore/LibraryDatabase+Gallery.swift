import Foundation
import GRDB

/// A tag and how many live generations carry it (``LibraryDatabase/tagUsage()``).
public struct TagUsage: Sendable, Equatable, Codable {
    /// The tag's name.
    public var name: String
    /// Live (not trashed) generations carrying it.
    public var count: Int
}

/// An album and its number of live members (``LibraryDatabase/albumSummaries()``).
public struct AlbumSummary: Sendable, Equatable {
    /// The album row.
    public var album: AlbumRecord
    /// Live (not trashed) generations in it.
    public var count: Int
}

// The gallery's reads and its per-item edits (favourites, ratings, tags, albums): the SQL behind
// `Library`'s gallery functions. Edits resolve id prefixes and change every item in one transaction,
// and return the full ids they touched.
extension LibraryDatabase {
    // MARK: - Reading

    /// The items of a page, newest first.
    public func items(_ query: GalleryQuery) async throws -> [GalleryItem] {
        try await read { db in try query.fetchItems(db) }
    }

    /// How many generations match `query`'s filters.
    public func count(_ query: GalleryQuery) async throws -> Int {
        try await read { db in try query.fetchCount(db) }
    }

    /// How many generations `query` would show but an active safety flag hides.
    public func hiddenCount(_ query: GalleryQuery) async throws -> Int {
        try await read { db in try query.fetchHiddenCount(db) }
    }

    /// The item with id `id` (live or trashed).
    public func item(_ id: GenerationID) async throws -> GalleryItem {
        try await read { db in try GalleryItem.load([GenerationRecord.existing(id, db)], db)[0] }
    }

    /// The gallery items of rows already read (tags, albums, flags and picture state attached).
    public func items(of rows: [GenerationRecord]) async throws -> [GalleryItem] {
        try await read { db in try GalleryItem.load(rows, db) }
    }

    /// Full generation ids for id prefixes, failing on the first unknown or ambiguous one.
    public func resolveGenerationIDs(_ prefixes: [String]) async throws -> [GenerationID] {
        try await read { db in try prefixes.map { try IDPrefix.generation($0, db) } }
    }

    /// The full prompt id that an id prefix names, failing when it is unknown or ambiguous.
    public func resolvePromptID(_ prefix: String) async throws -> PromptID {
        try await read { db in try IDPrefix.prompt(prefix, db) }
    }

    /// The ancestors of a generation, nearest first, at most 1,000.
    public func ancestors(of id: GenerationID) async throws -> [GenerationRecord] {
        try await read { db in
            var chain: [GenerationRecord] = []
            var next = try GenerationRecord.fetchOne(db, key: id)?.parentID
            while let parent = next, chain.count < 1000, let record = try GenerationRecord.fetchOne(db, key: parent) {
                chain.append(record)
                next = record.parentID
            }
            return chain
        }
    }

    /// The direct children of a generation, oldest first.
    public func children(of id: GenerationID) async throws -> [GenerationRecord] {
        try await read { db in
            try GenerationRecord.filter(GenerationRecord.Columns.parentID == id).order(GenerationRecord.Columns.createdAt).fetchAll(db)
        }
    }

    // MARK: - Favourites and ratings

    /// Sets or clears the favourite mark.
    public func setFavorite(_ ids: [GenerationID], _ favorite: Bool) async throws -> [GenerationID] {
        try await updateEach(ids) { db, id, now in
            try db.execute(sql: "UPDATE generation SET favorite = ?, modified_at = ? WHERE id = ? AND favorite IS NOT ?",
                           arguments: [favorite, now, id, favorite])
        }
    }

    /// Sets the rating (0 clears it).
    public func setRating(_ ids: [GenerationID], _ rating: Int) async throws -> [GenerationID] {
        try await updateEach(ids) { db, id, now in
            try db.execute(sql: "UPDATE generation SET rating = ?, modified_at = ? WHERE id = ? AND rating IS NOT ?",
                           arguments: [rating, now, id, rating])
        }
    }

    /// Applies `change` to each generation, all in one transaction; an id no generation has fails the whole change.
    func updateEach(_ ids: [GenerationID],
                    _ change: @escaping @Sendable (Database, GenerationID, Date) throws -> Void) async throws -> [GenerationID] {
        try await write { db in
            for id in ids { _ = try GenerationRecord.existing(id, db) }
            let now = Date()
            for id in ids { try change(db, id, now) }
            return ids
        }
    }

    // MARK: - Tags

    /// Adds tags (made on first use) to generations.
    public func addTags(_ names: [String], to ids: [GenerationID]) async throws -> [GenerationID] {
        try await updateEach(ids) { db, id, now in
            for name in names {
                let tag = try TagRecord.named(name, db) ?? TagRecord.inserted(name: name, now: now, db)
                try db.execute(sql: "INSERT OR IGNORE INTO generation_tag (generation_id, tag_id, created_at) VALUES (?, ?, ?)",
                               arguments: [id, tag.id, now])
                if db.changesCount > 0 { try GenerationRecord.touch(id, now, db) }
            }
        }
    }

    /// Removes tags from generations; a tag no generation carries any more is deleted.
    public func removeTags(_ names: [String], from ids: [GenerationID]) async throws -> [GenerationID] {
        try await updateEach(ids) { db, id, now in
            for name in names {
                guard let tag = try TagRecord.named(name, db) else { throw StoreError.notFound(kind: "tag", id: name) }
                try db.execute(sql: "DELETE FROM generation_tag WHERE generation_id = ? AND tag_id = ?", arguments: [id, tag.id])
                if db.changesCount > 0 { try GenerationRecord.touch(id, now, db) }
                try db.execute(sql: "DELETE FROM tag WHERE id = ? AND NOT EXISTS (SELECT 1 FROM generation_tag WHERE tag_id = ?)",
                               arguments: [tag.id, tag.id])
            }
        }
    }

    /// Every tag with its number of live generations, by name.
    public func tagUsage() async throws -> [TagUsage] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT t.name, count(g.id) FROM tag t LEFT JOIN generation_tag gt ON gt.tag_id = t.id
                LEFT JOIN generation g ON g.id = gt.generation_id AND g.trashed_at IS NULL
                GROUP BY t.id ORDER BY t.name
                """).map { TagUsage(name: $0[0], count: $0[1]) }
        }
    }

    // MARK: - Albums

    /// Every album with its number of live members, by name.
    public func albumSummaries() async throws -> [AlbumSummary] {
        try await read { db in
            try Row.fetchAll(db, sql: """
                SELECT a.*, count(g.id) AS member_count FROM album a LEFT JOIN album_item ai ON ai.album_id = a.id
                LEFT JOIN generation g ON g.id = ai.generation_id AND g.trashed_at IS NULL
                GROUP BY a.id ORDER BY a.name
                """).map { AlbumSummary(album: try AlbumRecord(row: $0), count: $0["member_count"]) }
        }
    }

    /// Makes an album; a name already used (in any case) is refused.
    public func createAlbum(_ name: String) async throws -> AlbumRecord {
        try await write { db in
            if try AlbumRecord.named(name, db) != nil { throw StoreError.duplicateName(kind: "album", name: name) }
            return try AlbumRecord.inserted(name: name, now: Date(), db)
        }
    }

    /// The album named `name` (compared without case), if there is one.
    public func album(named name: String) async throws -> AlbumRecord? {
        try await read { db in try AlbumRecord.named(name, db) }
    }

    /// The album named `name`; with `creating`, a new one when there is none (looked up and made in one
    /// transaction). Without it, a missing album is ``StoreError/notFound(kind:id:)``.
    public func album(named name: String, creating: Bool) async throws -> AlbumRecord {
        guard creating else {
            guard let album = try await album(named: name) else { throw StoreError.notFound(kind: "album", id: name) }
            return album
        }
        return try await write { db in
            try AlbumRecord.named(name, db) ?? AlbumRecord.inserted(name: name, now: Date(), db)
        }
    }

    /// Renames an album.
    public func renameAlbum(_ id: AlbumID, to newName: String) async throws {
        try await write { db in
            var album = try AlbumRecord.existing(id, db)
            if let other = try AlbumRecord.named(newName, db), other.id != album.id {
                throw StoreError.duplicateName(kind: "album", name: newName)
            }
            album.name = newName
            album.modifiedAt = Date()
            try album.update(db)
        }
    }

    /// Deletes an album (its generations stay).
    public func deleteAlbum(_ id: AlbumID) async throws {
        try await write { db in
            _ = try AlbumRecord.existing(id, db).delete(db)
        }
    }

    /// Adds generations to an album.
    public func addToAlbum(_ album: AlbumID, _ ids: [GenerationID]) async throws -> [GenerationID] {
        try await updateEach(ids) { db, id, now in
            _ = try AlbumRecord.existing(album, db)
            try db.execute(sql: "INSERT OR IGNORE INTO album_item (album_id, generation_id, created_at) VALUES (?, ?, ?)",
                           arguments: [album, id, now])
        }
    }

    /// Removes generations from an album.
    public func removeFromAlbum(_ album: AlbumID, _ ids: [GenerationID]) async throws -> [GenerationID] {
        try await updateEach(ids) { db, id, _ in
            _ = try AlbumRecord.existing(album, db)
            try db.execute(sql: "DELETE FROM album_item WHERE album_id = ? AND generation_id = ?", arguments: [album, id])
        }
    }
}

extension NamedRecord {
    /// The row named `name`, compared without case.
    static func named(_ name: String, _ db: Database) throws -> NamedRecord? {
        try filter(sql: "name = ? COLLATE NOCASE", arguments: [name]).fetchOne(db)
    }

    /// The row `id`, or ``StoreError/notFound(kind:id:)``.
    static func existing(_ id: RecordID<Self>, _ db: Database) throws -> NamedRecord {
        guard let row = try fetchOne(db, key: id.rawValue) else { throw StoreError.notFound(kind: String(Table.tableName), id: id.rawValue) }
        return row
    }

    /// A new row named `name`, inserted.
    static func inserted(name: String, now: Date, _ db: Database) throws -> NamedRecord {
        let record = NamedRecord(id: RecordID(StableID.make()), name: name, createdAt: now, modifiedAt: now)
        try record.insert(db)
        return record
    }
}

extension GenerationRecord {
    /// The generation `id`, or ``StoreError/notFound(kind:id:)``.
    static func existing(_ id: GenerationID, _ db: Database) throws -> GenerationRecord {
        guard let row = try find(id: id, db) else { throw StoreError.notFound(kind: "generation", id: id.rawValue) }
        return row
    }

    /// Records that a generation changed. Only real changes call it: a no-op edit leaves `modified_at`,
    /// so every synced copy agrees on it.
    static func touch(_ id: GenerationID, _ now: Date, _ db: Database) throws {
        try db.execute(sql: "UPDATE generation SET modified_at = ? WHERE id = ?", arguments: [now, id])
    }
}
