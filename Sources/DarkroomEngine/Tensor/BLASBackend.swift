import COpenBLAS
import Foundation

/// The one place where the engine calls BLAS.
///
/// On Linux this is OpenBLAS through the `COpenBLAS` system-library target; an Apple
/// build can route the same two entry points to Accelerate's `cblas_sgemm` without
/// touching any other file.
public enum BLASBackend {
    /// A human-readable name of the BLAS core in use (e.g. "Haswell", "SkylakeX").
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// The number of threads BLAS uses for one call.
    public static var threadCount: Int {
        Int(openblas_get_num_threads())
    }

    /// Sets the number of threads BLAS uses for one call.
    public static func setThreadCount(_ count: Int) {
        openblas_set_num_threads(Int32(max(1, count)))
    }

    /// Floating-point operations (2mnk per gemm) issued since the last `resetOperationCount()`.
    public static var operationCount: Int { counter.value }

    /// Restarts `operationCount` from zero.
    public static func resetOperationCount() { counter.reset() }

    private static let counter = OperationCounter()

    /// `C = alpha * op(A) * op(B) + beta * C`, row-major, where `op(A)` is `m x k`,
    /// `op(B)` is `k x n` and `C` is `m x n`; `lda`, `ldb`, `ldc` are row strides.
    @inline(__always)
    static func gemm(
        transposeA: Bool, transposeB: Bool,
        m: Int, n: Int, k: Int,
        alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        counter.add(2 * m * n * k)
        cblas_sgemm(
            CblasRowMajor,
            transposeA ? CblasTrans : CblasNoTrans,
            transposeB ? CblasTrans : CblasNoTrans,
            blasint(m), blasint(n), blasint(k),
            alpha, a, blasint(lda), b, blasint(ldb),
            beta, c, blasint(ldc))
    }
}

/// A lock-protected running total of gemm operations.
private final class OperationCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var total = 0

    var value: Int { lock.withLock { total } }
    func add(_ amount: Int) { lock.withLock { total += amount } }
    func reset() { lock.withLock { total = 0 } }
}
