import Foundation
import Testing
@testable import DarkroomSync

private let devA = DeviceID(rawValue: "aaaa")!
private let devB = DeviceID(rawValue: "bbbb")!

@Test func clockIsMonotonicWhenWallClockGoesBack() {
    var clock = HybridLogicalClock(device: devA)
    let t1 = clock.now(wallClockMs: 1000)
    let t2 = clock.now(wallClockMs: 900)   // wall clock stepped back
    let t3 = clock.now(wallClockMs: 1000)
    let t4 = clock.now(wallClockMs: 1001)
    #expect(t1 < t2 && t2 < t3 && t3 < t4)
    #expect(t2 == HLCTimestamp(physicalMs: 1000, counter: 1, device: devA))
    #expect(t4 == HLCTimestamp(physicalMs: 1001, counter: 0, device: devA))
}

@Test func receiveMovesPastRemoteReadings() throws {
    var a = HybridLogicalClock(device: devA)
    var b = HybridLogicalClock(device: devB)
    let fromB = b.now(wallClockMs: 5000)              // B's clock runs ahead
    let merged = try a.receive(fromB, wallClockMs: 1000)
    #expect(merged > fromB)
    #expect(merged == HLCTimestamp(physicalMs: 5000, counter: 1, device: devA))
    #expect(a.now(wallClockMs: 1200) > merged)       // stays ahead although A's wall clock is behind
    // Same physical time on both sides: counter is past both.
    var c = HybridLogicalClock(device: devA)
    _ = c.now(wallClockMs: 7000); _ = c.now(wallClockMs: 7000)   // counter 1
    let r = try c.receive(HLCTimestamp(physicalMs: 7000, counter: 5, device: devB), wallClockMs: 6000)
    #expect(r == HLCTimestamp(physicalMs: 7000, counter: 6, device: devA))
}

@Test func ties_breakByDevice() {
    let x = HLCTimestamp(physicalMs: 1, counter: 0, device: devA)
    let y = HLCTimestamp(physicalMs: 1, counter: 0, device: devB)
    #expect(x < y)
    #expect([y, x].sorted() == [x, y])
}

@Test func receiveRefusesClocksFarInTheFuture() throws {
    var a = HybridLogicalClock(device: devA, maximumDriftMs: 60_000)
    #expect(throws: SyncError.clockDrift(remoteMs: 200_000, localMs: 100_000, maximumMs: 60_000)) {
        try a.receive(HLCTimestamp(physicalMs: 200_000, counter: 0, device: devB), wallClockMs: 100_000)
    }
    #expect(throws: SyncError.self) { try a.receive(HLCTimestamp(physicalMs: 1, counter: .max, device: devB), wallClockMs: 1) }
    #expect(a.last.physicalMs == 0)  // nothing merged
}

@Test func clockRoundTripsThroughJSON() throws {
    var a = HybridLogicalClock(device: devA)
    _ = a.now(wallClockMs: 42)
    let decoded = try JSONDecoder().decode(HybridLogicalClock.self, from: JSONEncoder().encode(a))
    #expect(decoded == a)
}

@Test func identifiersAndNamesAreValidated() {
    #expect(DeviceID(rawValue: "Bad Id") == nil)
    #expect(DeviceID(rawValue: "") == nil)
    #expect(ObjectName(rawValue: "log/../x") == nil)
    #expect(ObjectName(rawValue: "a//b") == nil)
    #expect(ObjectName(rawValue: ".hidden") == nil)
    for bad in ["/log", "log/", "/", "log/.x", "log/a b", "log/é", "log\\x", String(repeating: "a", count: 256)] {
        #expect(ObjectName(rawValue: bad) == nil, "\(bad)")
    }
    #expect(ObjectName(rawValue: "a.b/c_d-9/Z") != nil)
    #expect(ObjectName(rawValue: "log/aaaa/00000000000000000001") != nil)
    let names: [SyncObjectName] = [.log(devA, sequence: 7), .checkpoint(devB, counter: 3),
                                   .blob(String(repeating: "ab", count: 32)), .keyring(version: 4, device: devA)]
    for n in names { #expect(SyncObjectName(n.objectName) == n) }
    #expect(SyncObjectName(ObjectName(rawValue: "log/aaaa/7")!) == nil)
}

@Test func counterNeverOverflows() throws {
    var a = HybridLogicalClock(device: devA)
    let r = try a.receive(HLCTimestamp(physicalMs: 50, counter: .max - 1, device: devB), wallClockMs: 10)
    #expect(r.counter == .max)
    let n = a.now(wallClockMs: 10)
    #expect(n == HLCTimestamp(physicalMs: 51, counter: 0, device: devA))
    #expect(n > r)
}

@Test func envelopeNamedSequenceZeroIsIgnoredSafely() throws {
    var f = try SyncFixture()
    let e = try f.nextEnvelope(f.a.id, "x")
    var verifier = LogVerifier(library: f.library)
    var report = PullReport()
    verifier.ingest([(logName("aaaa", 0), e.bytes)], listingOrder: [], keyring: f.keyring, into: &report)
    #expect(report.accepted.isEmpty)
    #expect(report.violations == [.swapped(logName("aaaa", 0), device: f.a.id, sequence: 1)])
}
