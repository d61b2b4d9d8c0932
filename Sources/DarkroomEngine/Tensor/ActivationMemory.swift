import Foundation

/// Keeps freed activation buffers in the process heap for the next layer instead of returning them to
/// the kernel, and gives the memory back after a run.
///
/// Activations are `[Float]` storage of a few to 64 MiB. glibc serves blocks that large with `mmap` and
/// unmaps them on free, so each layer's output page-faulted all of its memory in again (about 9% of the
/// TAESD decoder's time). With mmap allocation off (`M_MMAP_MAX` 0; glibc caps `M_MMAP_THRESHOLD` at
/// 32 MiB, below the largest activations) and a high trim threshold, freed blocks are reused by the next
/// layer; the heap's high-water mark is the run's largest working set, which it had to reach anyway.
/// ``release()`` (called when a pipeline run ends) returns the free memory with `malloc_trim`.
/// Applied once per process, when the engine first loads BLAS (so processes that never run a model are
/// untouched); a no-op where glibc's `mallopt` is absent.
enum ActivationMemory {
    /// glibc's `M_TRIM_THRESHOLD` and `M_MMAP_MAX` parameter numbers (malloc.h).
    private static let trimThreshold: Int32 = -1, mmapMaximum: Int32 = -4

    /// Free memory that may stay at the top of the heap between layers.
    static let retainedBytes: Int32 = 1 << 30

    private typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    private typealias MallocTrim = @convention(c) (Int) -> Int32

    /// Whether the heap was configured (false where `mallopt` is unavailable or refused it).
    static let configured: Bool = {
        guard let mallopt = symbol("mallopt", as: Mallopt.self) else { return false }
        return mallopt(mmapMaximum, 0) == 1 && mallopt(trimThreshold, retainedBytes) == 1
    }()

    /// Returns the heap's free memory and the idle scratch buffers to the system.
    static func release() {
        ScratchPool.shared.trim()
        guard configured, let trim = symbol("malloc_trim", as: MallocTrim.self) else { return }
        _ = trim(0)
    }

    /// A C function of the process's libc, or nil.
    private static func symbol<T>(_ name: String, as type: T.Type) -> T? {
        guard let handle = dlopen(nil, RTLD_NOW), let address = dlsym(handle, name) else { return nil }
        return unsafeBitCast(address, to: type)
    }
}
