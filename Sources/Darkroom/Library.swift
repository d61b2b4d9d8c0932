import DarkroomCrypto
import DarkroomImaging
import DarkroomLibrarySync
import DarkroomStore
import Foundation

/// A Darkroom library: the database, the picture files and the operations a gallery app needs.
///
/// A library is a folder:
/// ```
/// LIBRARY/library.sqlite        prompts, generations, images, albums, tags, settings (WAL mode)
/// LIBRARY/images/ab/abcd….png   content-addressed pictures (SHA-256 of the bytes)
/// LIBRARY/thumbnails/…          small PNG thumbnails
/// LIBRARY/locks/                advisory locks and the pending-write journal
/// ```
/// Open one with ``open(at:create:)``. Every operation is safe to call from
/// several tasks and from several processes using the same folder.
///
/// ```swift
/// let library = try await Library.open(at: url, create: true)
/// let report = try await library.importImages(at: [pngURL])
/// let newest = try await library.items(GalleryQuery(limit: 50))
/// ```
public final class Library: Sendable {
    /// How long trashed generations are kept before they are purged automatically.
    public static let trashRetention: TimeInterval = 30 * 24 * 3600
    /// Longest side of the thumbnails made on insert.
    public static let thumbnailSide = 128

    /// The library folder.
    public let folder: URL
    /// The database: the store, which owns every SQL statement (an app works through `Library`).
    package let database: LibraryDatabase
    /// The picture files.
    public let files: ImageFileStore
    /// This library copy's identity.
    public let info: LibraryInfo
    /// What the open-time recovery found and repaired.
    public let recovery: RecoveryReport
    /// The device-local folder holding the keys that seal this library's signing keys (outside the library).
    public let keyDirectory: URL

    private init(folder: URL, database: LibraryDatabase, info: LibraryInfo, recovery: RecoveryReport, keyDirectory: URL) {
        self.folder = folder
        self.database = database
        self.files = ImageFileStore(folder: folder)
        self.info = info
        self.recovery = recovery
        self.keyDirectory = keyDirectory
    }

    /// Opens the library in `folder`, creating it when `create` is true.
    ///
    /// Opening migrates an older schema and runs a quick recovery: jobs left
    /// `running` by a process that died are marked failed, files written by a
    /// process that died before its commit are removed, and generations
    /// trashed more than 30 days ago are purged. See ``recovery``.
    ///
    /// A library whose write-ahead log lost commits is refused (``StoreError/lostCommits(path:detail:)``)
    /// unless `acceptingLostCommits` (a repair then imports the pictures back: ``doctor(restoreOrphans:)``). A library that cannot be
    /// written opens read-only (``isReadOnly``), without recovery; its writes fail with
    /// ``StoreError/readOnlyLibrary(path:)``.
    ///
    /// A new library makes its Content Credentials keys at once (``credentialsSigner()``); they are sealed
    /// under a key kept in `keyDirectory` (default: ``LibrarySync/defaultKeyDirectory()``).
    ///
    /// The work (migration, recovery, the trash purge, key creation) runs on a background task, never on
    /// the caller's thread or actor, so a view model may call this from the main actor.
    public static func open(at folder: URL, create: Bool = false, acceptingLostCommits: Bool = false,
                            keyDirectory: URL? = nil) async throws -> Library {
        try await Task.detached(priority: .userInitiated) {
            try openNow(at: folder, create: create, acceptingLostCommits: acceptingLostCommits, keyDirectory: keyDirectory)
        }.value
    }

    /// A new, empty library in a folder of its own under the temporary directory: for app previews,
    /// tests and scratch work. Its ``folder`` is the caller's to remove.
    public static func temporary(keyDirectory: URL? = nil) async throws -> Library {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-\(UUID().uuidString)")
        return try await open(at: folder, create: true,
                              keyDirectory: keyDirectory ?? folder.appendingPathComponent(".keys"))
    }

    /// ``open(at:create:acceptingLostCommits:keyDirectory:)``'s work, on the calling thread.
    static func openNow(at folder: URL, create: Bool, acceptingLostCommits: Bool, keyDirectory: URL?) throws -> Library {
        let database = try LibraryDatabase.open(folder: folder, create: create, acceptingLostCommits: acceptingLostCommits)
        guard let info = try database.libraryInfo() else {
            throw StoreError.corruptDatabase(path: database.path, detail: "the library's identity row is missing")
        }
        let files = ImageFileStore(folder: folder)
        let recovery = database.isReadOnly
            ? RecoveryReport(checkedFiles: false)
            : try RecoveryReport.run(database: database, files: files, now: Date())
        let library = Library(folder: folder, database: database, info: info, recovery: recovery,
                              keyDirectory: keyDirectory ?? LibrarySync.defaultKeyDirectory())
        if create && !database.isReadOnly { _ = try? library.credentialsKeystore.deviceIdentity() }
        return library
    }

    /// True when the library can only be read (read-only mount, another user's files).
    public var isReadOnly: Bool { database.isReadOnly }

    /// The absolute URL of a picture or thumbnail path stored in the database.
    public func url(of relativePath: String) -> URL { files.url(relativePath) }

    // MARK: - Locks

    /// The lock that orders picture-file writes against the orphan sweep.
    func filesLock() -> FileLock { Self.filesLock(in: folder) }

    /// The files lock of the library in `folder`.
    static func filesLock(in folder: URL) -> FileLock { FileLock(path: folder.appendingPathComponent("locks/files.lock").path) }

    /// The slots a process holds while it runs a job, the job's id as the note (see ``RecoveryReport``).
    var jobSlots: LockSlots { Self.jobSlots(in: folder) }

    /// The job slots of the library in `folder`.
    static func jobSlots(in folder: URL) -> LockSlots { LockSlots(directory: folder.appendingPathComponent("locks/jobs")) }

    // MARK: - Storing pictures

    /// Writes a picture (and its thumbnail) and commits its row with `commit` in one database transaction.
    ///
    /// The files are written first (atomically), then the image row and
    /// whatever `commit` writes are committed together. If the commit fails the
    /// new files are removed; if the process dies in between, the pending-write
    /// journal lets the next open remove them. Returns what the commit did.
    ///
    /// A picture no larger than a thumbnail (``thumbnailSide``) is its own thumbnail: the row's
    /// thumbnail path names the picture and no second file is written. An existing row without a
    /// thumbnail (a picture that arrived by sync before its file) gets one.
    func storePicture(png: Data, pixels: PixelImage, pixelHash knownPixelHash: String? = nil, credentials: StoredCredentials?,
                      with commit: PictureCommit) async throws -> PictureCommitOutcome {
        if isReadOnly { throw StoreError.readOnlyLibrary(path: folder.path) }
        let hash = ContentHash.sha256Hex(png)
        let imagePath = ImageFileStore.imagePath(hash: hash)
        // Thumbnail.size keeps an image already within the side: then the thumbnail would be a copy.
        let isOwnThumbnail = Thumbnail.size(width: pixels.width, height: pixels.height, maxSide: Self.thumbnailSide) == (pixels.width, pixels.height)
        let thumbPath = isOwnThumbnail ? imagePath : ImageFileStore.thumbnailPath(hash: hash)
        let lock = filesLock()
        try await lock.lock(exclusive: false)
        defer { lock.unlock() }
        var written: [String] = []
        let journal = PendingWriteJournal(folder: folder)
        var journalEntry: PendingWriteJournal.Entry?
        // Files are content-addressed, so one already on disk is this picture (committed, or left by a
        // writer that died: committing a row for it keeps it). Checking the files rather than the image
        // row also covers a row that arrived by sync before its file (lazy pictures), and saves a read.
        let needsPicture = !FileManager.default.fileExists(atPath: files.url(imagePath).path)
        let needsThumbnail = thumbPath != imagePath && !FileManager.default.fileExists(atPath: files.url(thumbPath).path)
        if needsPicture || needsThumbnail {
            journalEntry = try journal.begin(paths: (needsPicture ? [imagePath] : []) + (needsThumbnail ? [thumbPath] : []))
            do {
                if needsPicture {
                    try files.write(png, to: imagePath)
                    written.append(imagePath)
                }
                if needsThumbnail {
                    try files.write(try Self.thumbnailPNG(for: pixels), to: thumbPath, durable: false)
                    written.append(thumbPath)
                }
            } catch {
                await removeUnreferenced(written)
                journal.end(journalEntry)
                throw error
            }
        }
        let now = Date()
        let newImage = ImageRecord(hash: hash, id: StableID.make(), path: imagePath, width: pixels.width,
                                   height: pixels.height, byteSize: png.count, format: "png",
                                   thumbnailPath: thumbPath, createdAt: now, modifiedAt: now)
        do {
            let pixelHash = knownPixelHash ?? Self.pixelHash(pixels)   // every picture known by its pixels too
            let result = try await database.commitPicture(newImage, pixelHash: pixelHash, credentials: credentials, with: commit)
            journal.end(journalEntry)
            return result
        } catch {
            await removeUnreferenced(written)
            journal.end(journalEntry)
            throw error
        }
    }

    /// The thumbnail PNG made for a picture on insert.
    static func thumbnailPNG(for pixels: PixelImage) throws -> Data {
        try PNGCodec.encode(Thumbnail.make(from: pixels, maxSide: thumbnailSide))
    }

    /// Removes those of `paths` that no committed row references (another process may have committed the same picture).
    private func removeUnreferenced(_ paths: [String]) async {
        guard !paths.isEmpty else { return }
        let referenced = (try? database.referencedPaths(among: paths)) ?? Set(paths)
        for path in paths where !referenced.contains(path) { files.remove(path) }
    }
}

