import Dispatch

/// Splits `count` independent iterations into contiguous chunks run concurrently.
///
/// Used by the elementwise and normalisation loops; BLAS does its own threading.
enum ParallelLoop {
    /// Below this many units of work a loop runs on the calling thread.
    static let serialThreshold = 1 << 14

    /// Runs `body(range)` over disjoint ranges covering `0..<count`.
    /// `costPerIteration` scales the work estimate used to decide whether to go parallel.
    static func forEachChunk(
        _ count: Int, costPerIteration: Int = 1, _ body: @Sendable (Range<Int>) -> Void
    ) {
        guard count > 0 else { return }
        let workers = BLASBackend.threadCount
        if workers <= 1 || count < 2 || count * costPerIteration < serialThreshold {
            body(0..<count)
            return
        }
        let chunks = min(count, workers * 4)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            if start < end { body(start..<end) }
        }
    }
}

/// A mutable pointer that may be shared by the disjoint-range workers of `ParallelLoop`.
struct SharedPointer<Element>: @unchecked Sendable {
    /// The wrapped pointer.
    let base: UnsafeMutablePointer<Element>
}
