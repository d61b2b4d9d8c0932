import Darkroom
import DarkroomStore
import DarkroomSync
import Foundation
import Testing

/// What one reader sees of a transport that hides chosen objects from it alone (the others see
/// everything): a relay operator hiding a device's latest edits from one other device.
private struct HidingTransport: SyncTransport {
    let base: any SyncTransport
    let hides: @Sendable (ObjectName) -> Bool

    func put(_ object: Data, name: ObjectName) async throws { try await base.put(object, name: name) }
    func list(after cursor: TransportCursor?) async throws -> TransportListing {
        var page = try await base.list(after: cursor)
        page.names.removeAll(where: hides)
        return page
    }
    func get(_ name: ObjectName) async throws -> Data {
        if hides(name) { throw TransportError.notFound(name) }
        return try await base.get(name)
    }
    func contains(_ name: ObjectName) async throws -> Bool { hides(name) ? false : try await base.contains(name) }
}

@Suite(.serialized) struct SelectiveHidingTests {
    /// Names of device `device`'s log objects from `sequence` on.
    static func log(of device: String, from sequence: UInt64) -> @Sendable (ObjectName) -> Bool {
        { name in
            guard case .log(let d, let s) = SyncObjectName(name) else { return false }
            return d.rawValue == device && s >= sequence
        }
    }

    @Test func aTransportHidingOneDevicesNewestEnvelopeFromOneOtherDeviceIsCaught() async throws {
        let world = try await SyncWorld(devices: 3)
        defer { world.cleanup() }
        let (a, b) = (world.libraries[0], world.libraries[1])
        _ = try await a.importImages(at: [fixturesFolder.appendingPathComponent("png/sample-rings.png")])
        try await world.syncAll()
        var newestQuery = GalleryQuery(limit: 1)
        newestQuery.includeFlagged = true
        let id = try #require(try await a.items(newestQuery).first?.generation.id)
        let deviceA = try await world.syncs[0].status().device
        let newest = try await world.syncs[0].status().logHeads[deviceA] ?? 0
        // A's next envelopes are hidden from B only; C sees them.
        let hiding = LibrarySync(library: b, keyDirectory: world.root.appendingPathComponent("keys1"),
                                 interposer: { HidingTransport(base: $0, hides: Self.log(of: deviceA, from: newest + 1)) })
        _ = try await a.setFavorite([id], true)
        try world.expectClean(try await world.syncs[0].run())
        try world.expectClean(try await world.syncs[2].run())   // C checkpoints what it verified
        try world.expectClean(try await world.syncs[0].run())   // A checkpoints again
        let report = try await hiding.run()
        #expect(report.violations.contains { if case .withheld = $0 { return true } else { return false } }, "\(report.detections)")
        #expect(try await b.item(id).generation.favorite == false)

        // Hiding an envelope B already verified: caught by the freshness check.
        try await world.syncAll()
        let verified = try await world.syncs[0].status().logHeads[deviceA] ?? 0
        let hidingVerified = LibrarySync(library: b, keyDirectory: world.root.appendingPathComponent("keys1"),
                                         interposer: { HidingTransport(base: $0, hides: Self.log(of: deviceA, from: verified)) })
        let again = try await hidingVerified.run()
        #expect(again.violations.contains { if case .headMissing = $0 { return true } else { return false } }, "\(again.detections)")
    }

    @Test func aNewDeviceShownAnOlderStateThanItsAdmitterVerifiedCatchesIt() async throws {
        let world = try await SyncWorld(devices: 1)
        defer { world.cleanup() }
        let a = world.libraries[0]
        _ = try await a.importImages(at: [fixturesFolder.appendingPathComponent("png/sample-rings.png")])
        try world.expectClean(try await world.syncs[0].run())
        let deviceA = try await world.syncs[0].status().device
        // The new device's view of the transport lacks A's log and checkpoints (a relay showing it
        // the library as it was before A wrote anything): only what A said in the welcome tells.
        let newcomer = try await Library.open(at: world.root.appendingPathComponent("newcomer"), create: true)
        let hidesLog = Self.log(of: deviceA, from: 1)
        let hides: @Sendable (ObjectName) -> Bool = { name in
            if hidesLog(name) { return true }
            if case .checkpoint(let d, _) = SyncObjectName(name) { return d.rawValue == deviceA }
            return false
        }
        let sync = LibrarySync(library: newcomer, keyDirectory: world.root.appendingPathComponent("keys-new"),
                               interposer: { HidingTransport(base: $0, hides: hides) })
        let code = try await world.syncs[0].pair()
        _ = try await sync.join(code: code, transport: world.transport, deviceName: "newcomer")
        try world.expectClean(try await world.syncs[0].run())
        let first = try await sync.run()
        #expect(first.joinedFingerprint != nil)
        #expect(first.violations.contains { if case .withheld(let d, _, _, _) = $0 { return d.rawValue == deviceA } else { return false } },
                "\(first.detections)")
    }
}
