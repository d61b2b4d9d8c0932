import Foundation
import Testing
@testable import DarkroomStore

@Suite struct ImageFileStoreTests {
    @Test func writeIsAtomicAndSweepQuarantinesOnlyUnreferencedPictures() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let store = ImageFileStore(folder: folder.url)
        let keep = ImageFileStore.imagePath(hash: String(repeating: "a", count: 64))
        let orphan = ImageFileStore.imagePath(hash: String(repeating: "b", count: 64))
        try store.write(Data("keep".utf8), to: keep)
        try store.write(Data("orphan".utf8), to: orphan)
        try Data("half".utf8).write(to: folder.url.appendingPathComponent("tmp/dead.partial"))
        #expect(try Data(contentsOf: store.url(keep)) == Data("keep".utf8))
        let swept = store.sweep(keeping: [keep], quarantine: "20261207-000000")
        #expect(swept.quarantined == [orphan] && swept.removed == ["tmp/dead.partial"])
        #expect(FileManager.default.fileExists(atPath: store.url(keep).path))
        #expect(!FileManager.default.fileExists(atPath: store.url(orphan).path))
        // The unreferenced picture is kept, not deleted, until its quarantine expires.
        #expect(store.quarantinedPictures().map(\.lastPathComponent) == [URL(fileURLWithPath: orphan).lastPathComponent])
        #expect(store.purgeQuarantine(olderThan: Date().addingTimeInterval(-3600)) == 0)
        #expect(store.purgeQuarantine(olderThan: Date().addingTimeInterval(3600)) > 0)
        #expect(store.quarantinedPictures().isEmpty)
    }

    @Test func failedWriteLeavesNothingBehind() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let store = ImageFileStore(folder: folder.url)
        // A file where the shard folder should be makes the write fail.
        try Data().write(to: folder.url.appendingPathComponent("images"))
        #expect(throws: StoreError.self) { try store.write(Data("x".utf8), to: "images/aa/x.png") }
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: folder.url.appendingPathComponent("tmp").path)) ?? []
        #expect(leftovers.isEmpty)
    }

    @Test func fileLockExcludesOtherHolders() throws {
        let folder = try TemporaryFolder(); defer { folder.cleanup() }
        let path = folder.url.appendingPathComponent("locks/x.lock").path
        let shared1 = FileLock(path: path), shared2 = FileLock(path: path), exclusive = FileLock(path: path)
        #expect(try shared1.lock(exclusive: false, wait: false))
        #expect(try shared2.lock(exclusive: false, wait: false))
        #expect(try !exclusive.lock(exclusive: true, wait: false))
        shared1.unlock(); shared2.unlock()
        #expect(try exclusive.lock(exclusive: true, wait: false))
    }
}
