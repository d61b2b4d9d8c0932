import DarkroomCrypto
import Foundation
import Testing
@testable import DarkroomSync

/// Device A writes `count` envelopes into a fresh store; returns the fixture, the store and
/// a transport for reader C on which modes can be set.
private func setUp(_ count: Int = 5) async throws -> (SyncFixture, InMemoryObjectStore, InMemoryTransport) {
    var f = try SyncFixture()
    let store = InMemoryObjectStore()
    let writer = InMemoryTransport(store: store)
    try await f.write(count, from: f.a.id, to: writer)
    return (f, store, InMemoryTransport(store: store, pageSize: 2))
}

@Test func honestTransportDeliversEverythingInOrder() async throws {
    var (f, store, reader) = try await setUp()
    try await f.write(2, from: f.b.id, to: InMemoryTransport(store: store))
    var verifier = LogVerifier(library: f.library)
    let report = try await verifier.pull(from: reader, keyring: f.keyring)
    #expect(report.isClean)
    #expect(report.detections.isEmpty)
    #expect(report.acceptedSequences == ["aaaa#1", "aaaa#2", "aaaa#3", "aaaa#4", "aaaa#5", "bbbb#1", "bbbb#2"])
    #expect(report.accepted.map { String(decoding: $0.payload, as: UTF8.self) }.first == "aaaa-change-1-0")
    // Nothing new: an incremental pull accepts nothing and detects nothing.
    let again = try await verifier.pull(from: reader, keyring: f.keyring)
    #expect(again.accepted.isEmpty && again.detections.isEmpty)
    // New envelopes after the cursor.
    try await f.write(1, from: f.a.id, to: reader)
    let more = try await verifier.pull(from: reader, keyring: f.keyring)
    #expect(more.acceptedSequences == ["aaaa#6"])
    #expect(verifier.state.head(of: f.a.id).sequence == 6)
}

@Test func droppedEnvelopeIsAGapAndLaterOnesWait() async throws {
    let (f, _, reader) = try await setUp()
    await reader.setModes([.drop(logName("aaaa", 3))])
    var verifier = LogVerifier(library: f.library)
    let report = try await verifier.pull(from: reader, keyring: f.keyring)
    #expect(report.acceptedSequences == ["aaaa#1", "aaaa#2"])
    #expect(report.violations == [.gap(f.a.id, missing: 3...3)])
    #expect(verifier.state.pending == [logName("aaaa", 4), logName("aaaa", 5)])
    // Still dropped on the next pull: still reported, nothing skipped ahead.
    let still = try await verifier.pull(from: reader, keyring: f.keyring)
    #expect(still.violations == [.gap(f.a.id, missing: 3...3)])
    #expect(still.accepted.isEmpty)
    // The transport stops misbehaving: a full rescan finds #3 and the held-back ones follow.
    await reader.setModes([])
    let healed = try await verifier.pull(from: reader, keyring: f.keyring, fullRescan: true)
    #expect(healed.acceptedSequences == ["aaaa#3", "aaaa#4", "aaaa#5"])
    #expect(healed.isClean)
    #expect(verifier.state.pending.isEmpty)
}

@Test func reorderedListingIsNoticedAndAppliedInOrder() async throws {
    let (f, _, reader) = try await setUp()
    await reader.setModes([.reorder])
    var verifier = LogVerifier(library: f.library)
    let report = try await verifier.pull(from: reader, keyring: f.keyring)
    #expect(report.acceptedSequences == ["aaaa#1", "aaaa#2", "aaaa#3", "aaaa#4", "aaaa#5"])
    #expect(report.detections.contains(.reordered(f.a.id)))
    #expect(report.isClean)  // a notice, not a violation
}

@Test func duplicatedListingIsAppliedOnce() async throws {
    let (f, _, reader) = try await setUp()
    await reader.setModes([.duplicate])
    var verifier = LogVerifier(library: f.library)
    let report = try await verifier.pull(from: reader, keyring: f.keyring)
    #expect(report.accepted.count == 5)
    #expect(report.detections.filter { if case .duplicateListing = $0 { return true } else { return false } }.count == 5)
    let again = try await verifier.pull(from: reader, keyring: f.keyring, fullRescan: true)
    #expect(again.accepted.isEmpty)
}

@Test func replayedEnvelopeUnderANewNameIsDetected() async throws {
    let (f, _, reader) = try await setUp()
    var verifier = LogVerifier(library: f.library)
    _ = try await verifier.pull(from: reader, keyring: f.keyring)
    await reader.setModes([.replay(of: logName("aaaa", 2), as: logName("aaaa", 6))])
    let report = try await verifier.pull(from: reader, keyring: f.keyring, fullRescan: true)
    #expect(report.accepted.isEmpty)
    #expect(report.violations == [.replayed(logName("aaaa", 6), device: f.a.id, sequence: 2)])
    #expect(verifier.state.head(of: f.a.id).sequence == 5)
}

@Test func swappedObjectsAreDetectedAndNotApplied() async throws {
    let (f, _, reader) = try await setUp()
    await reader.setModes([.swap(logName("aaaa", 2), logName("aaaa", 3))])
    var verifier = LogVerifier(library: f.library)
    let report = try await verifier.pull(from: reader, keyring: f.keyring)
    #expect(report.acceptedSequences == ["aaaa#1"])
    #expect(report.violations.contains(.swapped(logName("aaaa", 2), device: f.a.id, sequence: 3)))
    #expect(report.violations.contains(.replayed(logName("aaaa", 3), device: f.a.id, sequence: 2)))
    #expect(report.violations.contains(.gap(f.a.id, missing: 2...3)))
}

@Test func truncatedObjectIsUnreadableAndHoldsTheLogBack() async throws {
    let (f, _, reader) = try await setUp()
    await reader.setModes([.truncate(logName("aaaa", 2), keepBytes: 60)])
    var verifier = LogVerifier(library: f.library)
    let report = try await verifier.pull(from: reader, keyring: f.keyring)
    #expect(report.acceptedSequences == ["aaaa#1"])
    #expect(report.violations.contains { if case .unreadable(let n, _) = $0 { return n == logName("aaaa", 2) } else { return false } })
    #expect(verifier.state.head(of: f.a.id).sequence == 1)
}

@Test func withheldTailIsDetectedThroughACheckpoint() async throws {
    let (f, store, reader) = try await setUp()
    // B has seen all five of A's envelopes and publishes a checkpoint saying so.
    var bView = LogVerifier(library: f.library)
    _ = try await bView.pull(from: InMemoryTransport(store: store), keyring: f.keyring)
    let checkpoint = try bView.makeCheckpoint(by: f.b, counter: 1)
    try await store.put(checkpoint.bytes, name: checkpoint.name)
    // The transport hides #4 and #5 from C.
    await reader.setModes([.withhold(prefix: "log/aaaa/", from: logName("aaaa", 4))])
    var verifier = LogVerifier(library: f.library)
    let report = try await verifier.pull(from: reader, keyring: f.keyring)
    #expect(report.acceptedSequences == ["aaaa#1", "aaaa#2", "aaaa#3"])
    #expect(report.violations == [.withheld(f.a.id, claimed: 5, available: 3, reportedBy: f.b.id)])
    // Still withheld on the next pull (the claim is remembered).
    #expect(verifier.needsFullRescan)
    let later = try await verifier.pull(from: reader, keyring: f.keyring)
    #expect(later.violations == [.withheld(f.a.id, claimed: 5, available: 3, reportedBy: f.b.id)])
    // The transport releases the tail: the automatic full listing finds it behind the cursor.
    await reader.setModes([])
    let released = try await verifier.pull(from: reader, keyring: f.keyring)
    #expect(released.acceptedSequences == ["aaaa#4", "aaaa#5"])
    #expect(released.isClean)
    #expect(!verifier.needsFullRescan)
}

@Test func rollbackIsDetectedOnAFullRescan() async throws {
    let (f, _, reader) = try await setUp()
    var verifier = LogVerifier(library: f.library)
    _ = try await verifier.pull(from: reader, keyring: f.keyring)
    await reader.setModes([.withhold(prefix: "log/aaaa/", from: logName("aaaa", 4))])
    let report = try await verifier.pull(from: reader, keyring: f.keyring, fullRescan: true)
    #expect(report.violations == [.rolledBack(f.a.id, listedUpTo: 3, verified: 5)])
}

@Test func forkedHistoryIsDetected() async throws {
    var f = try SyncFixture()
    let store = InMemoryObjectStore()
    let honest = InMemoryTransport(store: store)
    try await f.write(2, from: f.a.id, to: honest)
    // A equivocates: two different envelopes #3 signed with its key.
    var branch = f.writers[f.a.id]!
    let alternative = try branch.append(Data("other history".utf8), clock: f.clocks[f.a.id]!.last, keyring: f.keyring, identity: f.a)
    try await f.write(3, from: f.a.id, to: honest)
    // B saw the real #3 and checkpoints it (before #4 and #5 reached it).
    var bView = LogVerifier(library: f.library)
    let bListing = InMemoryTransport(store: store)
    await bListing.setModes([.withhold(prefix: "log/aaaa/", from: logName("aaaa", 4))])
    _ = try await bView.pull(from: bListing, keyring: f.keyring)
    let checkpoint = try bView.makeCheckpoint(by: f.b, counter: 1)
    try await store.put(checkpoint.bytes, name: checkpoint.name)
    // The transport shows C the other #3.
    let reader = InMemoryTransport(store: store)
    await reader.setModes([.fork(logName("aaaa", 3), replacement: alternative.bytes)])
    var verifier = LogVerifier(library: f.library)
    let report = try await verifier.pull(from: reader, keyring: f.keyring)
    #expect(report.violations.contains(.forked(f.a.id, sequence: 3)))  // B's checkpoint disagrees
    #expect(report.violations.contains(.forked(f.a.id, sequence: 4)))  // the real #4 does not chain
    #expect(verifier.state.head(of: f.a.id).sequence == 3)
    // A reader shown both versions of #3 detects the fork without any checkpoint.
    let both = InMemoryTransport(store: store)
    await both.setModes([.replay(of: logName("aaaa", 1), as: logName("aaaa", 9))])
    var fresh = LogVerifier(library: f.library)
    fresh.state.pending = [alternative.name]
    var report2 = PullReport()
    fresh.ingest([(logName("aaaa", 1), try await both.get(logName("aaaa", 1))), (logName("aaaa", 2), try await both.get(logName("aaaa", 2))),
                  (alternative.name, alternative.bytes), (alternative.name, try await both.get(alternative.name))],
                 listingOrder: [], keyring: f.keyring, into: &report2)
    #expect(report2.violations == [.forked(f.a.id, sequence: 3)])
    #expect(report2.acceptedSequences == ["aaaa#1", "aaaa#2"])
}

@Test func crossLibraryAndTamperedEnvelopesInTheTransportAreRejected() async throws {
    var (f, store, reader) = try await setUp(2)
    // An envelope of another library with the same device ids, placed as A's #3.
    var other = try SyncFixture()
    other.keyring = try LibraryKeyring.create(library: LibraryID(rawValue: "lib-2")!, founder: other.a)
    other.writers[other.a.id] = LogWriter(library: other.keyring.library, device: other.a.id, head: f.writers[f.a.id]!.head)
    let foreign = try other.nextEnvelope(other.a.id, "foreign")
    try await store.put(foreign.bytes, name: logName("aaaa", 3))
    var verifier = LogVerifier(library: f.library)
    let report = try await verifier.pull(from: reader, keyring: f.keyring)
    #expect(report.acceptedSequences == ["aaaa#1", "aaaa#2"])
    #expect(report.violations == [.rejected(logName("aaaa", 3), .wrongLibrary(expected: f.library, found: other.keyring.library))])
    // A bit flipped inside B's envelope.
    let e = try f.nextEnvelope(f.b.id, "b1")
    try await store.put(e.bytes.flippingBit(at: e.bytes.count - 100), name: e.name)
    let r2 = try await verifier.pull(from: reader, keyring: f.keyring)
    #expect(r2.violations.contains(.rejected(e.name, .badSignature(f.b.id, sequence: 1))))
    #expect(verifier.state.head(of: f.b.id) == .genesis)
}

@Test func ownEnvelopesNeedNoDownloadAndCheckpointsCoverThem() async throws {
    var f = try SyncFixture()
    let store = InMemoryObjectStore()
    let atA = InMemoryTransport(store: store)
    var aView = LogVerifier(library: f.library)
    for _ in 0..<3 {
        let e = try f.nextEnvelope(f.a.id, "mine")
        try await atA.put(e.bytes, name: e.name)
        aView.recordOwnEnvelope(device: f.a.id, head: f.writers[f.a.id]!.head)
    }
    #expect(aView.state.head(of: f.a.id) == f.writers[f.a.id]!.head)
    let checkpoint = try aView.makeCheckpoint(by: f.a, counter: 1)
    try await atA.put(checkpoint.bytes, name: checkpoint.name)
    // A's own pull downloads nothing of its own log and sees no withholding.
    let own = try await aView.pull(from: atA, keyring: f.keyring)
    #expect(own.accepted.isEmpty && own.isClean)
    // B agrees with A's checkpoint after reading the log.
    var bView = LogVerifier(library: f.library)
    let report = try await bView.pull(from: InMemoryTransport(store: store), keyring: f.keyring)
    #expect(report.acceptedSequences == ["aaaa#1", "aaaa#2", "aaaa#3"])
    #expect(report.isClean)
    #expect(bView.state.latestClaims[f.a.id]?[f.a.id] == f.writers[f.a.id]!.head)
    // A replayed older checkpoint under a new name is caught.
    try await atA.put(checkpoint.bytes, name: SyncObjectName.checkpoint(f.a.id, counter: 3).objectName)
    let replay = try await bView.pull(from: InMemoryTransport(store: store), keyring: f.keyring)
    #expect(replay.violations == [.replayed(SyncObjectName.checkpoint(f.a.id, counter: 3).objectName, device: f.a.id, sequence: 1)])
}
