@testable import DarkroomLibrarySync
import Foundation
import GRDB
import Testing
@testable import DarkroomStore

/// The batch insert does what the one-row insert does for every row: the row, its full-text entry
/// and, when sync logging is on, its change-log entry (finished jobs only).
@Suite struct GenerationInsertTests {
    private func records(_ count: Int, status: (Int) -> GenerationRecord.Status = { _ in .succeeded }) -> [GenerationRecord] {
        (0..<count).map { i in
            var row = GenerationRecord.make(source: .generate, status: status(i), now: Date(timeIntervalSince1970: 1_790_000_000 + Double(i)))
            row.prompt = i % 2 == 0 ? "a heron number\(i)" : "a lighthouse number\(i)"
            row.negativePrompt = i % 3 == 0 ? "blurry" : ""
            row.seed = Int64(i)
            return row
        }
    }

    @Test(arguments: [1, 16, 37])
    func batchInsertMatchesOneRowInserts(count: Int) throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let database = try LibraryDatabase.open(folder: folder.url, create: true)
        // A row inserted one by one first, so the batch's rowids do not start at 1.
        try insertGeneration(database, prompt: "an earlier heron", seed: 999)
        let batch = records(count)
        try database.write { db in try GenerationRecord.insertAll(batch, db) }
        try database.read { (db: Database) throws in
            #expect(try GenerationRecord.fetchCount(db) == count + 1)
            let stored = try GenerationRecord.fetchAll(db, sql: "SELECT * FROM generation WHERE seed <> 999 ORDER BY rowid")
            #expect(stored == batch)
            #expect(try GalleryQuery(text: "heron").fetchCount(db) == (count + 1) / 2 + 1)
            #expect(try GalleryQuery(text: "blurry").fetchCount(db) == (count + 2) / 3)
            #expect(try GalleryQuery(text: "number\(count - 1)").fetchGenerations(db).map(\.seed) == [Int64(count - 1)])
            #expect(try SyncChangeLog.pendingCount(db) == 0, "logging is off until sync is set up")
        }
    }

    @Test func batchInsertLogsFinishedRowsWhenSyncIsOn() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let database = try LibraryDatabase.open(folder: folder.url, create: true)
        try database.write { db in try SyncChangeLog.enable(device: "dddddddd-0000-4000-8000-000000000001", db) }
        let batch = records(20) { $0 % 4 == 0 ? .queued : .succeeded }
        try database.write { db in try GenerationRecord.insertAll(batch, db) }
        try database.read { (db: Database) throws in
            let logged = try String.fetchAll(db, sql: "SELECT key FROM sync_change WHERE entity = 'generation' AND field = '*' AND pending = 1 ORDER BY clock")
            #expect(logged == batch.filter { $0.status.isFinal }.map(\.id.rawValue), "finished rows, in insertion order")
            let clocks = try Int64.fetchAll(db, sql: "SELECT clock FROM sync_change ORDER BY clock")
            #expect(Set(clocks).count == clocks.count, "every change has its own clock tick")
        }
        // The same through the one-row path.
        try insertGeneration(database, prompt: "one more", seed: 77)
        try database.read { (db: Database) throws in #expect(try SyncChangeLog.pendingCount(db) == 16) }
    }
}
