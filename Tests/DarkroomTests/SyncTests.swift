@testable import Darkroom
import DarkroomCrypto
import DarkroomRelay
@testable import DarkroomLibrarySync
import DarkroomStore
import DarkroomSync
import Foundation
import GRDB
import Logging
import Testing

/// Several libraries on one machine syncing through a real shared folder.
final class SyncWorld: @unchecked Sendable {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-sync-\(UUID().uuidString)")
    var libraries: [Library] = []
    var syncs: [LibrarySync] = []
    let transport: TransportSpec

    /// Creates `count` libraries; the first sets sync up, the others join through pairing codes.
    /// The transport is a shared folder unless `relay` (a running relay's base URL) is given.
    init(devices count: Int, relay: URL? = nil) async throws {
        transport = relay.map(TransportSpec.relay) ?? .folder(root.appendingPathComponent("shared"))
        for i in 0..<count {
            let library = try await Library.open(at: root.appendingPathComponent("lib\(i)"), create: true,
                                           keyDirectory: root.appendingPathComponent("keys\(i)"))
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
        // Later by the wall clock: the hybrid clocks count milliseconds, so two offline writes within the same
        // millisecond on two devices are concurrent (ordered by counter, then device id), not "last".
        try await Task.sleep(for: .milliseconds(5))
        _ = try await b.rate([ids[0]], 5)
        _ = try await a.setFavorite([ids[1]], true)
        _ = try await b.addTags(["sea"], to: [ids[0]])
        _ = try await a.addToAlbum(a.album(named: "Trips", creating: true).id, [ids[0]])
        try await b.setSetting("generate.steps", value: "12")
        _ = try await a.trash([ids[1]])
        try await world.syncAll()
        let stateA = try await syncedState(a)
        #expect(stateA == (try await syncedState(b)))
        #expect(try await a.item(ids[0]).generation.rating == 5)
        #expect(try await a.setting("generate.steps")?.value == "12")

        // A third device joins and catches up, pictures included.
        let c = try await Library.open(at: world.root.appendingPathComponent("lib2"), create: true)
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

    @Test(arguments: Array(1...6) as [UInt64])
    func randomEditsAndPartialSyncsConverge(seed: UInt64) async throws {
        try await Self.randomEditsConverge(seed: seed, relay: nil)
    }

    @Test func randomEditsConvergeThroughARealRelay() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-relay-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var logger = Logger(label: "sync-test-relay")
        logger.logLevel = .error
        let server = RelayServer(storage: try SQLiteRelayStorage(path: folder.appendingPathComponent("relay.sqlite").path), logger: logger)
        let running = try await server.start()
        defer { Task { try? await running.stop() } }
        try await Self.randomEditsConverge(seed: 3, relay: URL(string: "http://127.0.0.1:\(running.port)")!)
    }

    static func randomEditsConverge(seed: UInt64, relay: URL?) async throws {
        var rng = SplitMix(seed: seed)
        let count = 2 + Int(seed % 4)   // 2 to 5 devices
        let world = try await SyncWorld(devices: count, relay: relay)
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
            case 6: if let target { _ = try await library.addToAlbum(library.album(named: albums[Int(rng.next() % 3)], creating: true).id, [target]) }
            case 7: if let target { _ = try? await library.removeFromAlbum(library.album(named: albums[Int(rng.next() % 3)], creating: false).id, [target]) }
            case 8: if let target { _ = try await library.trash([target]) }
            case 9: if let restore = trashed.first { _ = try await library.restore([restore]) } else { _ = try await library.emptyTrash() }
            case 10: try? await library.deleteAlbum(library.album(named: albums[Int(rng.next() % 3)], creating: false).id)
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

    @Test func lazyPicturesSyncTheirRowsAndDownloadOnDemand() async throws {
        let world = try await SyncWorld(devices: 2)
        defer { world.cleanup() }
        let (a, b) = (world.libraries[0], world.libraries[1])
        try await b.setSetting("sync.pictures", value: "lazy", scope: .device)
        _ = try await a.importImages(at: [fixturesFolder.appendingPathComponent("png/sample-sunset.png"),
                                          fixturesFolder.appendingPathComponent("png/sample-rings.png")])
        try await world.syncAll()
        #expect(try await syncedState(b) == (try await syncedState(a)))
        let items = try await b.items(GalleryQuery())
        #expect(items.count == 2)
        for item in items { #expect(!FileManager.default.fileExists(atPath: b.url(of: item.image!.path).path)) }
        #expect(try await world.syncs[1].pendingPictures().count == 2)
        let doctor = try await b.doctor()
        #expect(doctor.notDownloaded == 2 && doctor.missingFiles.isEmpty)

        // One on demand, then the rest when the device switches to eager.
        #expect(try await world.syncs[1].fetchPictures([items[0].image!.hash]) == 1)
        let fetched = try Data(contentsOf: b.url(of: items[0].image!.path))
        #expect(ContentHash.sha256Hex(fetched) == items[0].image!.hash)
        #expect(FileManager.default.fileExists(atPath: b.url(of: try await b.item(items[0].id).image!.thumbnailPath!).path))
        try await b.setSetting("sync.pictures", value: "eager", scope: .device)
        let report = try await world.syncs[1].run()
        #expect(report.downloadedBlobs == 1)
        #expect(try await world.syncs[1].pendingPictures().isEmpty)
        #expect(try await b.doctor().isHealthy)
    }

    @Test func passphraseProtectedKeysNeedThePassphraseAndWriteNoKeyFile() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-pass-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let library = try await Library.open(at: root.appendingPathComponent("lib"), create: true)
        let keys = root.appendingPathComponent("keys")
        let transport = TransportSpec.folder(root.appendingPathComponent("shared"))
        _ = try await LibrarySync(library: library, keyDirectory: keys, passphrase: "correct horse").initialize(transport: transport, deviceName: "p")
        let keyFiles = (try? FileManager.default.contentsOfDirectory(atPath: keys.path)) ?? []
        #expect(keyFiles.isEmpty)
        let report = try await LibrarySync(library: library, keyDirectory: keys, passphrase: "correct horse").run()
        #expect(report.violations.isEmpty)
        await #expect(throws: SyncFailure.self) { try await LibrarySync(library: library, keyDirectory: keys).run() }
        await #expect(throws: SyncFailure.self) { try await LibrarySync(library: library, keyDirectory: keys, passphrase: "wrong").run() }
        // The passphrase never appears in the database.
        let dump = try Data(contentsOf: root.appendingPathComponent("lib/library.sqlite"))
        #expect(dump.range(of: Data("correct horse".utf8)) == nil)
    }

    @Test func recoveryWordsRebuildALostDeviceThatContinuesItsLog() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-recover-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let transport = TransportSpec.folder(root.appendingPathComponent("shared"))
        func device(_ name: String) async throws -> (Library, LibrarySync) {
            let library = try await Library.open(at: root.appendingPathComponent(name), create: true)
            return (library, LibrarySync(library: library, keyDirectory: root.appendingPathComponent("keys-\(name)")))
        }
        let (lost, lostSync) = try await device("lost")
        let setup = try await lostSync.initialize(transport: transport, deviceName: "old phone")
        _ = try await lost.importImage(at: fixturesFolder.appendingPathComponent("png/sample-sphere.png"))
        #expect(try await lostSync.run().violations.isEmpty)

        let (new, newSync) = try await device("new")
        await #expect(throws: (any Error).self) {
            try await LibrarySync(library: try await Library.open(at: root.appendingPathComponent("wrong"), create: true),
                                  keyDirectory: root.appendingPathComponent("keys-wrong"))
                .recover(words: RecoveryWords.encode(SymmetricKey()).joined(separator: " "), transport: transport)
        }
        _ = try await newSync.recover(words: setup.recoveryWords.joined(separator: " "), transport: transport, libraryID: setup.library)
        #expect(try await newSync.run().violations.isEmpty)
        #expect(try await new.count(GalleryQuery()) == 1)
        // It writes on as the same device, after the envelopes it had written before.
        _ = try await new.setFavorite([try await new.items(GalleryQuery()).first!.id], true)
        let report = try await newSync.run()
        #expect(report.violations.isEmpty && report.sentEnvelopes == 1)
        let (third, thirdSync) = try await device("third")
        _ = try await thirdSync.join(code: try await newSync.pair(), transport: transport, deviceName: "tablet")
        _ = try await newSync.run()
        #expect(try await thirdSync.run().violations.isEmpty)
        #expect(try await newSync.run().violations.isEmpty)   // receives the tablet's name
        #expect(try await syncedState(third) == (try await syncedState(new)))
        #expect(try await third.items(GalleryQuery()).first?.generation.favorite == true)
    }

    @Test(arguments: ["keyring/", "welcome/"])
    func admissionInterruptedBeforeItsObjectsAreWrittenCompletesOnTheNextRun(failing prefix: String) async throws {
        let world = try await SyncWorld(devices: 1)
        defer { world.cleanup() }
        let b = try await Library.open(at: world.root.appendingPathComponent("lib1"), create: true)
        let syncB = LibrarySync(library: b, keyDirectory: world.root.appendingPathComponent("keys1"))
        _ = try await syncB.join(code: try await world.syncs[0].pair(), transport: world.transport, deviceName: "b")
        let faulty = LibrarySync(library: world.libraries[0], keyDirectory: world.root.appendingPathComponent("keys0")) {
            FailingPuts(base: $0, fails: { $0.rawValue.hasPrefix(prefix) })
        }
        await #expect(throws: (any Error).self) { try await faulty.run() }
        await #expect(throws: SyncFailure.waitingForAdmission) { try await syncB.run() }
        let admitted = try await world.syncs[0].run()
        #expect(admitted.violations.isEmpty)
        let joined = try await syncB.run()
        #expect(joined.joinedFingerprint != nil && joined.violations.isEmpty)
        #expect(try await syncB.devices().count == 2)
    }

    @Test func tombstonesAreCollectedOnlyOnceEveryActiveDeviceAcknowledgedThem() async throws {
        let world = try await SyncWorld(devices: 3)
        defer { world.cleanup() }
        let a = world.libraries[0]
        guard case .imported(_, let id, _) = try await a.importImage(at: fixturesFolder.appendingPathComponent("png/sample-plasma.png")) else {
            Issue.record("import failed"); return
        }
        try await world.syncAll()
        _ = try await a.trash([id])
        #expect(try await a.emptyTrash() == 1)
        func tombstones(_ i: Int) async throws -> Int {
            try await world.libraries[i].database.read { db in try SyncChangeLog.tombstoneCount(db) }
        }
        // Device 2 stays offline: nobody may forget the delete.
        for _ in 0..<3 {
            try world.expectClean(try await world.syncs[0].run())
            try world.expectClean(try await world.syncs[1].run())
        }
        let (kept0, kept1) = (try await tombstones(0), try await tombstones(1))
        #expect(kept0 == 1 && kept1 == 1)
        #expect(try await world.libraries[1].count(GalleryQuery()) == 0)
        // Once it has synced and its checkpoint is seen, every device collects the tombstone.
        try await world.syncAll()
        try await world.syncAll()
        for i in 0..<3 { #expect(try await tombstones(i) == 0, "device \(i)") }
        #expect(try await world.libraries[2].count(GalleryQuery()) == 0)
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

    @Test func aCheckpointStoredWhoseReplyWasLostIsSentAgainUnchanged() async throws {
        let world = try await SyncWorld(devices: 2)
        defer { world.cleanup() }
        try world.expectClean(try await world.syncs[0].run())
        _ = try await world.libraries[0].importImage(at: fixturesFolder.appendingPathComponent("png/sample-rings.png"))

        // The transport stores the checkpoint, then the reply is lost (or the process is killed).
        let lossy = LibrarySync(library: world.libraries[0], keyDirectory: world.root.appendingPathComponent("keys0")) {
            FailingPuts(base: $0, storesFirst: true) { if case .checkpoint = SyncObjectName($0) { return true } else { return false } }
        }
        await #expect(throws: (any Error).self) { try await lossy.run() }

        // A change before the next run moves the log's head, so a checkpoint made afresh would differ
        // from the stored one; the next ordinary runs finish clean all the same.
        _ = try await world.libraries[0].addTags(["after"], to: [try await world.libraries[0].items(GalleryQuery()).first!.id])
        try world.expectClean(try await world.syncs[0].run())
        try world.expectClean(try await world.syncs[1].run())
        try world.expectClean(try await world.syncs[0].run())
        #expect(try await world.libraries[1].tags().map(\.name) == ["after"])
    }
}

/// A transport whose puts of some objects (by default, log envelopes) fail.
struct FailingPuts: SyncTransport {
    let base: any SyncTransport
    /// Whether the object is stored before the failure (the reply, not the request, was lost).
    var storesFirst = false
    var fails: @Sendable (ObjectName) -> Bool = { if case .log = SyncObjectName($0) { return true } else { return false } }
    func put(_ object: Data, name: ObjectName) async throws {
        if storesFirst { try await base.put(object, name: name) }
        if fails(name) { throw TransportError.io("connection lost") }
        if !storesFirst { try await base.put(object, name: name) }
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
