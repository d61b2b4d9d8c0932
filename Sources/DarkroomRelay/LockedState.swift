import Foundation

/// A value that every request touches briefly (counters, token buckets, test-mode switches),
/// guarded by a lock.
///
/// On the request path this is cheaper than an actor: taking an uncontended lock costs
/// nanoseconds, while a call into a busy actor suspends the request and wakes a thread to
/// resume it. Keep the work inside `withLock` short and never suspend in it.
final class LockedState<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    /// Guards `value`.
    init(_ value: Value) { self.value = value }

    /// Runs `body` with exclusive access to the value.
    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
