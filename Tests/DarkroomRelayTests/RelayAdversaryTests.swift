import DarkroomRelay
import DarkroomSync
import Foundation
import Testing

extension RelayTests {
    /// The relay as the adversary (`RelayAdversaryMiddleware` in front of its routes): readers verifying with `LogVerifier`
    /// detect every drop, replay and withheld tail.
    @Suite struct RelayAdversaryTests {
        @Test(arguments: RelayBackend.available)
        func droppedEnvelopeIsAGap(backend: RelayBackend) async throws {
            try await withRelay(backend) { relay in
                let names = try await relay.write(5, from: relay.a.id)
                relay.adversary.set([.drop(names[2])])
                var verifier = LogVerifier(library: relay.library)
                let report = try await verifier.pull(from: relay.transport(relay.c), keyring: relay.keyring)
                #expect(report.accepted.map(\.header.sequence) == [1, 2])
                #expect(report.violations == [.gap(relay.a.id, missing: 3...3)])
                relay.adversary.set([])
                let healed = try await verifier.pull(from: relay.transport(relay.c), keyring: relay.keyring, fullRescan: true)
                #expect(healed.accepted.map(\.header.sequence) == [3, 4, 5])
                #expect(healed.isClean)
            }
        }

        @Test(arguments: RelayBackend.available)
        func replayedEnvelopeIsDetected(backend: RelayBackend) async throws {
            try await withRelay(backend) { relay in
                let names = try await relay.write(5, from: relay.a.id)
                var verifier = LogVerifier(library: relay.library)
                _ = try await verifier.pull(from: relay.transport(relay.c), keyring: relay.keyring)
                let injected = SyncObjectName.log(relay.a.id, sequence: 6).objectName
                relay.adversary.set([.replay(of: names[1], as: injected)])
                let report = try await verifier.pull(from: relay.transport(relay.c), keyring: relay.keyring, fullRescan: true)
                #expect(report.accepted.isEmpty)
                #expect(report.violations == [.replayed(injected, device: relay.a.id, sequence: 2)])
            }
        }

        @Test(arguments: RelayBackend.available)
        func withheldTailIsDetectedThroughACheckpoint(backend: RelayBackend) async throws {
            try await withRelay(backend) { relay in
                let names = try await relay.write(5, from: relay.a.id)
                // B saw all five and publishes a checkpoint saying so.
                var bView = LogVerifier(library: relay.library)
                _ = try await bView.pull(from: relay.transport(relay.b), keyring: relay.keyring)
                let checkpoint = try bView.makeCheckpoint(by: relay.b, counter: 1)
                try await relay.transport(relay.b).put(checkpoint.bytes, name: checkpoint.name)
                // The relay hides #4 and #5 from everyone.
                relay.adversary.set([.withhold(prefix: "log/\(relay.a.id)/", from: names[3])])
                var verifier = LogVerifier(library: relay.library)
                let report = try await verifier.pull(from: relay.transport(relay.c), keyring: relay.keyring)
                #expect(report.accepted.map(\.header.sequence) == [1, 2, 3])
                #expect(report.violations == [.withheld(relay.a.id, claimed: 5, available: 3, reportedBy: relay.b.id)])
                // A reader that had everything sees a rollback on a full rescan.
                let rolled = try await bView.pull(from: relay.transport(relay.b), keyring: relay.keyring, fullRescan: true)
                #expect(rolled.violations == [.rolledBack(relay.a.id, listedUpTo: 3, verified: 5)])
                relay.adversary.set([])
                let released = try await verifier.pull(from: relay.transport(relay.c), keyring: relay.keyring)
                #expect(released.accepted.map(\.header.sequence) == [4, 5])
                #expect(released.isClean)
            }
        }
    }
}
