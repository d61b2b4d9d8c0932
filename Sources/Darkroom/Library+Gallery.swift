import DarkroomStore
import Foundation

extension Library {
    // MARK: - Reading

    /// The gallery items of a page, newest first.
    public func items(_ query: GalleryQuery) async throws -> [GalleryItem] {
        try await database.items(query)
    }

    /// How many generations match `query`'s filters.
    public func count(_ query: GalleryQuery) async throws -> Int {
        try await database.count(query)
    }

    /// How many generations `query`'s filters would show but an active safety flag hides (0 when the query
    /// already shows flagged ones): what a view says it left out.
    public func hiddenCount(_ query: GalleryQuery) async throws -> Int {
        try await database.hiddenCount(query)
    }

    /// The item with the full id `id` (live or trashed); ``resolveIDs(_:)`` turns typed prefixes into ids.
    public func item(_ id: GenerationID) async throws -> GalleryItem {
        try await database.item(id)
    }

    /// The gallery items of rows already read (``queuedJobs()``'s, ``children(of:)``'s).
    public func items(of rows: [GenerationRecord]) async throws -> [GalleryItem] {
        try await database.items(of: rows)
    }

    /// The full generation ids that several id prefixes (git-style, as a person types them) name, failing on the first
    /// unknown or ambiguous one. Every other function takes full ids: a client that shows short ids resolves them here.
    public func resolveIDs(_ prefixes: [String]) async throws -> [GenerationID] {
        try await database.resolveGenerationIDs(prefixes)
    }

    /// The full prompt id that a prefix (as a person types it; ``prompts(search:limit:)`` lists them) names.
    public func resolvePromptID(_ prefix: String) async throws -> PromptID {
        try await database.resolvePromptID(prefix)
    }

    /// The ancestors of a generation, nearest first (parent, grandparent, …).
    public func ancestors(of id: GenerationID) async throws -> [GenerationRecord] {
        try await database.ancestors(of: id)
    }

    /// The direct children of a generation (variations and re-runs), oldest first.
    public func children(of id: GenerationID) async throws -> [GenerationRecord] {
        try await database.children(of: id)
    }

    // MARK: - Favourites and ratings
    //
    // Edits take full generation ids and change all of them in one transaction, or none (an unknown id is
    // `StoreError.notFound`); they return the ids.

    /// Marks or unmarks generations as favourites. Returns the full ids changed.
    @discardableResult
    public func setFavorite(_ ids: [GenerationID], _ favorite: Bool) async throws -> [GenerationID] {
        try await database.setFavorite(ids, favorite)
    }

    /// Sets the rating (0 clears it, 1–5 stars).
    @discardableResult
    public func rate(_ ids: [GenerationID], _ rating: Int) async throws -> [GenerationID] {
        guard (0...5).contains(rating) else {
            throw StoreError.invalidValue("A rating is a whole number from 0 (none) to 5; got \(rating).")
        }
        return try await database.setRating(ids, rating)
    }

    // MARK: - Tags

    /// Adds tags (created on first use) to generations.
    @discardableResult
    public func addTags(_ names: [String], to ids: [GenerationID]) async throws -> [GenerationID] {
        let names = try Self.validNames(names, kind: "tag")
        return try await database.addTags(names, to: ids)
    }

    /// Removes tags from generations (tags no longer used by any generation are deleted).
    @discardableResult
    public func removeTags(_ names: [String], from ids: [GenerationID]) async throws -> [GenerationID] {
        let names = try Self.validNames(names, kind: "tag")
        return try await database.removeTags(names, from: ids)
    }

    /// Every tag with the number of live generations carrying it.
    public func tags() async throws -> [TagUsage] {
        try await database.tagUsage()
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
    public func albums() async throws -> [AlbumSummary] {
        try await database.albumSummaries()
    }

    /// The album named `name` (compared without case), if there is one: how a client that lets people type
    /// album names finds the ``AlbumID`` the other album functions take.
    public func album(named name: String) async throws -> AlbumRecord? {
        try await database.album(named: name)
    }

    /// The album named `name` (without case); with `creating`, a new album when there is none. Without it, a
    /// missing album is `StoreError.notFound`. "Add to the album Trips, making it if needed" is one call:
    /// `addToAlbum(album(named: "Trips", creating: true).id, ids)`.
    public func album(named name: String, creating: Bool) async throws -> AlbumRecord {
        try await database.album(named: creating ? try Self.validNames([name], kind: "album")[0] : name, creating: creating)
    }

    /// Creates an album; a name already used (in any case) is `StoreError.duplicateName`.
    @discardableResult
    public func createAlbum(_ name: String) async throws -> AlbumRecord {
        try await database.createAlbum(try Self.validNames([name], kind: "album")[0])
    }

    /// Renames an album.
    public func renameAlbum(_ album: AlbumID, to newName: String) async throws {
        let newName = try Self.validNames([newName], kind: "album")[0]
        try await database.renameAlbum(album, to: newName)
    }

    /// Deletes an album (its generations stay in the library).
    public func deleteAlbum(_ album: AlbumID) async throws {
        try await database.deleteAlbum(album)
    }

    /// Adds generations to an album.
    @discardableResult
    public func addToAlbum(_ album: AlbumID, _ ids: [GenerationID]) async throws -> [GenerationID] {
        try await database.addToAlbum(album, ids)
    }

    /// Removes generations from an album.
    @discardableResult
    public func removeFromAlbum(_ album: AlbumID, _ ids: [GenerationID]) async throws -> [GenerationID] {
        try await database.removeFromAlbum(album, ids)
    }

    // MARK: - Trash

    /// Moves generations to the trash (kept for the `trash.retention_days` setting, 30 days by default, then purged).
    @discardableResult
    public func trash(_ ids: [GenerationID]) async throws -> [GenerationID] {
        try await database.trash(ids)
    }

    /// Brings generations back from the trash.
    @discardableResult
    public func restore(_ ids: [GenerationID]) async throws -> [GenerationID] {
        try await database.restore(ids)
    }

    /// How many generations are in the trash (all, or those trashed before `date`): what ``emptyTrash(trashedBefore:)``
    /// would delete.
    public func trashCount(trashedBefore date: Date? = nil) async throws -> Int {
        try await database.trashCount(trashedBefore: date ?? .distantFuture)
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
        let (count, unusedFiles) = try database.purgeTrash(trashedBefore: date)
        unusedFiles.forEach(files.remove)
        return count
    }

    // MARK: - Prompts

    /// Prompt history, most recently used first, optionally filtered by a substring.
    public func prompts(search: String? = nil, limit: Int = 50) async throws -> [PromptRecord] {
        try await database.prompts(search: search, limit: limit)
    }

    /// The prompt `id` and the newest generation that used it
    /// (its settings are what `prompts use` re-uses); nil generation for a prompt only imports used.
    public func promptForReuse(_ id: PromptID) async throws -> PromptReuse {
        try await database.promptForReuse(id)
    }

    // MARK: - Statistics

    /// Counts and sizes of what the library holds.
    public func statistics() async throws -> LibraryStatistics {
        try await database.statistics()
    }
}
