import DarkroomStore
import Foundation
import GRDB

/// Changes that settle how a generation ended or where its picture comes from: a finished job
/// replacing a failure, and another device's request for a picture it could not use.
extension SyncChangeApplier {
    /// The columns that say how a job ended; a finished picture replaces a failure in them.
    static let outcomeColumns = ["status", "error", "image_hash", "started_at", "finished_at", "duration_ms", "model_id",
                                 "model_hash", "engine_version", "rng_kind", "scheduler_config", "metadata_source",
                                 "metadata_json", "modified_at"]

    /// A whole generation that succeeded, for a row this device holds as failed or cancelled: the
    /// finished state wins whatever the clocks say (a job that made its picture did not fail; a
    /// device may have marked it failed while it ran, and synced that). Nil when it does not apply;
    /// `.deferred` (through nil from the caller's view) waits for the picture.
    static func completeGeneration(_ change: SyncChange, _ db: Database) throws -> Outcome?? {
        guard String.fromDatabaseValue(change.values["status"] ?? .null) == "succeeded",
              let local = try String.fetchOne(db.cachedStatement(sql: "SELECT status FROM generation WHERE id = ?"), arguments: [change.key]),
              local == "failed" || local == "cancelled" else { return nil }
        if let hash = String.fromDatabaseValue(change.values["image_hash"] ?? .null), try !exists("image", "hash", hash, db) {
            return .some(nil)   // the picture is stored first
        }
        let columns = try db.columns(in: "generation").map(\.name).filter { outcomeColumns.contains($0) && change.values[$0] != nil }
        let assignments = columns.map { "\($0) = ?" }.joined(separator: ", ")
        try db.execute(sql: "UPDATE generation SET \(assignments) WHERE id = ?",
                       arguments: StatementArguments(columns.map { change.values[$0]! } + [change.key.databaseValue]))
        if try isNewer(change, db) { try stamp(change, db) }
        return .applied
    }

    /// Another device could not use the picture of a generation: if this device holds the
    /// picture (its file, not a picture still waiting for download), the generation is sent whole
    /// again, with a new blob. Nil (deferred) while the generation has not arrived here.
    static func answerPictureRequest(_ change: SyncChange, _ db: Database) throws -> Outcome? {
        guard let hash = try String.fetchOne(db.cachedStatement(sql: "SELECT image_hash FROM generation WHERE id = ?"),
                                             arguments: [change.key]) else {
            return try exists("generation", "id", change.key, db) ? .superseded : nil
        }
        guard try isNewer(change, db) else { return .superseded }
        try stamp(change, db)
        let waiting = try SyncChangeLog.meta(SyncCapture.pendingPicturePrefix + hash, db) != nil
        if !waiting, try exists("image", "hash", hash, db) { try SyncChangeLog.resend(generation: change.key, db) }
        return .applied
    }
}
