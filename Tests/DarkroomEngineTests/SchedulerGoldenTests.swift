import Foundation
import Testing
@testable import DarkroomEngine

private struct SchedulerGoldens: Decodable {
    struct Run: Decodable {
        let kind: String
        let config: String
        let steps: Int
        let timesteps: [Double]
        let initNoiseSigma: Double
        let sigmas: [Double]?
        let scaledFirst: [Double]
        let scaledLast: [Double]
        let final: [Double]
    }
    let seed: UInt64
    let sampleCount: Int
    let runs: [Run]
}

/// Compares the engine's schedulers with diffusers' on the committed goldens.
///
/// Tolerance rule: |actual − expected| ≤ 1e-5 · max(1, |expected|) for
/// timesteps, σ's and scaled inputs, and the same rule scaled by the largest
/// magnitude of the run's final latents for whole multi-step runs (errors of
/// float32 rounding are relative to the size of the latents being updated).
@Suite("Schedulers match diffusers")
struct SchedulerGoldenTests {
    private static let goldens: SchedulerGoldens = {
        do { return try SamplingFixtures.load(SchedulerGoldens.self, "schedulers.json") } catch {
            fatalError("cannot read schedulers.json: \(error)")
        }
    }()

    private static func configJSON(_ name: String) throws -> Data {
        let data = try Data(contentsOf: SamplingFixtures.directory.appendingPathComponent("schedulers.json"))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let configs = try #require(root["configs"] as? [String: Any])
        return try JSONSerialization.data(withJSONObject: try #require(configs[name]))
    }

    /// The pseudo network of the golden script: 0.1·x + 0.05·sin(0.01·t + 0.37·k).
    static func pseudoModelOutput(_ x: [Float], timestep: Float) -> [Float] {
        x.enumerated().map { k, value in
            Float(0.1) * value + Float(0.05 * sin(0.01 * Double(timestep) + 0.37 * Double(k)))
        }
    }

    static let fixedSample: [Float] = NoiseSchedule.torchLinspace(-1.5, 2.0, 16)

    private func expectClose(_ actual: [Float], _ expected: [Double], scale: Double = 1, _ label: String) {
        #expect(actual.count == expected.count, "\(label): count")
        var worst = 0.0
        for (a, e) in zip(actual, expected) {
            worst = max(worst, abs(Double(a) - e) / max(scale, abs(e), 1))
        }
        #expect(worst <= 1e-5, "\(label): worst relative error \(worst)")
    }

    @Test("every kind × config × step count", arguments: 0..<120)
    func run(index: Int) throws {
        let runs = Self.goldens.runs
        #expect(runs.count == 120)
        guard index < runs.count else { return }
        let golden = runs[index]
        let label = "\(golden.kind) \(golden.config) \(golden.steps)"
        let kind = try #require(SchedulerKind(rawValue: golden.kind))
        let config = try SchedulerConfig(json: try Self.configJSON(golden.config))
        var scheduler = try makeScheduler(kind, config: config, steps: golden.steps)

        expectClose(scheduler.timesteps, golden.timesteps, "\(label) timesteps")
        expectClose([scheduler.initNoiseSigma], [golden.initNoiseSigma], "\(label) init_noise_sigma")
        if let sigmas = golden.sigmas {
            let actual: [Float]? = switch scheduler {
            case let s as EulerDiscreteScheduler: s.sigmas
            case let s as DPMSolverMultistepScheduler: s.sigmas
            default: nil
            }
            expectClose(try #require(actual), sigmas, "\(label) sigmas")
        }
        expectClose(scheduler.scaleModelInput(Self.fixedSample, stepIndex: 0), golden.scaledFirst, "\(label) scaled first")
        expectClose(
            scheduler.scaleModelInput(Self.fixedSample, stepIndex: golden.steps - 1), golden.scaledLast, "\(label) scaled last")

        var generator = TorchGenerator(seed: Self.goldens.seed)
        var latents = generator.randn(Self.goldens.sampleCount).map { $0 * scheduler.initNoiseSigma }
        for (i, t) in scheduler.timesteps.enumerated() {
            let input = scheduler.scaleModelInput(latents, stepIndex: i)
            let output = Self.pseudoModelOutput(input, timestep: t)
            latents = scheduler.step(modelOutput: output, stepIndex: i, sample: latents, generator: &generator)
        }
        let scale = golden.final.map(abs).max() ?? 1
        expectClose(latents, golden.final, scale: scale, "\(label) final latents")
    }
}
