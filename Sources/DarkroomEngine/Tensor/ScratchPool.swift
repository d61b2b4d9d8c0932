import Foundation

/// Reusable fp32 working buffers for the layers' transient data (widened weights, im2col columns,
/// attention tiles), so a run allocates and page-faults its working set once instead of once per layer.
///
/// A caller borrows a buffer for the length of a closure; concurrent callers (two pipelines in one
/// process, parallel tests) get different buffers. Returned buffers are kept, at most
/// ``retainedLimit`` of them, largest first, until ``trim()``.
public final class ScratchPool: @unchecked Sendable {
    /// The process's pool.
    public static let shared = ScratchPool()

    /// The most idle buffers kept.
    static let retainedLimit = 4

    private let lock = NSLock()
    private var idle: [Buffer] = []

    /// One owned allocation.
    private final class Buffer {
        let pointer: UnsafeMutablePointer<Float>
        let capacity: Int

        init(capacity: Int) {
            self.capacity = capacity
            pointer = .allocate(capacity: capacity)
        }

        deinit { pointer.deallocate() }
    }

    /// Calls `body` with a buffer of at least `count` floats (uninitialised), valid only during `body`.
    func withBuffer<Result>(count: Int, _ body: (UnsafeMutablePointer<Float>) -> Result) -> Result {
        let buffer = take(count: max(1, count))
        defer { give(buffer) }
        return body(buffer.pointer)
    }

    /// Frees every idle buffer (the engine's scratch memory drops to zero until the next layer runs).
    public func trim() {
        lock.withLock { idle.removeAll() }
    }

    /// The floats held by idle buffers.
    public var retainedCount: Int {
        lock.withLock { idle.reduce(0) { $0 + $1.capacity } }
    }

    /// The smallest idle buffer that fits, or a new one (replacing the largest idle buffer too small to fit, so
    /// the pool grows to the run's largest need instead of collecting sizes).
    private func take(count: Int) -> Buffer {
        lock.withLock {
            if let index = idle.indices.filter({ idle[$0].capacity >= count }).min(by: { idle[$0].capacity < idle[$1].capacity }) {
                return idle.remove(at: index)
            }
            if let index = idle.indices.max(by: { idle[$0].capacity < idle[$1].capacity }) { idle.remove(at: index) }
            return Buffer(capacity: count)
        }
    }

    private func give(_ buffer: Buffer) {
        lock.withLock {
            idle.append(buffer)
            if idle.count > Self.retainedLimit {
                idle.sort { $0.capacity > $1.capacity }
                idle.removeLast(idle.count - Self.retainedLimit)
            }
        }
    }
}
