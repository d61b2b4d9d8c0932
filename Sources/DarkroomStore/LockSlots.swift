#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A fixed pool of lock files in one folder (`slot-0` … `slot-63`), each held by at most one holder at a
/// time and carrying a short note: the id of the job a process runs, or the paths of the pictures a
/// writer is about to commit.
///
/// The same files serve job after job. Creating and deleting a lock file per job made the file system
/// allocate a fresh inode each time, which on ext4 without a journal (it skips recently deleted inodes)
/// was a third of the queue's per-job cost. A holder that dies releases its `flock(2)` with its process,
/// and its note stays behind for the next process to read.
public struct LockSlots: Sendable {
    /// The folder holding the slot files.
    public let directory: URL
    /// How many slots there are: the most holders at once.
    public let count: Int

    /// The slots in `directory`.
    public init(directory: URL, count: Int = 64) {
        self.directory = directory
        self.count = count
    }

    /// A held slot; ``release()`` clears its note and frees it (dropping it frees it too, note kept).
    public final class Slot: @unchecked Sendable {
        // Unchecked: the lock serialises its own state; `index` never changes.
        /// Which slot.
        public let index: Int
        let lock: FileLock

        init(index: Int, lock: FileLock) {
            self.index = index
            self.lock = lock
        }

        /// Replaces the note (the slot stays held).
        public func update(note: String) throws { try lock.writeNote(note) }

        /// Empties the note and frees the slot.
        public func release() {
            try? lock.writeNote("")
            lock.unlock()
        }
    }

    func path(_ index: Int) -> String { directory.appendingPathComponent("slot-\(index)").path }

    /// Takes the first free slot and writes `note` into it. Waits on the last slot when all are taken.
    ///
    /// With `keepingAbandoned`, a free slot whose note a dead holder left is skipped, so the note survives
    /// until ``abandonedNotes()`` is dealt with (the pending-write journal needs that; job ids do not).
    public func acquire(note: String, keepingAbandoned: Bool = false) throws -> Slot {
        for index in 0..<count {
            let lock = FileLock(path: path(index))
            let last = index == count - 1
            if try lock.lock(exclusive: true, wait: last) {
                if keepingAbandoned, !last, let left = FileLock.readNote(path(index)), !left.isEmpty {
                    lock.unlock()
                    continue
                }
                do {
                    try lock.writeNote(note)
                } catch {
                    lock.unlock()
                    throw error
                }
                return Slot(index: index, lock: lock)
            }
        }
        preconditionFailure("the last slot is waited for")
    }

    /// The notes of the slots held right now by live holders.
    public func heldNotes() throws -> [String] {
        try (0..<count).compactMap { index in
            guard FileManager.default.fileExists(atPath: path(index)) else { return nil }
            let probe = FileLock(path: path(index))
            if try probe.lock(exclusive: true, wait: false) {
                probe.unlock()
                return nil
            }
            return FileLock.readNote(path(index))
        }
    }

    /// The non-empty notes of slots no live holder has (left by holders that died), with their index.
    public func abandonedNotes() throws -> [(index: Int, note: String)] {
        try (0..<count).compactMap { index in
            guard let note = FileLock.readNote(path(index)), !note.isEmpty else { return nil }
            let probe = FileLock(path: path(index))
            guard try probe.lock(exclusive: true, wait: false) else { return nil }
            defer { probe.unlock() }
            return (index, note)
        }
    }

    /// Empties the note of slot `index` when no one holds it (after an abandoned note was dealt with).
    public func clear(_ index: Int) throws {
        let probe = FileLock(path: path(index))
        guard try probe.lock(exclusive: true, wait: false) else { return }
        defer { probe.unlock() }
        try probe.writeNote("")
    }
}
