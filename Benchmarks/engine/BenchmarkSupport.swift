import COpenBLAS
import DarkroomEngine
import Foundation

/// Command-line options of the benchmark.
struct BenchmarkArguments {
    var threads = ProcessInfo.processInfo.activeProcessorCount
    var repeats = 3
    var only: String?

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--threads": threads = Int(iterator.next() ?? "") ?? threads
            case "--repeats": repeats = max(1, Int(iterator.next() ?? "") ?? repeats)
            case "--only": only = iterator.next()
            default:
                FileHandle.standardError.write(Data("unknown argument \(argument)\n".utf8))
                exit(2)
            }
        }
    }

    /// Whether the named model is to be run.
    func includes(_ name: String) -> Bool { only == nil || only == name }
}

/// Seeded uniform [-1, 1) inputs.
enum BenchmarkInput {
    static func random(_ shape: [Int], seed: UInt64) -> Tensor {
        var state = seed
        let scalars = (0..<shape.reduce(1, *)).map { _ -> Float in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Float(state >> 40) / Float(1 << 24) * 2 - 1
        }
        return Tensor(shape: shape, scalars: scalars)
    }
}

/// The best sgemm rate of square products, GFLOP/s.
enum SgemmPeak {
    static func measure(size: Int, repeats: Int) -> Double {
        let a = [Float](repeating: 0.5, count: size * size)
        let b = [Float](repeating: 0.25, count: size * size)
        var c = [Float](repeating: 0, count: size * size)
        var best = Double.infinity
        for _ in 0..<(repeats + 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, blasint(size), blasint(size), blasint(size),
                        1, a, blasint(size), b, blasint(size), 0, &c, blasint(size))
            best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return 2 * Double(size * size * size) / best / 1e9
    }
}

/// One timed workload.
struct BenchmarkRow {
    let name: String
    let best: Double
    let median: Double
    let gigaOperations: Double

    /// Runs `body` once to warm up (unless `warmUp` is false), then `repeats` timed times; the gemm
    /// operations of one run are counted on the first run.
    static func time(_ name: String, repeats: Int, warmUp: Bool = true, _ body: () -> Void) -> BenchmarkRow {
        BLASBackend.resetOperationCount()
        var times: [Double] = []
        var operations = 0.0
        for run in 0..<(repeats + (warmUp ? 1 : 0)) {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            if run == 0 { operations = Double(BLASBackend.operationCount) / 1e9 }
            if run > 0 || !warmUp { times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        }
        times.sort()
        return BenchmarkRow(name: name, best: times[0], median: times[times.count / 2], gigaOperations: operations)
    }

    func line(peak: Double) -> String {
        let rate = gigaOperations / best
        return String(format: "%@: best %.3f s, median %.3f s, %.1f GFLOP (gemm), %.1f GFLOP/s = %.0f%% of sgemm peak",
                      name, best, median, gigaOperations, rate, 100 * rate / peak)
    }
}

/// Peak resident set size of this process.
enum ResidentMemory {
    static func peakMiB() -> Double {
        var usage = rusage()
        #if os(Linux)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
        #else
        getrusage(RUSAGE_SELF, &usage)
        return Double(usage.ru_maxrss) / 1024 / 1024
        #endif
    }
}
