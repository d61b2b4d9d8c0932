import DarkroomEngine
import Foundation

/// Command-line options of the benchmark.
struct BenchmarkArguments {
    var threads = ProcessInfo.processInfo.activeProcessorCount
    var repeats = 3
    var only: String?
    var modelDirectory: String?

    init(_ arguments: [String]) {
        var iterator = arguments.dropFirst().makeIterator()
        while let argument = iterator.next() {
            switch argument {
            case "--threads": threads = Int(iterator.next() ?? "") ?? threads
            case "--repeats": repeats = max(1, Int(iterator.next() ?? "") ?? repeats)
            case "--only": only = iterator.next()
            case "--model-dir": modelDirectory = iterator.next()
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

/// One timed workload.
struct BenchmarkRow {
    let name: String
    let best: Double
    let median: Double
    let gigaOperations: Double
    /// The gemm work of the direct forms (Winograd's convolutions counted as im2col would issue them).
    let directGigaOperations: Double

    /// Runs `body` once to warm up (unless `warmUp` is false), then `repeats` timed times; the gemm
    /// operations of one run are counted on the first run.
    static func time(_ name: String, repeats: Int, warmUp: Bool = true, _ body: () -> Void) -> BenchmarkRow {
        BLASBackend.resetOperationCount()
        var times: [Double] = []
        var (operations, direct) = (0.0, 0.0)
        for run in 0..<(repeats + (warmUp ? 1 : 0)) {
            let start = DispatchTime.now().uptimeNanoseconds
            body()
            if run == 0 {
                operations = Double(BLASBackend.operationCount) / 1e9
                direct = Double(BLASBackend.directEquivalentOperationCount) / 1e9
            }
            if run > 0 || !warmUp { times.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9) }
        }
        times.sort()
        return BenchmarkRow(name: name, best: times[0], median: times[times.count / 2], gigaOperations: operations,
                            directGigaOperations: direct)
    }

    /// The times, the gemm work issued and its direct-form equivalent, and the effective rate (direct-form work
    /// per second, which Winograd's convolutions can lift above the sgemm peak) as a share of the run's peak.
    func line(peak: Double) -> String {
        let rate = directGigaOperations / best
        return String(format: "%@: best %.3f s, median %.3f s, %.1f GFLOP (gemm issued), %.1f GFLOP direct-equivalent, "
                      + "%.1f GFLOP/s effective = %.0f%% of sgemm peak",
                      name, best, median, gigaOperations, directGigaOperations, rate, 100 * rate / peak)
    }
}

/// Resident memory of this process, from /proc/self/status (peak: VmHWM; now: anonymous and file-backed).
enum ResidentMemory {
    /// The status fields in MiB, by name (`VmHWM`, `RssAnon`, `RssFile`, ...); empty off Linux.
    static func fields() -> [String: Double] {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return [:] }
        var values: [String: Double] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, let kib = Double(parts[1].split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "") else { continue }
            values[String(parts[0])] = kib / 1024
        }
        return values
    }

    /// "peak resident memory: ... MiB" with the current anonymous / file-backed split.
    static func summary() -> String {
        let values = fields()
        return String(format: "peak resident memory: %.0f MiB (VmHWM; now RssAnon %.0f MiB, RssFile %.0f MiB)",
                      values["VmHWM"] ?? .nan, values["RssAnon"] ?? .nan, values["RssFile"] ?? .nan)
    }
}

/// One whole generation from a diffusers folder: 8 DDIM steps, CFG 7.5, 512x512, 2 prompts.
enum FolderGeneration {
    static func run(directory: URL) async throws {
        let loadStart = DispatchTime.now().uptimeNanoseconds
        let pipeline = try DiffusionPipeline(modelDirectory: directory)
        let loaded = DispatchTime.now().uptimeNanoseconds
        let parameters = GenerationParameters(prompt: "a photograph of a lighthouse at dusk", seed: 1, steps: 8,
                                              guidanceScale: 7.5, scheduler: .ddim, width: 512, height: 512)
        BLASBackend.resetOperationCount()
        for try await event in pipeline.generate(parameters) {
            if case .finished(let result) = event {
                let done = DispatchTime.now().uptimeNanoseconds
                print(String(format: "engine generation from %@, 8 steps CFG, 512x512: load %.1f s, generate %.1f s "
                             + "(text %.1f, denoise %.1f, decode %.1f), %.0f GFLOP (gemm)", directory.lastPathComponent,
                             Double(loaded - loadStart) / 1e9, Double(done - loaded) / 1e9, result.timings.textEncoding,
                             result.timings.denoising, result.timings.decoding, Double(BLASBackend.operationCount) / 1e9))
            }
        }
        print(ResidentMemory.summary())
    }
}
