import DarkroomSync
import Foundation
import GRDB
import Testing
@testable import DarkroomRelay

extension RelayTests {
    /// Used nonces are keyed by expiry first (`RelayStorage.useNonce`); relays that stored them
    /// keyed by nonce first (`relay_nonces`) keep refusing those nonces after the upgrade.
    @Suite struct RelayNonceStorageTests {
        static let oldTable = """
            CREATE TABLE IF NOT EXISTS relay_nonces (
                library TEXT NOT NULL, device TEXT NOT NULL, nonce TEXT NOT NULL, expires_at BIGINT NOT NULL,
                PRIMARY KEY (library, device, nonce))
            """

        @Test(arguments: RelayBackend.available)
        func noncesOfTheOldLayoutAreStillRefusedAfterTheUpgrade(backend: RelayBackend) async throws {
            let library = LibraryID.random(), device = DeviceID.random()
            let expires = Int64(Date().timeIntervalSince1970) + 300
            let insertOld = "INSERT INTO relay_nonces (library, device, nonce, expires_at) VALUES ('\(library)', '\(device)', 'old-nonce', \(expires))"
            let storage: any RelayStorage
            var folder: URL?
            switch backend {
            case .sqlite:
                folder = FileManager.default.temporaryDirectory.appendingPathComponent("relay-nonces-\(UUID().uuidString)")
                let sqlite = try SQLiteRelayStorage(path: folder!.appendingPathComponent("relay.sqlite").path)
                try await sqlite.pool.write { db in
                    try db.execute(sql: Self.oldTable)
                    try db.execute(sql: insertOld)
                }
                storage = sqlite
            case .postgres:
                let postgres = try PostgresRelayStorage(url: RelayBackend.postgresURL!, maximumConnections: 2)
                try await postgres.prepare()
                try await postgres.execute(unsafeSQL: Self.oldTable)
                try await postgres.execute(unsafeSQL: insertOld)
                storage = postgres
            }
            defer {
                (storage as? PostgresRelayStorage)?.shutdown()
                if let folder { try? FileManager.default.removeItem(at: folder) }
            }
            try await storage.prepare()

            #expect(try await storage.useNonce("old-nonce", device: device, library: library, expiresAt: expires) == false)
            #expect(try await storage.useNonce("new-nonce", device: device, library: library, expiresAt: expires))
            #expect(try await storage.useNonce("new-nonce", device: device, library: library, expiresAt: expires) == false)
            // Preparing again (a restart) moves nothing twice and forgets nothing.
            try await storage.prepare()
            #expect(try await storage.useNonce("old-nonce", device: device, library: library, expiresAt: expires) == false)
            if let sqlite = storage as? SQLiteRelayStorage {
                #expect(try await sqlite.pool.read { db in try db.tableExists("relay_nonces") } == false)
            }
            // Expired nonces are forgotten, unexpired ones kept.
            let later = expires + 100
            #expect(try await storage.useNonce("later-nonce", device: device, library: library, expiresAt: later))
            try await storage.purgeNonces(expiredBefore: expires + 1)
            #expect(try await storage.useNonce("old-nonce", device: device, library: library, expiresAt: expires))
            #expect(try await storage.useNonce("later-nonce", device: device, library: library, expiresAt: later) == false)
        }
    }
}
