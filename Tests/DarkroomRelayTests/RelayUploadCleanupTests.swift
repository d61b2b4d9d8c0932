import DarkroomCrypto
import DarkroomRelay
import DarkroomSync
import Foundation
import Testing

/// Parts of a blob upload never committed are dropped after a day (docs/relay.md, "Orphaned blobs").
@Suite struct RelayUploadCleanupTests {
    @Test(arguments: RelayBackend.available)
    func partsOfAnAbandonedUploadAreDroppedAfterADay(backend: RelayBackend) async throws {
        try await withRelay(backend) { relay in
            let blob = SecureRandom.bytes(64 << 10)
            let name = blobName(blob)
            try await relay.storage.stagePart(blob.prefix(32 << 10), at: 0, name: name, in: relay.library)
            #expect(try await relay.storage.stagedPrefix(of: name, in: relay.library) == 32 << 10)
            let now = Int64(Date().timeIntervalSince1970)
            // Begun less than a day ago: kept.
            try await relay.storage.purgeStaleUploads(startedBefore: now - RelayConfiguration().staleUploadSeconds)
            #expect(try await relay.storage.stagedPrefix(of: name, in: relay.library) == 32 << 10)
            // A day later: dropped.
            try await relay.storage.purgeStaleUploads(startedBefore: now + 1)
            #expect(try await relay.storage.stagedPrefix(of: name, in: relay.library) == 0)
        }
    }
}
