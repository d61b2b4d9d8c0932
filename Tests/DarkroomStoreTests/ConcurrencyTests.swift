import Foundation
import GRDB
import Testing
@testable import DarkroomStore

@Suite struct ConcurrencyTests {
    /// Two independent connections pools (as two processes would have) write at once: WAL plus the
    /// busy timeout serialise them and nothing is lost.
    @Test func twoWritersOnOneLibraryLoseNothing() async throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let first = try LibraryDatabase.open(folder: folder.url, create: true)
        let second = try LibraryDatabase.open(folder: folder.url)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (n, database) in [first, second].enumerated() {
                group.addTask {
                    for i in 0..<50 {
                        try await database.write { db in
                            var row = GenerationRecord.make(source: .generate, status: .succeeded)
                            row.prompt = "writer \(n) item \(i)"
                            try row.insert(db)
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await first.read { (db: Database) throws in try GenerationRecord.fetchCount(db) } == 100)
        #expect(try await second.read { (db: Database) throws in try GalleryQuery(text: "writer").fetchCount(db) } == 100)
    }
}
