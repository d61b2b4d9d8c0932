import Foundation
import GRDB

// The trash and its purge, and prompt history: the SQL behind `Library`'s trash and prompt functions.
extension LibraryDatabase {
    // MARK: - Trash

    /// Moves generations to the trash; returns the full ids.
    public func trash(_ ids: [GenerationID]) async throws -> [GenerationID] {
        try await updateEach(ids) { db, id, now in
            try db.execute(sql: "UPDATE generation SET trashed_at = ?, modified_at = ? WHERE id = ? AND trashed_at IS NULL",
                           arguments: [now, now, id])
        }
    }

    /// Brings generations back from the trash; returns the full ids.
    public func restore(_ ids: [GenerationID]) async throws -> [GenerationID] {
        try await updateEach(ids) { db, id, now in
            try db.execute(sql: "UPDATE generation SET trashed_at = NULL, modified_at = ? WHERE id = ? AND trashed_at IS NOT NULL",
                           arguments: [now, id])
        }
    }

    /// How many generations were trashed before `date`.
    public func trashCount(trashedBefore date: Date) async throws -> Int {
        try await read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM generation WHERE trashed_at IS NOT NULL AND trashed_at < ?",
                             arguments: [TimestampFormat.database(date)]) ?? 0
        }
    }

    /// Deletes the generations trashed before `date`, then the image rows and prompts nothing uses any
    /// more. Returns the count of generations and the picture files (pictures, thumbnails) to remove; the
    /// caller removes them, holding the library's exclusive files lock.
    public func purgeTrash(trashedBefore date: Date) throws -> (count: Int, unusedFiles: [String]) {
        // A read first: opening a library must not take the write lock when there is nothing to purge.
        let due = try read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM generation WHERE trashed_at IS NOT NULL AND trashed_at < ?)",
                              arguments: [TimestampFormat.database(date)]) ?? false
        }
        guard due else { return (0, []) }
        return try write { db -> (Int, [String]) in
            try db.execute(sql: "DELETE FROM generation WHERE trashed_at IS NOT NULL AND trashed_at < ?", arguments: [date])
            let count = db.changesCount
            guard count > 0 else { return (0, []) }
            let orphans = try ImageRecord.fetchAll(db, sql: "SELECT * FROM image WHERE \(ImageRecord.unusedCondition())")
            for image in orphans { try image.delete(db) }
            try db.execute(sql: "DELETE FROM prompt WHERE NOT EXISTS (SELECT 1 FROM generation g WHERE g.prompt_id = prompt.id)")
            return (count, orphans.flatMap { [$0.path] + ($0.thumbnailPath.map { [$0] } ?? []) })
        }
    }

    // MARK: - Prompts

    /// Prompt history, most recently used first, optionally only prompts containing `search`.
    public func prompts(search: String?, limit: Int) async throws -> [PromptRecord] {
        try await read { db in
            var request = PromptRecord.order(PromptRecord.Columns.lastUsedAt.desc).limit(limit)
            if let search, !search.isEmpty {
                let pattern = "%\(search.replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_"))%"
                request = request.filter(sql: "(text LIKE ? ESCAPE '\\' OR negative_text LIKE ? ESCAPE '\\')",
                                         arguments: [pattern, pattern])
            }
            return try request.fetchAll(db)
        }
    }

    /// The prompt `id` and the newest generation that used it.
    public func promptForReuse(_ id: PromptID) async throws -> PromptReuse {
        try await read { db in
            guard let prompt = try PromptRecord.fetchOne(db, key: id.rawValue) else {
                throw StoreError.notFound(kind: "prompt", id: id.rawValue)
            }
            let latest = try GenerationRecord.fetchOne(db, sql: """
                SELECT * FROM generation WHERE prompt = ? AND negative_prompt = ? AND steps IS NOT NULL
                ORDER BY created_at DESC LIMIT 1
                """, arguments: [prompt.text, prompt.negativeText])
            return PromptReuse(prompt: prompt, latest: latest)
        }
    }
}

/// A prompt and the newest generation that used it: what `prompts use` re-uses.
public struct PromptReuse: Sendable {
    /// The prompt.
    public var prompt: PromptRecord
    /// The newest generation with this prompt and settings, or nil for a prompt only imports used.
    public var latest: GenerationRecord?
}
