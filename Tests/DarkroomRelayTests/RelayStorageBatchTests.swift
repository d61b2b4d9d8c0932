import DarkroomSync
import Foundation
import Testing
@testable import DarkroomRelay

extension RelayTests {
    /// Device records read for concurrent requests in shared statements (`StorageBatcher`,
    /// PostgreSQL; SQLite reads them through its cache): every request gets its own device's
    /// record, of its own library, however the requests fall into batches.
    @Suite struct RelayStorageBatchTests {
        @Test(arguments: RelayBackend.available)
        func concurrentDeviceReadsEachGetTheirOwnRecord(backend: RelayBackend) async throws {
            let (storage, close) = try backend.openStorage()
            defer { close() }
            try await storage.prepare()
            // Two libraries with five devices each, the last of each revoked; the same device
            // id in both libraries with different keys.
            let shared = DeviceID.random()
            var expected: [DeviceKey: RelayDeviceRecord] = [:]
            for l in 0..<2 {
                let library = LibraryID.random()
                let devices = [shared] + (0..<4).map { _ in DeviceID.random() }
                let records = devices.enumerated().map { i, device in
                    RelayDeviceRecord(device: device, signingKey: DeviceIdentity(name: "", id: device).card.signingKey, active: i != 4)
                }
                let membership = SyncObjectName.membership(version: 1).objectName
                #expect(try await storage.createLibrary(library, membershipName: membership, bytes: Data("membership \(l)".utf8), devices: records))
                for record in records { expected[DeviceKey(device: record.device, library: library)] = record }
            }
            let strangers = (0..<5).map { _ in DeviceKey(device: .random(), library: expected.keys.first!.library) }
            let asks = (Array(expected.keys) + strangers).flatMap { [$0, $0, $0] }.shuffled()
            let answers = try await withThrowingTaskGroup(of: (DeviceKey, RelayDeviceRecord?).self) { group in
                for key in asks { group.addTask { (key, try await storage.device(key.device, in: key.library)) } }
                var all: [(DeviceKey, RelayDeviceRecord?)] = []
                for try await answer in group { all.append(answer) }
                return all
            }
            #expect(answers.count == asks.count)
            for (key, record) in answers { #expect(record == expected[key], "\(key)") }
            #expect(answers.filter { $0.1 == nil }.count == strangers.count * 3)
        }
    }
}
