import Foundation
import GRDB
import Testing
@testable import DarkroomRelay

/// What the SQLite relay storage flushes: what it acknowledges as stored, not its nonces.
@Suite struct SQLiteRelayDurabilityTests {
    @Test func storedObjectsAreFlushedAndNoncesAreNot() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-relay-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let storage = try SQLiteRelayStorage(path: folder.appendingPathComponent("relay.sqlite").path)
        try await storage.prepare()
        let level = { @Sendable (db: Database) throws -> Int? in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
        // 2 = FULL inside the transactions that store objects and libraries, 1 = NORMAL for the rest.
        #expect(try await storage.writeFlushed(level) == 2)
        #expect(try await storage.pool.write(level) == 1)
        #expect(try await storage.writeFlushed(level) == 2)
    }
}
