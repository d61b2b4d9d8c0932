import DarkroomCrypto
import DarkroomSync
import Foundation
import Testing
@testable import DarkroomRelay

extension RelayTests {
    /// What a relay process keeps in memory: recently served small objects (both back ends) and
    /// device records (SQLite).
    @Suite struct RelayCacheTests {
        @Test(arguments: RelayBackend.available)
        func smallObjectsAreServedFromMemoryWithTheSameBytesAndRanges(backend: RelayBackend) async throws {
            try await withRelay(backend) { relay in
                let metrics = relay.server.metrics
                let e = try relay.nextEnvelope(relay.a.id, "an envelope")
                try await relay.transport(relay.a).put(e.bytes, name: e.name)
                let before = metrics.objectCache
                let b = relay.transport(relay.b), c = relay.transport(relay.c)
                #expect(try await b.get(e.name) == e.bytes)
                #expect(try await c.get(e.name) == e.bytes)
                #expect(try await b.get(e.name) == e.bytes)
                #expect(metrics.objectCache.misses == before.misses + 1)
                #expect(metrics.objectCache.hits == before.hits + 2)

                // A range of an object held in memory: the same answer as from storage.
                let path = "/v1/libraries/\(relay.library)/objects/\(e.name)"
                var headers = RelayHarness.signedHeaders("GET", path, by: relay.b)
                headers.append(("Range", "bytes=10-19"))
                let part = try await relay.raw("GET", path, headers: headers)
                #expect(part.status == 206)
                #expect(part.body == String(decoding: e.bytes[e.bytes.startIndex + 10 ..< e.bytes.startIndex + 20], as: UTF8.self))
                #expect(part.headers.contains { $0.0 == "Content-Range" && $0.1 == "bytes 10-19/\(e.bytes.count)" })

                // Objects over 64 KiB are always read from storage.
                let big = Data((0..<(100 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 7) })
                try await relay.transport(relay.a).put(big, name: blobName(big))
                let beforeBig = metrics.objectCache
                #expect(try await b.get(blobName(big)) == big)
                #expect(try await c.get(blobName(big)) == big)
                #expect(metrics.objectCache.hits == beforeBig.hits)
                #expect(metrics.objectCache.misses == beforeBig.misses + 2)

                // A refused request learns nothing from memory either.
                let stranger = DeviceIdentity(name: "", id: DeviceID.random())
                await #expect(throws: TransportError.self) { try await relay.transport(stranger).get(e.name) }
            }
        }

        @Test func recentObjectsStayWithinTheirCapacity() {
            let library = LibraryID.random()
            func object(_ size: Int) -> RecentObjectCache.Object {
                let bytes = Data(repeating: 1, count: size)
                return .init(info: RelayObjectInfo(size: Int64(size), digest: RelayStorageSupport.digest(bytes)), bytes: bytes)
            }
            func name(_ i: Int) -> ObjectName { ObjectName(rawValue: "log/x/\(i)")! }
            let cache = RecentObjectCache(capacityBytes: 1 << 20)
            for i in 0..<200 { cache.insert(object(10_000), name: name(i), in: library) }
            #expect(cache.heldBytes <= (1 << 20) + RecentObjectCache.maxObjectBytes)
            #expect(cache.object(name(199), in: library)?.bytes.count == 10_000)
            #expect(cache.object(name(0), in: library) == nil)
            #expect(cache.object(name(199), in: LibraryID.random()) == nil)
            // 52 entries of 10,256 counted bytes fill a half: 104-155 are the older half now,
            // 156-199 the newer. An entry of the older half, once asked for, survives the next
            // turnover (after 7 more); the others of its half do not.
            #expect(cache.object(name(120), in: library) != nil)
            for i in 200..<210 { cache.insert(object(10_000), name: name(i), in: library) }
            #expect(cache.object(name(120), in: library) != nil)
            #expect(cache.object(name(110), in: library) == nil)
            #expect(cache.object(name(199), in: library) != nil)
            // Too large, or a part of an object: never kept. Capacity 0: nothing kept.
            cache.insert(object(RecentObjectCache.maxObjectBytes + 1), name: name(1000), in: library)
            #expect(cache.object(name(1000), in: library) == nil)
            var partial = object(100)
            partial.info.size = 200
            cache.insert(partial, name: name(1001), in: library)
            #expect(cache.object(name(1001), in: library) == nil)
            let off = RecentObjectCache(capacityBytes: 0)
            off.insert(object(10), name: name(1), in: library)
            #expect(off.object(name(1), in: library) == nil)
            #expect(!off.accepts(size: 10))
        }

        @Test func aDeviceRecordReadDuringAChangeIsNotKept() throws {
            let cache = DeviceRecordCache()
            let library = LibraryID.random(), device = DeviceID.random()
            let active = RelayDeviceRecord(device: device, signingKey: DeviceIdentity(name: "", id: device).card.signingKey, active: true)
            var reads = 0
            // The read saw the old record while a revocation committed: not kept.
            #expect(try cache.record(device, in: library) { reads += 1; cache.invalidate(); return active } == active)
            #expect(try cache.record(device, in: library) { reads += 1; return nil } == nil)
            #expect(reads == 2)
            // Kept (a non-member too) until the next change.
            #expect(try cache.record(device, in: library) { reads += 1; return active } == nil)
            #expect(reads == 2)
            cache.invalidate()
            #expect(try cache.record(device, in: library) { reads += 1; return active } == active)
            #expect(try cache.record(device, in: library) { reads += 1; return nil } == active)
            #expect(reads == 3)
        }
    }
}
