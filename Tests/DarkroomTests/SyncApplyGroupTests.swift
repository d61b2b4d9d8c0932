@testable import Darkroom
@testable import DarkroomLibrarySync
import DarkroomStore
import Foundation
import GRDB
import Testing

/// Received envelopes applied in several transactions (groups of whole envelopes, the next
/// decoded while the current one is applied) give the library one transaction gives.
@Suite struct SyncApplyGroupTests {
    @Test func envelopesAppliedInSeveralTransactionsGiveTheSameLibrary() async throws {
        let world = try await SyncWorld(devices: 1)
        defer { world.cleanup() }
        let a = world.libraries[0]
        // Five envelopes in A's log, of about 2, 4, 1, 5 and 3 changes (the first also carries
        // A's device name): new generations, then tags on them.
        var ids: [GenerationID] = []
        for (round, (created, tagged)) in [(2, 0), (2, 2), (1, 0), (1, 4), (0, 3)].enumerated() {
            let made: [GenerationID] = try await a.database.write { db in
                try (0..<created).map { index in
                    var row = GenerationRecord.make(source: .generate, status: .succeeded, now: Date())
                    row.prompt = "heron \(round) \(index)"
                    row.seed = Int64(round * 10 + index)
                    try row.insert(db)
                    return row.id
                }
            }
            ids += made
            if tagged > 0 { _ = try await a.addTags(["round-\(round)"], to: Array(ids.prefix(tagged))) }
            let sent = try await world.syncs[0].run()
            #expect(sent.sentEnvelopes == 1 && sent.sentChanges >= created + tagged)
        }

        // B joins and applies the five envelopes at most 3 changes per transaction: groups of
        // envelopes 1, 2 (larger than the limit: a group of its own), 3, 4 and 5.
        let b = try await Library.open(at: world.root.appendingPathComponent("b"), create: true)
        let syncB = LibrarySync(syncing: b, keyDirectory: world.root.appendingPathComponent("keys-b"), applyTransactionLimit: 3)
        _ = try await syncB.join(code: try await world.syncs[0].pair(), transport: world.transport, deviceName: "b")
        try world.expectClean(try await world.syncs[0].run())
        let received = try await syncB.run()
        try world.expectClean(received)
        #expect(received.receivedEnvelopes >= 5 && received.applied.applied >= 15)
        try world.expectClean(try await world.syncs[0].run())   // A learns B's device name
        let (stateA, stateB) = (try await syncedState(a), try await syncedState(b))
        #expect(stateB == stateA, "\(stateA.difference(from: stateB))")
        #expect(stateA.filter { $0.hasPrefix("tag ") }.count == 9)
    }
}
