#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// An advisory `flock(2)` lock on a file, released when the holder closes it or its process dies.
///
/// The library uses two kinds:
/// - `LIBRARY/locks/files.lock`, held *shared* by every writer from the moment it
///   writes a picture file until its database commit, and *exclusively* by the
///   orphan sweep, which therefore never removes a file another process is about to commit;
/// - the job slots `LIBRARY/locks/jobs/slot-N` (``LockSlots``), one held by each process running a job
///   with the job's id as its note, so a later process can tell a job that is really running from one
///   whose process was killed.
public final class FileLock: @unchecked Sendable {
    /// The lock file.
    public let path: String
    private var descriptor: Int32 = -1
    private let mutex = NSLock()

    /// A lock on the file at `path` (created when first locked).
    public init(path: String) { self.path = path }

    deinit { unlock() }

    /// Takes the lock, waiting for it when `wait` is true. Returns false if it is held elsewhere (and `wait` is false).
    @discardableResult
    public func lock(exclusive: Bool, wait: Bool) throws -> Bool {
        mutex.lock(); defer { mutex.unlock() }
        if descriptor < 0 {
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent,
                                                    withIntermediateDirectories: true)
            descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
            if descriptor < 0 { throw POSIXFailure.current("open \(path)") }
        }
        var operation = exclusive ? LOCK_EX : LOCK_SH
        if !wait { operation |= LOCK_NB }
        while flock(descriptor, operation) != 0 {
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK { return false }
            throw POSIXFailure.current("flock \(path)")
        }
        return true
    }

    /// Takes the lock, waiting as long as it is held elsewhere, without blocking a thread of Swift's
    /// cooperative pool: a free lock is taken at once; a wait runs on a thread of its own, which ends
    /// once the lock is taken (so tasks waiting for a library another process sweeps cannot starve
    /// the pool that every other task runs on).
    public func lock(exclusive: Bool) async throws {
        if try lock(exclusive: exclusive, wait: false) { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let waiter = Thread {
                do {
                    try self.lock(exclusive: exclusive, wait: true)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            waiter.name = "darkroom.file-lock"
            waiter.start()
        }
    }

    /// Replaces the lock file's contents with `note` (the lock must be held; see ``LockSlots``).
    public func writeNote(_ note: String) throws {
        mutex.lock(); defer { mutex.unlock() }
        guard descriptor >= 0 else { throw POSIXFailure(operation: "write \(path): not locked", code: EBADF) }
        let bytes = Array(note.utf8)
        if ftruncate(descriptor, 0) != 0 { throw POSIXFailure.current("truncate \(path)") }
        let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
        if written != bytes.count { throw POSIXFailure.current("write \(path)") }
    }

    /// The contents of the lock file at `path`, or nil when it does not exist or cannot be read.
    public static func readNote(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Releases the lock (closing the descriptor).
    public func unlock() {
        mutex.lock(); defer { mutex.unlock() }
        if descriptor >= 0 { close(descriptor); descriptor = -1 }
    }
}

/// A failed POSIX call: the operation and `errno`, with the C library's message.
public struct POSIXFailure: Error, CustomStringConvertible, Sendable {
    /// What was being done.
    public var operation: String
    /// The `errno` value.
    public var code: Int32

    /// The failure for the current `errno`.
    public static func current(_ operation: String) -> POSIXFailure { POSIXFailure(operation: operation, code: errno) }

    /// True for "no space left" style failures (ENOSPC, EFBIG, EDQUOT).
    public var isDiskFull: Bool { code == ENOSPC || code == EFBIG || code == EDQUOT }

    public var description: String { "\(operation): \(String(cString: strerror(code)))" }
}
