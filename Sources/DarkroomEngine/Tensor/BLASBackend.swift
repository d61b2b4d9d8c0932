import Foundation

/// The one place where the engine calls BLAS.
///
/// On Linux this is OpenBLAS, loaded on first use (``OpenBLASLibrary``) rather than linked: the
/// library starts its worker threads when it is loaded, and those threads spin for a while before
/// they sleep, so every process that linked it -- `darkroom list` as much as `darkroom generate` --
/// paid for them. Now only a process that runs the engine does. On Apple platforms the same loader opens
/// Accelerate, whose `cblas_sgemm` has the same C interface; Accelerate has no thread-count or core-name entry
/// points (it runs its own threads), so those are optional. The Apple branch is written but not compiled here
/// (docs/platforms.md).
public enum BLASBackend {
    /// Loads BLAS now if it is not loaded yet.
    ///
    /// - Throws: ``ModelLoadError/blasUnavailable(detail:)`` naming the library that is missing.
    public static func requireLibrary() throws(ModelLoadError) {
        _ = try OpenBLASLibrary.shared.get()
    }

    /// A human-readable name of the BLAS core in use (e.g. "Haswell", "SkylakeX").
    public static var coreName: String {
        guard let getCoreName = library.getCoreName else { return OpenBLASLibrary.vendor }
        guard let name = getCoreName() else { return "unknown" }
        return String(cString: name)
    }

    /// The number of threads BLAS uses for one call (where the library chooses for itself, Accelerate, the
    /// active processor count: what the engine's own parallel loops then use).
    public static var threadCount: Int {
        library.getThreadCount.map { Int($0()) } ?? ProcessInfo.processInfo.activeProcessorCount
    }

    /// Sets the number of threads BLAS uses for one call (ignored where the library chooses: Accelerate).
    public static func setThreadCount(_ count: Int) {
        let threads = max(1, count)
        configuredThreads.update {
            $0 = threads
            library.setThreadCount?(Int32(threads))
        }
    }

    /// gemms of fewer floating-point operations than this run on the calling thread alone (about 40 µs of one
    /// core here): waking OpenBLAS's sleeping worker for them cost the shipped model's 64x64 picture 15%
    /// (docs/benchmarks-engine.md), and a split this small gains little.
    static let singleThreadOperations = 1 << 22

    /// The thread count gemms above ``singleThreadOperations`` use (what ``setThreadCount(_:)`` last set).
    private static let configuredThreads = LockedInteger(library.getThreadCount.map { Int($0()) } ?? 1)

    /// The loaded library; a process that reaches numeric code without it stops with the loader's message
    /// (``requireLibrary()`` is where a caller gets it as an error instead).
    private static var library: OpenBLASLibrary {
        switch OpenBLASLibrary.shared {
        case .success(let library): return library
        case .failure(let error): fatalError(error.description)
        }
    }

    /// Floating-point operations (2mnk per gemm) issued since the last `resetOperationCount()`.
    public static var operationCount: Int { counter.value }

    /// ``operationCount`` plus what faster algorithms avoided (Winograd's convolutions): the gemm work of the
    /// direct (im2col) forms, for comparing rates with engines that compute those.
    public static var directEquivalentOperationCount: Int { counter.value + avoided.value }

    /// Restarts `operationCount` and `directEquivalentOperationCount` from zero.
    public static func resetOperationCount() {
        counter.update { $0 = 0 }
        avoided.update { $0 = 0 }
    }

    /// Counts `operations` of gemm work the engine's own kernels did (the fused Winograd path's products) into
    /// ``operationCount``, as if issued through BLAS.
    static func recordKernelOperations(_ operations: Int) { counter.update { $0 += operations } }

    /// Counts `operations` of direct-form gemm work a faster algorithm did not issue.
    static func recordAvoidedOperations(_ operations: Int) { avoided.update { $0 += operations } }

    private static let counter = LockedInteger()
    private static let avoided = LockedInteger()

    /// The best rate of `repeats` square `size`-cubed products through the engine's gemm, in GFLOP/s: what this
    /// machine's BLAS reaches now, with the engine's thread settings (the engine benchmark's "peak").
    public static func measureSgemmRate(size: Int, repeats: Int) -> Double {
        let a = [Float](repeating: 0.5, count: size * size), b = [Float](repeating: 0.25, count: size * size)
        var c = [Float](repeating: 0, count: size * size)
        var best = Double.infinity
        for _ in 0...max(1, repeats) {
            let start = DispatchTime.now().uptimeNanoseconds
            c.withUnsafeMutableBufferPointer { out in
                gemm(transposeA: false, transposeB: false, m: size, n: size, k: size,
                     a: a, lda: size, b: b, ldb: size, c: out.baseAddress!, ldc: size)
            }
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * Double(size * size * size) / best / 1e9
    }

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
        let operations = 2 * m * n * k
        counter.update { $0 += operations }
        let library = library
        func run() {
            library.sgemm(
                OpenBLASLibrary.rowMajor,
                transposeA ? OpenBLASLibrary.transpose : OpenBLASLibrary.noTranspose,
                transposeB ? OpenBLASLibrary.transpose : OpenBLASLibrary.noTranspose,
                Int32(m), Int32(n), Int32(k),
                alpha, a, Int32(lda), b, Int32(ldb),
                beta, c, Int32(ldc))
        }
        guard operations < singleThreadOperations, let setThreads = library.setThreadCount else { return run() }
        let threads = configuredThreads.value
        guard threads > 1 else { return run() }
        setThreads(1)
        run()
        setThreads(Int32(threads))
    }
}

/// The BLAS entry points the engine uses, resolved from the shared library with `dlopen`: OpenBLAS, or on Apple
/// platforms Accelerate.
private struct OpenBLASLibrary: @unchecked Sendable {
    /// `cblas_sgemm` with OpenBLAS's 32-bit `blasint` and the CBLAS enums as their C `int` values.
    typealias SGEMM = @convention(c) (
        Int32, Int32, Int32, Int32, Int32, Int32,
        Float, UnsafePointer<Float>?, Int32, UnsafePointer<Float>?, Int32,
        Float, UnsafeMutablePointer<Float>?, Int32) -> Void

    /// The CBLAS constants (`CblasRowMajor`, `CblasNoTrans`, `CblasTrans`), fixed by the CBLAS standard.
    static let rowMajor: Int32 = 101, noTranspose: Int32 = 111, transpose: Int32 = 112

    let sgemm: SGEMM
    let setThreadCount: (@convention(c) (Int32) -> Void)?
    let getThreadCount: (@convention(c) () -> Int32)?
    let getCoreName: (@convention(c) () -> UnsafeMutablePointer<CChar>?)?

    #if canImport(Darwin)
    /// Accelerate's framework binary.
    static let fileNames = ["/System/Library/Frameworks/Accelerate.framework/Accelerate"]
    /// What ``BLASBackend/coreName`` says without a core-name entry point.
    static let vendor = "Accelerate"
    #else
    /// The names tried in order: the runtime package's soname, then the development symlink.
    static let fileNames = ["libopenblas.so.0", "libopenblas.so"]
    /// What ``BLASBackend/coreName`` says without a core-name entry point.
    static let vendor = "unknown"
    #endif

    /// Loaded once per process, on first use.
    static let shared: Result<OpenBLASLibrary, ModelLoadError> = Result { () throws(ModelLoadError) in try load() }

    private static func load() throws(ModelLoadError) -> OpenBLASLibrary {
        _ = ActivationMemory.configured
        // OpenBLAS's idle workers spin (sched_yield) for 2^28 cycles, ~0.1 s, after each call before they sleep;
        // the engine's own loops between gemms then share the 2 cores with them (12% of a UNet forward's samples
        // here). 2^4 makes them sleep at once (UNet and AutoencoderKL measured in docs/decisions.md, issue 28).
        // Read by the library's constructor, so set before it loads; a value the user set is kept.
        setenv("OPENBLAS_THREAD_TIMEOUT", "4", 0)
        var reasons: [String] = []
        for name in fileNames {
            guard let handle = dlopen(name, RTLD_NOW | RTLD_LOCAL) else {
                reasons.append(dlerror().map { String(cString: $0) } ?? name)
                continue
            }
            func symbol<T>(_ symbolName: String, as type: T.Type) throws(ModelLoadError) -> T {
                guard let address = dlsym(handle, symbolName) else {
                    throw .blasUnavailable(detail: "\(name) has no \(symbolName)")
                }
                return unsafeBitCast(address, to: type)
            }
            func optional<T>(_ symbolName: String, as type: T.Type) -> T? {
                dlsym(handle, symbolName).map { unsafeBitCast($0, to: type) }
            }
            if let available = dlsym(handle, "blas_server_avail") {
                ExitWithoutThreadShutdown.install(available.assumingMemoryBound(to: Int32.self))
            }
            return OpenBLASLibrary(
                sgemm: try symbol("cblas_sgemm", as: SGEMM.self),
                setThreadCount: optional("openblas_set_num_threads", as: (@convention(c) (Int32) -> Void).self),
                getThreadCount: optional("openblas_get_num_threads", as: (@convention(c) () -> Int32).self),
                getCoreName: optional("openblas_get_corename", as: (@convention(c) () -> UnsafeMutablePointer<CChar>?).self))
        }
        throw .blasUnavailable(detail: reasons.joined(separator: "; "))
    }
}

/// Keeps OpenBLAS from joining its worker threads while the process exits.
///
/// OpenBLAS's library destructor (`gotoblas_quit` → `blas_thread_shutdown_`, run by `exit`) wakes its idle
/// worker threads and joins them; in OpenBLAS 0.3.21 a worker can miss the wake-up and the join waits forever, so a
/// process that had run the engine sometimes never exited (seen here: `darkroom generate` still running 10 s after
/// Ctrl-C, and the gallery example hanging after its last line; gdb showed `exit` → `_dl_fini` → `gotoblas_quit` →
/// `pthread_join`). The hang is a known class of OpenBLAS shutdown races (OpenMathLib/OpenBLAS#508, #2372). An
/// exit handler registered once OpenBLAS is loaded runs before the library destructors and marks the thread server
/// as not running (`blas_server_avail = 0`, an exported variable), so the destructor skips the join; the idle
/// workers end with the process.
private enum ExitWithoutThreadShutdown {
    nonisolated(unsafe) private static var serverAvailable: UnsafeMutablePointer<Int32>?

    static func install(_ flag: UnsafeMutablePointer<Int32>) {
        guard serverAvailable == nil else { return }
        serverAvailable = flag
        atexit { ExitWithoutThreadShutdown.serverAvailable?.pointee = 0 }
    }
}

/// An integer behind a lock: the running totals of gemm work, and the configured BLAS thread count (which a gemm
/// that runs alone restores afterwards). `NSLock` rather than `Synchronization.Mutex`, which needs iOS 18
/// (docs/decisions.md).
private final class LockedInteger: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Int

    init(_ initial: Int = 0) { stored = initial }

    var value: Int { lock.withLock { stored } }

    /// Runs `body` on the value under the lock.
    func update<Result>(_ body: (inout Int) -> Result) -> Result { lock.withLock { body(&stored) } }
}
