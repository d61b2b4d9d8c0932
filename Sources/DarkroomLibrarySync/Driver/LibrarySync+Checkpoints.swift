import DarkroomStore
import DarkroomSync
import Foundation

/// Checkpoints: the signed statement each run ends with, of the newest envelope this device has
/// verified in every log (docs/sync.md).
extension LibrarySync {
    /// Per log, the highest envelope sequence every active device has applied: this device's
    /// verified head, and what each other active device's newest signed checkpoint claims.
    static func acknowledgedHeads(_ state: LogVerifierState, keyring: LibraryKeyring, me: DeviceID) -> [String: Int64] {
        let others = keyring.membership.activeMembers.map(\.card.id).filter { $0 != me }
        var result: [String: Int64] = [:]
        for log in state.verifiedHashes.keys {
            var acknowledged = state.head(of: log).sequence
            for member in others where member != log {
                acknowledged = min(acknowledged, state.latestClaims[member]?[log]?.sequence ?? 0)
            }
            result[log.rawValue] = Int64(acknowledged)
        }
        return result
    }

    func writeCheckpoint(verifier state: LogVerifierState, keyring: LibraryKeyring, identity: DeviceIdentity,
                                 transport: any SyncTransport) async throws {
        // A checkpoint is kept before it is put and counted only once stored: a run killed (or a
        // reply lost) between the two sends the same bytes again, never a second checkpoint under
        // a name the transport already holds (names are write-once).
        if let data = try await database.readSync({ db in try db.meta(Meta.checkpointPending) }),
           let pending = try? JSONDecoder().decode(PendingCheckpoint.self, from: data) {
            try await storeCheckpoint(pending, identity: identity, transport: transport)
        }
        let verifier = LogVerifier(library: keyring.library, state: state)
        // Past every checkpoint of this device the transport shows (a recovered device's included).
        let counter = max(try await checkpointCounter(), state.checkpointCounters[identity.id] ?? 0) + 1
        let checkpoint = PendingCheckpoint(counter: counter, bytes: try verifier.makeCheckpoint(by: identity, counter: counter).bytes)
        try await database.writeSync { db in try db.setMeta(Meta.checkpointPending, try JSONEncoder().encode(checkpoint)) }
        try await storeCheckpoint(checkpoint, identity: identity, transport: transport)
    }

    /// A signed checkpoint kept in the library until the transport has it.
    fileprivate struct PendingCheckpoint: Codable {
        var counter: UInt64
        var bytes: Data
    }

    fileprivate func storeCheckpoint(_ checkpoint: PendingCheckpoint, identity: DeviceIdentity, transport: any SyncTransport) async throws {
        try await put(checkpoint.bytes, SyncObjectName.checkpoint(identity.id, counter: checkpoint.counter).objectName, transport)
        try await database.writeSync { db in
            try db.setMeta(Meta.checkpointCounter, Data(String(checkpoint.counter).utf8))
            try db.setMeta(Meta.checkpointPending, nil)
        }
    }

    /// The counter of this device's newest checkpoint (0 before the first).
    func checkpointCounter() async throws -> UInt64 {
        try await database.readSync { db in
            UInt64(String(decoding: try db.meta(Meta.checkpointCounter) ?? Data("0".utf8), as: UTF8.self)) ?? 0
        }
    }
}
