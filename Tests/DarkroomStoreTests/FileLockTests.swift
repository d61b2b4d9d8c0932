import DarkroomStore
import Foundation
import Testing

/// `FileLock.lock(exclusive:)` waits for a lock held elsewhere without blocking Swift's cooperative pool.
@Suite struct FileLockTests {
    @Test func waitersForAHeldLockLeaveThePoolFreeAndAllGetItInTurn() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-lock-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("files.lock").path
        let holder = FileLock(path: path)   // another open file: flock conflicts as with another process
        try holder.lock(exclusive: true, wait: false)

        // More waiters than the pool has threads: blocking waits would leave none for other tasks.
        let waiters = ProcessInfo.processInfo.activeProcessorCount * 4
        let acquired = Counter()
        let group = Task {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for _ in 0..<waiters {
                    tasks.addTask {
                        let lock = FileLock(path: path)
                        try await lock.lock(exclusive: true)
                        acquired.add()
                        lock.unlock()
                    }
                }
                try await tasks.waitForAll()
            }
        }
        // While they wait, other tasks still run.
        try await Task.sleep(for: .milliseconds(200))
        let other = Task { 21 * 2 }
        #expect(await other.value == 42)
        #expect(acquired.value == 0)

        holder.unlock()
        try await group.value
        #expect(acquired.value == waiters)
    }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func add() { lock.withLock { count += 1 } }
        var value: Int { lock.withLock { count } }
    }
}
