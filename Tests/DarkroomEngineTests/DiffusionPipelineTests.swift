import Foundation
import Testing
@testable import DarkroomEngine

/// Whole-pipeline images against diffusers' `StableDiffusionPipeline` for fixed seeds, one case per
/// scheduler kind per tiny pipeline (recorded by `Fixtures/engine/make_goldens.py`).
@Suite struct DiffusionPipelineTests {
    /// One recorded run.
    struct ImageCase: Decodable {
        let scheduler: String
        let prompt: String
        let negative_prompt: String
        let seed: UInt64
        let steps: Int
        let guidance_scale: Float
        let width: Int
        let height: Int
        let pixels: String
    }

    struct GoldenIndex: Decodable {
        let images: [ImageCase]
    }

    static func cases(_ pipeline: String) throws -> [ImageCase] {
        let url = EngineFixtures.root.appendingPathComponent("goldens/\(pipeline).json")
        return try JSONDecoder().decode(GoldenIndex.self, from: Data(contentsOf: url)).images
    }

    static func parameters(_ run: ImageCase) throws -> GenerationParameters {
        GenerationParameters(prompt: run.prompt, negativePrompt: run.negative_prompt, seed: run.seed, steps: run.steps,
                             guidanceScale: run.guidance_scale, scheduler: try #require(SchedulerKind(rawValue: run.scheduler)),
                             width: run.width, height: run.height)
    }

    @Test func everySchedulerKindHasAGolden() throws {
        for pipeline in EngineFixtures.pipelines {
            #expect(Set(try Self.cases(pipeline).map(\.scheduler)) == Set(SchedulerKind.allCases.map(\.rawValue)))
        }
    }

    /// Images must agree within 1/255 per channel on at least 99.9% of the channel values.
    @Test(arguments: EngineFixtures.pipelines)
    func imagesMatchDiffusers(pipeline: String) async throws {
        let model = try DiffusionPipeline(modelDirectory: EngineFixtures.model(pipeline))
        let goldens = try EngineFixtures.goldens(pipeline)
        for run in try Self.cases(pipeline) {
            let result = try await model.run(try Self.parameters(run)) { _ in }
            let reference = try goldens.tensor(named: run.pixels)
            #expect(reference.shape == [run.height, run.width, 3])
            #expect(result.image.width == run.width && result.image.height == run.height)
            let (fraction, worst) = EngineFixtures.agreement(result.image.pixels, reference)
            #expect(fraction >= 0.999, "\(pipeline) \(run.scheduler): \(fraction * 100)% within 1/255, worst \(worst)")
        }
    }

    @Test func streamReportsEveryStepThenTheResult() async throws {
        let model = try DiffusionPipeline(modelDirectory: EngineFixtures.model("sd-tiny-conv"))
        let run = try #require(try Self.cases("sd-tiny-conv").first)
        var steps: [Int] = []
        var result: PipelineResult?
        for try await event in model.generate(try Self.parameters(run)) {
            switch event {
            case let .step(index, total, preview):
                #expect(total == run.steps && result == nil)
                #expect(preview?.width == run.width / 2)
                steps.append(index)
            case let .finished(final):
                result = final
            }
        }
        #expect(steps == Array(0..<run.steps))
        let final = try #require(result)
        #expect(final.engineVersion == DarkroomEngineInfo.version)
        #expect(final.rngKind == "torch-cpu-mt19937-v1")
        #expect(final.modelHash == model.modelHash && final.modelHash.count == 64)
        #expect(final.schedulerConfig.contains("beta_schedule") || final.schedulerConfig.contains("betaSchedule"))
        #expect(final.timings.denoising > 0)
    }

    @Test func cancellationStopsBetweenSteps() async throws {
        let model = try DiffusionPipeline(modelDirectory: EngineFixtures.model("sd-tiny-conv"))
        var parameters = try Self.parameters(try #require(try Self.cases("sd-tiny-conv").first))
        parameters.steps = 50
        let task = Task {
            var seen = 0
            _ = try await model.run(parameters) { _ in
                seen += 1
                if seen == 2 { withUnsafeCurrentTask { $0?.cancel() } }
            }
            return seen
        }
        let outcome = await task.result
        #expect(throws: CancellationError.self) { try outcome.get() }
    }

    @Test func sizesOffTheLatentGridAreRejected() async throws {
        let model = try DiffusionPipeline(modelDirectory: EngineFixtures.model("sd-tiny-linear"))
        var parameters = try Self.parameters(try #require(try Self.cases("sd-tiny-linear").first))
        parameters.width = 36
        await #expect(throws: GenerationError.invalidSize(width: 36, height: parameters.height, multiple: model.sizeMultiple)) {
            _ = try await model.run(parameters) { _ in }
        }
        parameters.width = 32
        parameters.steps = 0
        await #expect(throws: GenerationError.invalidSteps(0)) { _ = try await model.run(parameters) { _ in } }
    }

    @Test func modelHashCoversTheWeightFiles() throws {
        let a = try DiffusionPipeline(modelDirectory: EngineFixtures.model("sd-tiny-conv"))
        let b = try DiffusionPipeline(modelDirectory: EngineFixtures.model("sd-tiny-linear"))
        #expect(a.modelHash != b.modelHash)
        #expect(a.modelHash == (try DiffusionPipeline(modelDirectory: EngineFixtures.model("sd-tiny-conv"))).modelHash)
    }
}
