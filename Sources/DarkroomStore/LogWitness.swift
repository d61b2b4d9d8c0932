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
/// older than the log, which only makes the check weaker, never wrong.
struct LogWitness: Codable, Equatable, Sendable {
    var salt1: UInt32
    var salt2: UInt32
    var committedFrames: Int

    /// The witness file of the library in `folder`.
    static func url(in folder: URL) -> URL { folder.appendingPathComponent("locks/log-witness") }

    /// The log file of the database at `databasePath`.
    static func logPath(_ databasePath: String) -> String { databasePath + "-wal" }

    /// Records what the log holds now (best effort: a read-only library keeps its old witness).
    static func record(databasePath: String, folder: URL) {
        let scan = WriteAheadLogScan.scan(path: logPath(databasePath), verifyChecksums: false)
        let witness = LogWitness(salt1: scan?.salt1 ?? 0, salt2: scan?.salt2 ?? 0, committedFrames: scan?.committedFrames ?? 0)
        let target = url(in: folder)
        if (try? Data(contentsOf: target)).flatMap({ try? JSONDecoder().decode(LogWitness.self, from: $0) }) == witness { return }
        guard let data = try? JSONEncoder().encode(witness) else { return }
        let temporary = target.deletingLastPathComponent().appendingPathComponent("log-witness.\(getpid()).tmp")
        guard FileManager.default.createFile(atPath: temporary.path, contents: data) else { return }
        if rename(temporary.path, target.path) != 0 { try? FileManager.default.removeItem(at: temporary) }
    }

    /// Throws ``StoreError/lostCommits(path:detail:)`` when the log lost commits the witness saw.
    static func check(databasePath: String, folder: URL) throws {
        guard let data = try? Data(contentsOf: url(in: folder)),
              let witness = try? JSONDecoder().decode(LogWitness.self, from: data), witness.committedFrames > 0 else { return }
        let log = logPath(databasePath)
        guard FileManager.default.fileExists(atPath: log) else {
            throw StoreError.lostCommits(path: databasePath, detail: "the write-ahead log \(log) is missing; it held \(witness.committedFrames) committed page write(s) not yet copied into the database")
        }
        let scan = WriteAheadLogScan.scan(path: log, verifyChecksums: true, maxFrames: witness.committedFrames)
        guard let scan else {
            throw StoreError.lostCommits(path: databasePath, detail: "the header of the write-ahead log \(log) is damaged; it held \(witness.committedFrames) committed page write(s)")
        }
        if scan.salt1 != witness.salt1 || scan.salt2 != witness.salt2 { return }   // started over after a full checkpoint
        if scan.committedFrames >= witness.committedFrames { return }
        // Another process may have started the log over while this one read it: then its header changed.
        let now = WriteAheadLogScan.scan(path: log, verifyChecksums: false, maxFrames: 0)
        if now?.salt1 != witness.salt1 || now?.salt2 != witness.salt2 { return }
        throw StoreError.lostCommits(path: databasePath, detail: "the write-ahead log \(log) is damaged after frame \(scan.committedFrames) of the \(witness.committedFrames) committed; the commits after it are unreadable")
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
