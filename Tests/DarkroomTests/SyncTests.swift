import Darkroom
import DarkroomStore
import DarkroomSync
import Foundation
import GRDB
import Testing

/// Several libraries on one machine syncing through a real shared folder.
final class SyncWorld: @unchecked Sendable {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-sync-\(UUID().uuidString)")
    var libraries: [Library] = []
    var syncs: [LibrarySync] = []
    var transport: TransportSpec { .folder(root.appendingPathComponent("shared")) }

    /// Creates `count` libraries; the first sets sync up, the others join through pairing codes.
    init(devices count: Int) async throws {
        for i in 0..<count {
            let library = try Library.open(at: root.appendingPathComponent("lib\(i)"), create: true)
            libraries.append(library)
            syncs.append(LibrarySync(library: library, keyDirectory: root.appendingPathComponent("keys\(i)")))
        }
        _ = try await syncs[0].initialize(transport: transport, deviceName: "device 0")
        for i in 1..<count { try await admit(i) }
    }

    /// Pairs device `i` through device 0.
    func admit(_ i: Int) async throws {
        let code = try await syncs[0].pair()
        _ = try await syncs[i].join(code: code, transport: transport, deviceName: "device \(i)")
        let admitted = try await syncs[0].run()
        #expect(admitted.admitted.count == 1)
        let joined = try await syncs[i].run()
        #expect(joined.joinedFingerprint == admitted.admitted.first?.fingerprint)
    }

    /// Every device runs sync, twice around, so everything reaches everyone.
    func syncAll() async throws {
        for _ in 0..<2 {
            for sync in syncs { try expectClean(try await sync.run()) }
        }
    }

    func expectClean(_ report: SyncRunReport, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(report.violations.isEmpty, "\(report.violations)", sourceLocation: sourceLocation)
    }

    func cleanup() { try? FileManager.default.removeItem(at: root) }
}

/// The synced state of a library as comparable text (everything a user can see that syncs).
func syncedState(_ library: Library) async throws -> [String] {
    try await library.database.read { db in
        var lines: [String] = []
        for row in try Row.fetchAll(db, sql: """
            SELECT id, status, prompt, seed, favorite, rating, trashed_at, image_hash, created_at, modified_at, parent_id
            FROM generation ORDER BY id
            """) { lines.append("generation \(row)") }
        lines += try String.fetchAll(db, sql: "SELECT 'image ' || hash || ' ' || width || 'x' || height FROM image WHERE hash IN (SELECT image_hash FROM generation) ORDER BY hash")
        lines += try String.fetchAll(db, sql: "SELECT 'album ' || id || ' ' || name FROM album ORDER BY id")
        lines += try String.fetchAll(db, sql: "SELECT 'album_item ' || album_id || ' ' || generation_id FROM album_item ORDER BY 1")
        lines += try String.fetchAll(db, sql: """
            SELECT 'tag ' || generation_id || ' ' || lower(tag.name) FROM generation_tag JOIN tag ON tag.id = tag_id ORDER BY 1
            """)
        lines += try String.fetchAll(db, sql: "SELECT 'setting ' || key || '=' || value FROM setting WHERE scope = 'synced' ORDER BY key")
        lines += try String.fetchAll(db, sql: "SELECT 'flag ' || id || ' ' || generation_id || ' ' || ifnull(cleared_at, '-') FROM safety_flag ORDER BY id")
        lines += try String.fetchAll(db, sql: "SELECT 'device ' || id || ' ' || name FROM device ORDER BY id")
        return lines
    }
}

@Suite(.serialized) struct SyncTests {
    @Test func pairEditOfflineConvergeJoinAndRevoke() async throws {
        let world = try await SyncWorld(devices: 2)
        defer { world.cleanup() }
        let (a, b) = (world.libraries[0], world.libraries[1])
        let imported = try await a.importImages(at: [fixturesFolder.appendingPathComponent("png/sample-sunset.png"),
                                                     fixturesFolder.appendingPathComponent("png/sample-sphere.png")])
        let ids = imported.outcomes.compactMap { if case .imported(_, let id, _) = $0 { return id } else { return nil } }
        #expect(ids.count == 2)
        try await world.syncAll()
        #expect(try await b.count(GalleryQuery()) == 2)

        // Offline edits on both sides, including the same field on both (last writer wins).
        _ = try await a.rate([ids[0]], 2)
        _ = try await b.rate([ids[0]], 5)
        _ = try await a.setFavorite([ids[1]], true)
        _ = try await b.addTags(["sea"], to: [ids[0]])
        _ = try await a.addToAlbum("Trips", [ids[0]], create: true)
        try await b.setSetting("generate.steps", value: "12")
        _ = try await a.trash([ids[1]])
        try await world.syncAll()
        let stateA = try await syncedState(a)
        #expect(stateA == (try await syncedState(b)))
        #expect(try await a.item(ids[0]).generation.rating == 5)
        #expect(try await a.setting("generate.steps")?.value == "12")

        // A third device joins and catches up, pictures included.
        let c = try Library.open(at: world.root.appendingPathComponent("lib2"), create: true)
        world.libraries.append(c)
        world.syncs.append(LibrarySync(library: c, keyDirectory: world.root.appendingPathComponent("keys2")))
        try await world.admit(2)
        try await world.syncAll()
        #expect(try await syncedState(c) == (try await syncedState(a)))
        let picture = try await c.item(ids[0])
        #expect(FileManager.default.fileExists(atPath: c.url(of: picture.image!.path).path))

        // Revoke the third device: it reads nothing written afterwards.
        let devices = try await world.syncs[0].devices()
        let third = try #require(devices.first { $0.name == "device 2" })
        try await world.syncs[0].revoke(device: third.id)
        _ = try await a.addTags(["after-revocation"], to: [ids[0]])
        try world.expectClean(try await world.syncs[0].run())
        try world.expectClean(try await world.syncs[1].run())
        #expect(try await b.tags().contains { $0.name == "after-revocation" })
        await #expect(throws: SyncFailure.revoked) { try await world.syncs[2].run() }
        #expect(try await !c.tags().contains { $0.name == "after-revocation" })
        // What the revoked device writes now is rejected by the others.
        _ = try await c.rate([ids[0]], 1)
        #expect(try await world.syncs[1].devices().first { $0.id == third.id }?.active == false)
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func randomEditsAndPartialSyncsConverge(seed: UInt64) async throws {
        var rng = SplitMix(seed: seed)
        let count = 2 + Int(seed % 4)   // 2 to 5 devices
        let world = try await SyncWorld(devices: count)
        defer { world.cleanup() }
        let samples = ["sample-sunset", "sample-sphere", "sample-rings", "sample-plasma"].map { fixturesFolder.appendingPathComponent("png/\($0).png") }
        let tags = ["red", "blue", "keeper"]
        let albums = ["Trips", "Best", "Later"]
        for round in 0..<40 {
            let device = Int(rng.next() % UInt64(count))
            let library = world.libraries[device]
            let ids = try await library.items(GalleryQuery(limit: 100)).map(\.id)
            let trashed = try await library.items({ var q = GalleryQuery(limit: 100); q.trashed = true; return q }()).map(\.id)
            let target = ids.isEmpty ? nil : ids[Int(rng.next() % UInt64(ids.count))]
            switch rng.next() % 12 {
            case 0, 1: _ = try? await library.importImage(at: samples[Int(rng.next() % 4)])
            case 2: if let target { _ = try await library.setFavorite([target], rng.next() % 2 == 0) }
            case 3: if let target { _ = try await library.rate([target], Int(rng.next() % 6)) }
            case 4: if let target { _ = try await library.addTags([tags[Int(rng.next() % 3)]], to: [target]) }
            case 5: if let target { _ = try? await library.removeTags([tags[Int(rng.next() % 3)]], from: [target]) }
            case 6: if let target { _ = try await library.addToAlbum(albums[Int(rng.next() % 3)], [target], create: true) }
            case 7: if let target { _ = try? await library.removeFromAlbum(albums[Int(rng.next() % 3)], [target]) }
            case 8: if let target { _ = try await library.trash([target]) }
            case 9: if let restore = trashed.first { _ = try await library.restore([restore]) } else { _ = try await library.emptyTrash() }
            case 10: try? await library.deleteAlbum(albums[Int(rng.next() % 3)])
            default: try await library.setSetting("generate.steps", value: "\(4 + rng.next() % 20)")
            }
            // A random subset of devices syncs (partial syncs, in random order).
            if round % 3 == 2 {
                for i in (0..<count).shuffled(using: &rng) where rng.next() % 2 == 0 {
                    try world.expectClean(try await world.syncs[i].run())
                }
            }
        }
        try await world.syncAll()
        let reference = try await syncedState(world.libraries[0])
        for library in world.libraries.dropFirst() {
            let state = try await syncedState(library)
            #expect(state == reference, "diverged: \(Set(state).symmetricDifference(reference).sorted().prefix(6))")
        }
        // Applying everything again changes nothing (idempotent).
        try await world.syncAll()
        #expect(try await syncedState(world.libraries[count - 1]) == reference)
    }

    @Test func tamperedTruncatedAndCrossLibraryEnvelopesAreRejectedAndApplyNothing() async throws {
        let world = try await SyncWorld(devices: 2)
        defer { world.cleanup() }
        let (a, b) = (world.libraries[0], world.libraries[1])
        try world.expectClean(try await world.syncs[0].run())
        try world.expectClean(try await world.syncs[1].run())
        _ = try await a.importImage(at: fixturesFolder.appendingPathComponent("png/sample-sunset.png"))
        try world.expectClean(try await world.syncs[0].run())
        let before = try await syncedState(b)

        let shared = world.root.appendingPathComponent("shared")
        let logFile = try #require(try newestLogFile(in: shared, writtenBy: world.syncs[0]))
        let original = try Data(contentsOf: logFile)
        for damaged in [original.flippingByte(at: original.count / 2), original.prefix(original.count / 2),
                        original.flippingByte(at: 40)] {
            try damaged.write(to: logFile)
            let report = try await world.syncs[1].run()
            #expect(!report.violations.isEmpty)
            #expect(try await syncedState(b) == before)
        }
        // An envelope of another library under the same name.
        let other = try await SyncWorld(devices: 1)
        defer { other.cleanup() }
        _ = try await other.libraries[0].importImage(at: fixturesFolder.appendingPathComponent("png/sample-sphere.png"))
        try other.expectClean(try await other.syncs[0].run())
        let foreign = try #require(try newestLogFile(in: other.root.appendingPathComponent("shared"), writtenBy: other.syncs[0], sequence: 1))
        try Data(contentsOf: foreign).write(to: logFile)
        #expect(!(try await world.syncs[1].run()).violations.isEmpty)
        #expect(try await syncedState(b) == before)

        // The genuine envelope restored: it applies.
        try original.write(to: logFile)
        try world.expectClean(try await world.syncs[1].run())
        #expect(try await b.count(GalleryQuery()) == 1)
    }

    @Test func interruptedPushResendsTheSameEnvelopeWithoutLossOrDuplicates() async throws {
        let world = try await SyncWorld(devices: 2)
        defer { world.cleanup() }
        let (a, b) = (world.libraries[0], world.libraries[1])
        try world.expectClean(try await world.syncs[0].run())
        try world.expectClean(try await world.syncs[1].run())
        _ = try await a.importImage(at: fixturesFolder.appendingPathComponent("png/sample-rings.png"))
        _ = try await a.addTags(["x"], to: [try await a.items(GalleryQuery()).first!.id])

        // The connection drops while the first envelope is being put (as if the process died).
        let faulty = LibrarySync(library: a, keyDirectory: world.root.appendingPathComponent("keys0")) { FailingPuts(base: $0) }
        await #expect(throws: (any Error).self) { try await faulty.run() }
        #expect(try await world.syncs[0].status().pendingChanges == 0)   // sealed into the outbox
        #expect(try newestLogFile(in: world.root.appendingPathComponent("shared"), writtenBy: world.syncs[0], sequence: 2) == nil)

        try world.expectClean(try await world.syncs[0].run())
        try world.expectClean(try await world.syncs[1].run())
        try world.expectClean(try await world.syncs[1].run())
        #expect(try await syncedState(a) == (try await syncedState(b)))
        #expect(try await b.count(GalleryQuery()) == 1)
        #expect(try await b.tags().map(\.name) == ["x"])
    }
}

/// A transport whose puts of log envelopes fail.
struct FailingPuts: SyncTransport {
    let base: any SyncTransport
    func put(_ object: Data, name: ObjectName) async throws {
        if case .log = SyncObjectName(name) { throw TransportError.io("connection lost") }
        try await base.put(object, name: name)
    }
    func list(after cursor: TransportCursor?) async throws -> TransportListing { try await base.list(after: cursor) }
    func get(_ name: ObjectName) async throws -> Data { try await base.get(name) }
}

/// The file of `sync`'s newest log envelope (or envelope `sequence`) in a folder transport.
func newestLogFile(in shared: URL, writtenBy sync: LibrarySync, sequence: Int? = nil) throws -> URL? {
    let device = try #require(try sync.library.database.read { db in try SyncChangeLog.deviceID(db) })
    let folder = shared.appendingPathComponent(device)
    let logs = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.contains("log~") }.sorted()
    let name = sequence.map { s in logs.first { $0.hasSuffix(String(format: "~%020d", s)) } } ?? logs.last
    return name.map { folder.appendingPathComponent($0) }
}

/// A small deterministic random number generator for the property tests.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Data {
    func flippingByte(at index: Int) -> Data {
        var copy = self
        copy[copy.startIndex + index] ^= 0x5A
        return copy
    }
}
