import DarkroomCrypto
import Foundation
@testable import DarkroomSync

/// A library with devices A (founder), B and C, each with a log writer and a clock.
struct SyncFixture {
    var a = DeviceIdentity(name: "phone", id: DeviceID(rawValue: "aaaa")!)
    var b = DeviceIdentity(name: "tablet", id: DeviceID(rawValue: "bbbb")!)
    var c = DeviceIdentity(name: "laptop", id: DeviceID(rawValue: "cccc")!)
    var keyring: LibraryKeyring
    var writers: [DeviceID: LogWriter] = [:]
    var clocks: [DeviceID: HybridLogicalClock] = [:]

    init() throws {
        var k = try LibraryKeyring.create(library: LibraryID(rawValue: "lib-1")!, founder: a)
        k = try k.admitting(b.card, by: a)
        k = try k.admitting(c.card, by: a)
        keyring = k
        for d in [a, b, c] {
            writers[d.id] = LogWriter(library: k.library, device: d.id)
            clocks[d.id] = HybridLogicalClock(device: d.id)
        }
    }

    var library: LibraryID { keyring.library }

    func identity(_ id: DeviceID) -> DeviceIdentity { [a, b, c].first { $0.id == id }! }

    /// Seals the next envelope of `device`'s log without storing it anywhere.
    mutating func nextEnvelope(_ device: DeviceID, _ payload: String, keyring override: LibraryKeyring? = nil) throws -> (name: ObjectName, bytes: Data) {
        let clock = clocks[device]!.now(wallClockMs: 1_700_000_000_000)
        return try writers[device]!.append(Data(payload.utf8), clock: clock, keyring: override ?? keyring, identity: identity(device))
    }

    /// Writes `count` envelopes of `device` into `transport`; returns their names.
    @discardableResult
    mutating func write(_ count: Int, from device: DeviceID, to transport: some SyncTransport) async throws -> [ObjectName] {
        var names: [ObjectName] = []
        for i in 0..<count {
            let e = try nextEnvelope(device, "\(device)-change-\(writers[device]!.head.sequence + 1)-\(i)")
            try await transport.put(e.bytes, name: e.name)
            names.append(e.name)
        }
        return names
    }
}

func logName(_ device: String, _ seq: UInt64) -> ObjectName {
    SyncObjectName.log(DeviceID(rawValue: device)!, sequence: seq).objectName
}

extension PullReport {
    /// Accepted (device, sequence) pairs, in order.
    var acceptedSequences: [String] { accepted.map { "\($0.header.device)#\($0.header.sequence)" } }
}

extension Data {
    /// A copy with one bit flipped at `index`.
    func flippingBit(at index: Int) -> Data {
        var copy = self
        copy[copy.startIndex + index] ^= 0x01
        return copy
    }
}
