import Foundation

/// A note, kept beside the database (`LIBRARY/locks/log-witness`), of how many committed frames the
/// write-ahead log held when the library was last closed, so that the next open can tell a log that
/// lost commits (deleted, truncated, or damaged by a flipped byte) from one that is merely short.
///
/// SQLite restarts its log after a checkpoint has copied every frame into the database; the new log
/// has new salts, so a witness whose salts differ from the log's says nothing is missing. A log with
/// the same salts but fewer valid committed frames than the witness recorded, or no log at all when
/// the witness recorded frames, lost commits: the open refuses with ``StoreError/lostCommits(path:detail:)``
/// instead of showing a gallery with items silently gone.
///
/// The witness is written when a ``LibraryDatabase`` closes, without a flush: after a crash it may be
/// older than the log, which only makes the check weaker, never wrong. A log changed without its
/// size or modification time changing (a bit flipped by the disk itself) is not re-read: the
/// check is for logs that were deleted, cut short or rewritten, not for silent media errors.
///
/// The witness also keeps the log file's size and modification time: while they are the same, the log
/// is the one the witness describes and neither the close nor the next open reads it again.
struct LogWitness: Codable, Equatable, Sendable {
    var salt1: UInt32
    var salt2: UInt32
    var committedFrames: Int
    /// The log file's size in bytes and modification time (seconds since 1970) when recorded.
    var logSize: Int = 0
    var logModified: Double = 0

    /// The size and modification time of the file at `path`, nil when there is none.
    static func stat(_ path: String) -> (size: Int, modified: Double)? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let size = attributes[.size] as? Int, let date = attributes[.modificationDate] as? Date else { return nil }
        return (size, date.timeIntervalSince1970)
    }

    /// Whether the log file is still the one this witness describes (same size and time).
    func describesLog(at path: String) -> Bool {
        guard let now = Self.stat(path) else { return false }
        return now.size == logSize && now.modified == logModified
    }

    /// The witness stored for the library in `folder`, if any.
    static func stored(in folder: URL) -> LogWitness? {
        (try? Data(contentsOf: url(in: folder))).flatMap { try? JSONDecoder().decode(LogWitness.self, from: $0) }
    }

    /// The witness file of the library in `folder`.
    static func url(in folder: URL) -> URL { folder.appendingPathComponent("locks/log-witness") }

    /// The log file of the database at `databasePath`.
    static func logPath(_ databasePath: String) -> String { databasePath + "-wal" }

    /// Records what the log holds now (best effort: a read-only library keeps its old witness).
    ///
    /// The frames counted are those SQLite reads: up to the last commit frame whose checksums hold.
    static func record(databasePath: String, folder: URL) {
        let log = logPath(databasePath)
        let previous = stored(in: folder)
        if let previous, previous.describesLog(at: log) { return }
        let before = stat(log)
        let scan = WriteAheadLogScan.scan(path: log)
        let after = stat(log)
        guard after?.size == before?.size, after?.modified == before?.modified else { return }   // written meanwhile: the next close records it
        let witness = LogWitness(salt1: scan?.salt1 ?? 0, salt2: scan?.salt2 ?? 0, committedFrames: scan?.committedFrames ?? 0,
                                 logSize: before?.size ?? 0, logModified: before?.modified ?? 0)
        let target = url(in: folder)
        if previous == witness { return }
        guard let data = try? JSONEncoder().encode(witness) else { return }
        try? FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = target.deletingLastPathComponent().appendingPathComponent("log-witness.\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: data) else { return }
        if rename(temporary.path, target.path) != 0 { try? FileManager.default.removeItem(at: temporary) }
    }

    /// Throws ``StoreError/lostCommits(path:detail:)`` when the log lost commits the witness saw.
    ///
    /// A log that is missing, empty or short is not always a loss: another SQLite program (the
    /// `sqlite3` shell, a backup tool) checkpoints the log into the database when it closes, and
    /// then deletes or empties it. That checkpoint writes the database file, so a database file
    /// modified after the witness says its frames were copied; one untouched since says they are gone.
    static func check(databasePath: String, folder: URL) throws {
        let witnessURL = url(in: folder)
        let log = logPath(databasePath)
        guard let witness = stored(in: folder), witness.committedFrames > 0, !witness.describesLog(at: log) else { return }
        let scan = WriteAheadLogScan.scan(path: log, maxFrames: witness.committedFrames)
        if let scan {
            if scan.salt1 != witness.salt1 || scan.salt2 != witness.salt2 { return }   // started over after a full checkpoint
            if scan.committedFrames >= witness.committedFrames { return }
            // Another process may have started the log over while this one read it: then its header changed.
            let now = WriteAheadLogScan.scan(path: log, maxFrames: 0)
            if now?.salt1 != witness.salt1 || now?.salt2 != witness.salt2 { return }
        }
        if let written = stat(databasePath)?.modified, let witnessed = stat(witnessURL.path)?.modified, written > witnessed { return }
        let detail: String
        if !FileManager.default.fileExists(atPath: log) {
            detail = "the write-ahead log \(log) is missing; it held \(witness.committedFrames) committed page write(s) not yet copied into the database"
        } else if let scan {
            detail = "the write-ahead log \(log) is damaged after frame \(scan.committedFrames) of the \(witness.committedFrames) committed; the commits after it are unreadable"
        } else {
            detail = "the write-ahead log \(log) is empty or its header is damaged; it held \(witness.committedFrames) committed page write(s)"
        }
        throw StoreError.lostCommits(path: databasePath, detail: detail)
    }

    /// Accepts the log as it is: moves a damaged or short log aside (kept beside the database as
    /// `library.sqlite-wal.damaged-DATE`, for a specialist) and forgets the witness. Returns the
    /// path the log was moved to, if any.
    @discardableResult
    static func accept(databasePath: String, folder: URL, now: Date = Date()) throws -> String? {
        let log = logPath(databasePath)
        var kept: String?
        if FileManager.default.fileExists(atPath: log) {
            let stamp = TimestampFormat.fileName(now)
            let target = log + ".damaged-" + stamp
            try FileManager.default.copyItem(atPath: log, toPath: target)
            kept = target
        }
        try? FileManager.default.removeItem(at: url(in: folder))
        return kept
    }
}
