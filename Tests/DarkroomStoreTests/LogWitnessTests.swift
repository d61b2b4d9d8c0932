import Foundation
import GRDB
import Testing
@testable import DarkroomStore

/// The log witness: a log that lost acknowledged commits is refused; a log another SQLite program
/// checkpointed and removed is not a loss.
@Suite struct LogWitnessTests {
    func libraryWithCommitsInTheLog(_ folder: TemporaryFolder) throws {
        let database = try LibraryDatabase.open(folder: folder.url, create: true)
        for i in 0..<5 { try insertGeneration(database, prompt: "only in the log \(i)") }
    }

    var log: (TemporaryFolder) -> URL { { $0.url.appendingPathComponent("library.sqlite-wal") } }

    @Test func aLogThatStillHoldsItsCommitsOpens() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        try libraryWithCommitsInTheLog(folder)
        let witness = try JSONDecoder().decode(LogWitness.self, from: Data(contentsOf: LogWitness.url(in: folder.url)))
        #expect(witness.committedFrames > 0)
        let scan = try #require(WriteAheadLogScan.scan(path: log(folder).path))
        #expect(scan.committedFrames == witness.committedFrames && scan.salt1 == witness.salt1)
        let database = try LibraryDatabase.open(folder: folder.url)
        #expect(try database.read { db in try GenerationRecord.fetchCount(db) } == 5)
    }

    @Test func aDeletedTruncatedOrFlippedLogIsRefusedAsLostCommits() throws {
        for damage in ["deleted", "truncated", "flipped"] {
            let folder = try TemporaryFolder(); defer { folder.cleanup() }
            try libraryWithCommitsInTheLog(folder)
            var bytes = try Data(contentsOf: log(folder))
            switch damage {
            case "deleted": try FileManager.default.removeItem(at: log(folder))
            case "truncated": try bytes.prefix(bytes.count / 2).write(to: log(folder))
            default: bytes[bytes.count - 100] ^= 0x10; try bytes.write(to: log(folder))
            }
            #expect(throws: StoreError.self, "\(damage)") { _ = try LibraryDatabase.open(folder: folder.url) }
            do { _ = try LibraryDatabase.open(folder: folder.url) } catch let error as StoreError {
                guard case .lostCommits = error else { Issue.record("\(damage): \(error)"); continue }
            }
            // Accepting the loss opens what the database file holds, and keeps the damaged log.
            _ = try LibraryDatabase.open(folder: folder.url, acceptingLostCommits: true)
            _ = try LibraryDatabase.open(folder: folder.url)
            let kept = try FileManager.default.contentsOfDirectory(atPath: folder.url.path).filter { $0.contains(".damaged-") }
            #expect(kept.count == (damage == "deleted" ? 0 : 1), "\(damage)")
        }
    }

    @Test func aLogAnotherProgramCheckpointedAndRemovedIsNotALoss() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        try libraryWithCommitsInTheLog(folder)
        Thread.sleep(forTimeInterval: 0.01)   // the checkpoint's write must come after the witness
        // The sqlite3 shell's way: open with default settings, close (checkpoint, then delete the log).
        let queue = try DatabaseQueue(path: folder.url.appendingPathComponent(LibraryDatabase.fileName).path)
        _ = try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM generation") }
        try queue.close()
        #expect(!FileManager.default.fileExists(atPath: log(folder).path))
        let database = try LibraryDatabase.open(folder: folder.url)
        #expect(try database.read { db in try GenerationRecord.fetchCount(db) } == 5)
    }
}
