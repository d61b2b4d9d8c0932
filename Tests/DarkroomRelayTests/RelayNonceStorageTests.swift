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

        /// Concurrent requests share nonce commits (`StorageBatcher`): however they fall into
        /// batches, a nonce is fresh for exactly one of the requests that carry it, even when
        /// copies arrive together, and for none once stored. A nonce is a device's own: the
        /// same text from another device is another nonce.
        @Test(arguments: RelayBackend.available)
        func concurrentCopiesOfANonceAreFreshExactlyOnce(backend: RelayBackend) async throws {
            let (storage, close) = try backend.openStorage()
            defer { close() }
            try await storage.prepare()
            let library = LibraryID.random(), devices = [DeviceID.random(), DeviceID.random()]
            let expires = Int64(Date().timeIntervalSince1970) + 300
            // 60 nonces, each sent one to four times, in random order, all at once.
            var uses: [(nonce: String, device: DeviceID)] = []
            for i in 0..<60 {
                for _ in 0...(i % 4) { uses.append((nonce: "nonce-\(i / 2)", device: devices[i % 2])) }
            }
            uses.shuffle()
            let results = try await withThrowingTaskGroup(of: (String, Bool).self) { group in
                for use in uses {
                    group.addTask {
                        ("\(use.device) \(use.nonce)", try await storage.useNonce(use.nonce, device: use.device, library: library, expiresAt: expires))
                    }
                }
                var all: [(String, Bool)] = []
                for try await r in group { all.append(r) }
                return all
            }
            let freshCounts = Dictionary(grouping: results, by: \.0).mapValues { $0.filter(\.1).count }
            #expect(freshCounts.count == 60)
            #expect(freshCounts.values.allSatisfy { $0 == 1 }, "fresh answers per nonce: \(freshCounts.filter { $0.value != 1 })")
            // Once stored, every copy is a replay, one at a time or together.
            for use in uses.prefix(3) {
                #expect(try await storage.useNonce(use.nonce, device: use.device, library: library, expiresAt: expires) == false)
            }
            let replays = try await withThrowingTaskGroup(of: Bool.self) { group in
                for use in uses { group.addTask { try await storage.useNonce(use.nonce, device: use.device, library: library, expiresAt: expires) } }
                var fresh = 0
                for try await r in group where r { fresh += 1 }
                return fresh
            }
            #expect(replays == 0)
        }

        @Test(arguments: RelayBackend.available)
        func noncesOfTheOldLayoutAreStillRefusedAfterTheUpgrade(backend: RelayBackend) async throws {
            let library = LibraryID.random(), device = DeviceID.random()
            let expires = Int64(Date().timeIntervalSince1970) + 300
            let insertOld = "INSERT INTO relay_nonces (library, device, nonce, expires_at) VALUES ('\(library)', '\(device)', 'old-nonce', \(expires))"
            let (storage, close) = try backend.openStorage()
            defer { close() }
            if let sqlite = storage as? SQLiteRelayStorage {
                try await sqlite.pool.write { db in
                    try db.execute(sql: Self.oldTable)
                    try db.execute(sql: insertOld)
                }
            } else if let postgres = storage as? PostgresRelayStorage {
                try await postgres.prepare()
                try await postgres.execute(unsafeSQL: Self.oldTable)
                try await postgres.execute(unsafeSQL: insertOld)
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
