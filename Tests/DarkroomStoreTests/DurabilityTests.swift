import Foundation
import GRDB
import Testing
@testable import DarkroomStore

/// How the library's database reaches the disk: commits flushed, the log kept between opens.
@Suite struct DurabilityTests {
    /// The writer flushes every commit (`synchronous = FULL`, 2), not only at checkpoints.
    @Test func commitsAreFlushedToTheLog() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let database = try LibraryDatabase.open(folder: folder.url, create: true)
        let level = try database.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        #expect(level == 2)
    }

    /// A closed library keeps its log, and opening it again to read changes no file: a read-only
    /// command neither writes nor flushes.
    @Test func openingToReadWritesNothing() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        do {
            let database = try LibraryDatabase.open(folder: folder.url, create: true)
            try insertGeneration(database, prompt: "kept in the log")
        }
        let files = ["library.sqlite", "library.sqlite-wal"].map { folder.url.appendingPathComponent($0).path }
        func snapshot() throws -> [Data] { try files.map { try Data(contentsOf: URL(fileURLWithPath: $0)) } }
        #expect(FileManager.default.fileExists(atPath: files[1]))
        let before = try snapshot()
        for _ in 0..<2 {
            let database = try LibraryDatabase.open(folder: folder.url)
            let count = try database.read { db in try GenerationRecord.fetchCount(db) }
            #expect(count == 1)
        }
        #expect(try snapshot() == before)
    }

    /// A log grown past the limit by a large write is copied into the database and emptied when the
    /// library closes, and nothing of the write is lost.
    @Test func aLongLogIsEmptiedAtClose() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let log = folder.url.appendingPathComponent("library.sqlite-wal").path
        func logSize() throws -> Int { try FileManager.default.attributesOfItem(atPath: log)[.size] as? Int ?? -1 }
        do {
            let database = try LibraryDatabase.open(folder: folder.url, create: true)
            try database.write { db in
                try db.execute(sql: "CREATE TABLE bulk (payload BLOB)")
                for _ in 0..<12 { try db.execute(sql: "INSERT INTO bulk VALUES (randomblob(512 * 1024))") }
            }
            #expect(try logSize() > LibraryDatabase.logSizeEmptiedAtClose)
        }
        #expect(try logSize() == 0)
        let database = try LibraryDatabase.open(folder: folder.url)
        #expect(try database.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM bulk") } == 12)
    }
}
