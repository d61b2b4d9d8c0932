@testable import DarkroomLibrarySync
import Foundation
import GRDB
import Testing
@testable import DarkroomStore

/// Reading pending changes batch after batch (a push reads the next batch while it still sends
/// the current one) gives the batches that reading and marking one batch at a time gives.
@Suite struct SyncChangeLogTests {
    /// A library with pending changes of several entities: a snapshot taken when logging was
    /// enabled (all with one clock, so order among them is by entity, key and field) and
    /// changes logged afterwards, each with its own clock.
    static func library(_ folder: TemporaryFolder) throws -> LibraryDatabase {
        let database = try LibraryDatabase.open(folder: folder.url.appendingPathComponent("a"), create: true)
        for seed in 0..<7 { try insertGeneration(database, prompt: "before \(seed)", seed: Int64(seed)) }
        try database.write { db in try SyncChangeLog.enable(device: "a", db) }
        for seed in 7..<12 { try insertGeneration(database, prompt: "after \(seed)", seed: Int64(seed)) }
        try database.write { db in
            try db.execute(sql: "UPDATE generation SET rating = 2 WHERE seed IN (2, 9)")
            let now = TimestampFormat.database(Date())
            try db.execute(sql: "INSERT INTO album (id, name, created_at, modified_at) VALUES (?, 'herons', ?, ?)", arguments: [StableID.make(), now, now])
            try db.execute(sql: "INSERT INTO setting (key, scope, value, created_at, modified_at) VALUES ('theme', 'synced', '\"dark\"', ?, ?)", arguments: [now, now])
            try db.execute(sql: "UPDATE generation SET favorite = 1 WHERE seed IN (1, 8)")
        }
        return database
    }

    /// Batches of `limit` as a push used to read them: the oldest pending changes, marked sent before the next read.
    static func batchesMarkingEach(_ database: LibraryDatabase, limit: Int) throws -> [[SyncChange]] {
        var batches: [[SyncChange]] = []
        while true {
            let batch = try database.read { db in try SyncChangeLog.pendingChanges(limit: limit, db) }
            if batch.isEmpty { return batches }
            let sequence = Int64(batches.count + 1)
            try database.write { db in try SyncChangeLog.markSent(batch, device: "a", sequence: sequence, db) }
            batches.append(batch)
        }
    }

    @Test func batchesReadAfterTheLastChangeAreTheBatchesReadAfterMarking() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let database = try Self.library(folder)
        let pending = try database.read { db in try SyncChangeLog.pendingCount(db) }
        #expect(pending == 18)   // 12 generations, 2 ratings, an album, a setting, 2 favourites

        // Read every batch first, each after the last change of the one before, nothing marked.
        var ahead: [[SyncChange]] = []
        while true {
            let previous = ahead.last?.last
            let batch = try database.read { db in try SyncChangeLog.pendingChanges(limit: 4, after: previous, db) }
            if batch.isEmpty { break }
            ahead.append(batch)
        }
        #expect(ahead.joined().count == pending)
        #expect(try database.read { db in try SyncChangeLog.pendingCount(db) } == pending)

        let marking = try Self.batchesMarkingEach(database, limit: 4)
        #expect(ahead == marking)
        #expect(try database.read { db in try SyncChangeLog.pendingCount(db) } == 0)
    }

    @Test func aChangeMadeAfterItsBatchWasReadIsReadAgainWithItsNewValue() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let database = try Self.library(folder)
        let first = try database.read { db in try SyncChangeLog.pendingChanges(limit: 14, db) }
        let rating = try #require(first.first { $0.field == "rating" })
        #expect(rating.values["rating"] == 2.databaseValue)

        // The field changes again before the batch is marked sent: a newer clock, still pending.
        try database.write { db in try db.execute(sql: "UPDATE generation SET rating = 5 WHERE id = ?", arguments: [rating.key]) }
        try database.write { db in try SyncChangeLog.markSent(first, device: "a", sequence: 1, db) }
        var rest: [SyncChange] = []
        while true {
            let previous = rest.last ?? first.last
            let batch = try database.read { db in try SyncChangeLog.pendingChanges(limit: 4, after: previous, db) }
            if batch.isEmpty { break }
            rest += batch
        }
        let again = try #require(rest.first { $0.key == rating.key && $0.field == "rating" })
        #expect(again.values["rating"] == 5.databaseValue && again.clock > rating.clock)
        let sent = rest
        try database.write { db in try SyncChangeLog.markSent(sent, device: "a", sequence: 2, db) }
        #expect(try database.read { db in try SyncChangeLog.pendingCount(db) } == 0)
    }
}
