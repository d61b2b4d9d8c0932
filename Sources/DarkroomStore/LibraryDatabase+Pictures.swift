import Foundation
import GRDB

/// What is committed together with a stored picture, in the same transaction
/// (``LibraryDatabase/commitPicture(_:pixelHash:credentials:with:)``).
public enum PictureCommit: Sendable {
    /// The picture alone: one that arrived by sync, or a duplicate's missing file.
    case pictureOnly
    /// A finished job: its row (succeeded; the store names the picture in it) replaces the running one,
    /// with the safety flags its picture raised.
    case finishedJob(GenerationRecord, flags: [SafetyFlagRecord])
    /// An imported picture: the row (the store names the picture in it) is inserted with its prompt's use
    /// and its flags, unless a generation already shows the picture.
    case imported(GenerationRecord, flags: [SafetyFlagRecord])
}

/// What ``LibraryDatabase/commitPicture(_:pixelHash:credentials:with:)`` committed.
public enum PictureCommitOutcome: Sendable {
    /// The picture (and nothing else) is stored.
    case stored
    /// The finished job, as the gallery shows it.
    case finished(GalleryItem)
    /// The imported generation's id.
    case imported(id: GenerationID)
    /// Nothing inserted: the generation `id` already shows the picture.
    case alreadyShown(id: GenerationID)
}

// Pictures and their rows: the SQL behind storing a picture, finding one by its pixels, and the
// open-time check of which files rows reference.
extension LibraryDatabase {
    /// Commits the image row `image` (when no row has its hash yet; an existing row without a thumbnail
    /// gets `image`'s), its pixel hash and credentials (nil keeps what is recorded), and `commit`, in one transaction.
    public func commitPicture(_ image: ImageRecord, pixelHash: String, credentials: StoredCredentials?,
                              with commit: PictureCommit) async throws -> PictureCommitOutcome {
        try await write { db in
            if let existing = try ImageRecord.find(hash: image.hash, db) {
                if existing.thumbnailPath == nil {
                    try db.execute(sql: "UPDATE image SET thumbnail_path = ? WHERE hash = ?", arguments: [image.thumbnailPath, image.hash])
                }
            } else {
                try image.insert(db)
            }
            try ImageRecord.recordPixelHash(pixelHash, forImage: image.hash, db)
            if let credentials { try ImageRecord.recordCredentials(credentials, forImage: image.hash, db) }
            switch commit {
            case .pictureOnly:
                return .stored
            case .finishedJob(var row, let flags):
                row.imageHash = image.hash
                try row.update(db)
                for flag in flags { try flag.insert(db) }
                return .finished(try GalleryItem.load([row], db)[0])
            case .imported(var row, let flags):
                row.imageHash = image.hash
                if let existing = try GenerationRecord.showing(imageHash: image.hash, db) { return .alreadyShown(id: existing) }
                if !row.prompt.isEmpty || !row.negativePrompt.isEmpty {
                    row.promptID = try PromptRecord.recordUse(text: row.prompt, negativeText: row.negativePrompt, at: row.createdAt, db)
                }
                try row.insert(db)
                for flag in flags { try flag.insert(db) }
                return .imported(id: row.id)
            }
        }
    }

    /// The oldest generation showing the picture with this content hash, if any.
    public func generation(showingImage hash: String) async throws -> GenerationID? {
        try await read { db in try GenerationRecord.showing(imageHash: hash, db) }
    }

    /// The oldest generation whose picture has this pixel hash, if any.
    public func generation(showingPixelHash hash: String) async throws -> GenerationID? {
        try await read { db in
            try GenerationID.fetchOne(db, sql: """
                SELECT g.id FROM image i JOIN generation g ON g.image_hash = i.hash
                WHERE i.pixel_hash = ? ORDER BY g.created_at LIMIT 1
                """, arguments: [hash])
        }
    }

    /// Records the pixel hash of the stored picture `imageHash` (when not known yet).
    public func recordPixelHash(_ hash: String, forImage imageHash: String) async throws {
        try await write { db in try ImageRecord.recordPixelHash(hash, forImage: imageHash, db) }
    }

    /// Those of `paths` (picture or thumbnail paths) that an image row names.
    public func referencedPaths(among paths: [String]) throws -> Set<String> {
        guard !paths.isEmpty else { return [] }
        return try read { db in
            let marks = databaseQuestionMarks(count: paths.count)
            return Set(try String.fetchAll(db, sql: """
                SELECT path FROM image WHERE path IN (\(marks))
                UNION SELECT thumbnail_path FROM image WHERE thumbnail_path IN (\(marks))
                """, arguments: StatementArguments(typed: paths + paths)))
        }
    }

    /// Every image row and the hashes of pictures still to download (lazy sync): what a repair checks.
    public func imagesAndPendingPictures() async throws -> (images: [ImageRecord], pending: Set<String>) {
        try await read { db in
            (try ImageRecord.fetchAll(db), try SyncCapture.pendingPictureHashes(db))
        }
    }
}

extension GenerationRecord {
    /// The oldest generation showing the picture `imageHash`.
    static func showing(imageHash: String, _ db: Database) throws -> GenerationID? {
        try GenerationID.fetchOne(db, sql: "SELECT id FROM generation WHERE image_hash = ? ORDER BY created_at LIMIT 1", arguments: [imageHash])
    }
}
