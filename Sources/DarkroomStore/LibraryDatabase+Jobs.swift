import Foundation
import GRDB

/// What ``LibraryDatabase/claimQueuedJob(_:at:naming:)`` found.
public enum JobClaim: Sendable {
    /// No queued job (or none with that id).
    case empty
    /// The job exists but is not queued.
    case notQueued(id: GenerationID, status: GenerationRecord.Status)
    /// The job, now `running`.
    case claimed(GenerationRecord)
}

// The job queue: the SQL behind generating, queueing, claiming, cancelling and retrying jobs, and
// the open-time failing of jobs whose process died.
extension LibraryDatabase {
    /// Inserts job rows with their prompts' use, in one transaction. Returns the rows as stored.
    public func insertJobs(_ rows: [GenerationRecord]) async throws -> [GenerationRecord] {
        try await write { db in try rows.map { try GenerationRecord.insertJob($0, db) } }
    }

    /// Inserts a `running` job row; it is flushed with the job's final commit (``writeFlushedLater(_:)``).
    public func insertRunningJob(_ row: GenerationRecord) async throws -> GenerationRecord {
        try await writeFlushedLater { db in try GenerationRecord.insertJob(row, db) }
    }

    /// The queue: queued jobs oldest first, then running ones.
    public func queuedJobs() async throws -> [GenerationRecord] {
        try await read { db in
            try GenerationRecord.fetchAll(db, sql: """
                SELECT * FROM generation WHERE status IN ('queued', 'running')
                ORDER BY status = 'running' DESC, queued_at, id
                """)
        }
    }

    /// Claims the queued job `id` (the oldest when nil) atomically (`queued` → `running`, started at
    /// `started`), calling `naming` with its id inside the claiming transaction.
    public func claimQueuedJob(_ id: GenerationID?, at started: Date,
                               naming: @escaping @Sendable (GenerationID) throws -> Void) async throws -> JobClaim {
        try await writeFlushedLater { db -> JobClaim in
            // Statements prepared once per connection: an UPDATE of `generation` compiles its triggers.
            let candidate = try id.map { try GenerationRecord.find(id: $0, db) }
                ?? GenerationRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM generation WHERE status = 'queued' ORDER BY queued_at, id LIMIT 1"))
            guard let row = candidate else { return .empty }
            guard row.status == .queued else { return .notQueued(id: row.id, status: row.status) }
            try naming(row.id)
            let at = TimestampFormat.database(started)
            try db.cachedStatement(sql: "UPDATE generation SET status = 'running', started_at = ?, modified_at = ? WHERE id = ? AND status = 'queued'")
                .execute(arguments: [at, at, row.id])
            return .claimed(try GenerationRecord.find(id: row.id, db) ?? row)
        }
    }

    /// Ends a `running` job as failed or cancelled, even when the calling task is cancelled.
    public func endRunningJob(_ id: GenerationID, status: GenerationRecord.Status, reason: String, started: Date, now: Date) throws {
        try writeEvenIfCancelled { db in
            try db.execute(sql: """
                UPDATE generation SET status = ?, error = ?, finished_at = ?, duration_ms = ?, modified_at = ?
                WHERE id = ? AND status = 'running'
                """, arguments: [status.rawValue, reason, now, Int(now.timeIntervalSince(started) * 1000), now, id])
        }
    }

    /// Cancels the queued ones of these jobs; returns the ids cancelled.
    public func cancelQueued(_ ids: [GenerationID], reason: String) async throws -> [GenerationID] {
        try await write { db in
            for id in ids { _ = try GenerationRecord.existing(id, db) }
            return try ids.filter { id in try GenerationRecord.cancelQueued(id: id, reason: reason, db) > 0 }
        }
    }

    /// Cancels every queued job; returns how many.
    public func cancelAllQueued(reason: String) async throws -> Int {
        try await write { db in try GenerationRecord.cancelQueued(id: nil, reason: reason, db) }
    }

    /// Queues new jobs made by `makeJob` from these old ones; returns the new ids.
    public func retryJobs(_ ids: [GenerationID],
                          makeJob: @escaping @Sendable (GenerationRecord) throws -> GenerationRecord) async throws -> [GenerationID] {
        try await write { db in
            let old = try ids.map { try GenerationRecord.existing($0, db) }
            return try old.map { try GenerationRecord.insertJob(makeJob($0), db).id }
        }
    }

    /// The ids of jobs marked `running`.
    public func runningJobIDs() throws -> [GenerationID] {
        try read { db in
            // The first term matches the partial index generation_status, so this never scans the table.
            try GenerationID.fetchAll(db, sql: "SELECT id FROM generation WHERE status IN ('queued', 'running') AND status = 'running'")
        }
    }

    /// Marks the job `id` failed with `reason` if it is still `running`; true when it was.
    public func failRunningJob(_ id: GenerationID, reason: String, now: Date) throws -> Bool {
        try write { db in
            try db.execute(sql: """
                UPDATE generation SET status = 'failed', error = ?, finished_at = ?, modified_at = ?
                WHERE id = ? AND status = 'running'
                """, arguments: [reason, now, now, id])
            return db.changesCount > 0
        }
    }
}

extension GenerationRecord {
    /// Inserts a job row after recording its prompt's use; returns the row as stored.
    static func insertJob(_ job: GenerationRecord, _ db: Database) throws -> GenerationRecord {
        var row = job
        row.promptID = try PromptRecord.recordUse(text: row.prompt, negativeText: row.negativePrompt, at: row.createdAt, db)
        try row.insert(db)
        return row
    }

    /// Cancels the queued job `id` (every queued job when nil); returns how many rows changed.
    static func cancelQueued(id: GenerationID?, reason: String, _ db: Database) throws -> Int {
        let now = Date()
        try db.execute(sql: """
            UPDATE generation SET status = 'cancelled', error = ?, finished_at = ?, modified_at = ?
            WHERE status = 'queued' AND (? IS NULL OR id = ?)
            """, arguments: [reason, now, now, id, id])
        return db.changesCount
    }
}

extension LibraryDatabase {
    /// Marks a queued job failed with `reason` (its model cannot be loaded any more, say).
    public func failQueuedJob(_ id: GenerationID, reason: String) async throws {
        try await write { db in
            let now = Date()
            try db.execute(sql: "UPDATE generation SET status = 'failed', error = ?, finished_at = ?, modified_at = ? WHERE id = ? AND status = 'queued'",
                           arguments: [reason, now, now, id])
        }
    }
}
