import DarkroomStore
@testable import DarkroomLibrarySync
import Foundation
import GRDB
import Testing

@Suite struct SyncChangeCodecTests {
    static let sample: [SyncChange] = [
        SyncChange(entity: .generation, key: "0b7a6f52-9a4e-4d3c-8f00-1c1d2e3f4a5b", field: "*", clock: SyncClock(physicalMs: 1_790_000_000_000, counter: 3),
                   device: "d1", values: ["prompt": "a red circle ✓".databaseValue, "seed": Int64(-7).databaseValue, "guidance": 4.5.databaseValue,
                                          "error": .null, "blob": Data([0, 1, 2, 255]).databaseValue]),
        SyncChange(entity: .tagItem, key: "g/sky", field: "present", clock: SyncClock(rawValue: 42), device: "d2",
                   values: ["present": true.databaseValue, "prompt": "shared column name".databaseValue]),
        SyncChange(entity: .album, key: "a", field: "-", clock: SyncClock(rawValue: 43), device: "d2"),
    ]

    @Test func roundTripsEveryValueType() throws {
        #expect(try SyncChangeCodec.decode(SyncChangeCodec.encode(Self.sample)) == Self.sample)
        #expect(try SyncChangeCodec.decode(SyncChangeCodec.encode([])) == [])
    }

    @Test func truncatedOrDamagedPayloadsAreRejectedWithoutCrashing() throws {
        let bytes = SyncChangeCodec.encode(Self.sample)
        for length in 0..<bytes.count {
            #expect(throws: SyncChangeCodec.MalformedPayload.self) { try SyncChangeCodec.decode(bytes.prefix(length)) }
        }
        #expect(throws: SyncChangeCodec.MalformedPayload.self) { try SyncChangeCodec.decode(bytes + Data([0])) }
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            var damaged = bytes
            damaged[Int.random(in: 0..<damaged.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
            _ = try? SyncChangeCodec.decode(damaged)   // may decode to other values, must never crash
        }
    }
}
