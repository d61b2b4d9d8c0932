import Foundation
import Testing
@testable import DarkroomStore

/// Stable ids are lowercase version-4 UUIDs, random and distinct.
@Suite struct StableIDTests {
    @Test func idsAreLowercaseVersion4UUIDs() throws {
        let ids = (0..<2_000).map { _ in StableID.make() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(200) {
            #expect(id.count == 36 && id == id.lowercased(), "\(id)")
            let parsed = try #require(UUID(uuidString: id))
            #expect(parsed.uuid.6 >> 4 == 4, "version nibble of \(id)")
            #expect(parsed.uuid.8 >> 6 == 0b10, "variant bits of \(id)")
        }
        // Every bit outside the fixed ones varies across many ids.
        let union = ids.compactMap(UUID.init(uuidString:)).reduce(into: [UInt8](repeating: 0, count: 16)) { acc, uuid in
            withUnsafeBytes(of: uuid.uuid) { for (i, b) in $0.enumerated() { acc[i] |= b } }
        }
        #expect(union[6] == 0x4F && union[8] == 0xBF && union.enumerated().allSatisfy { $0.offset == 6 || $0.offset == 8 || $0.element == 0xFF })
    }
}
