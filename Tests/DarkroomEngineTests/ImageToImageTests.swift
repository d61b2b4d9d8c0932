import Foundation
import Testing
@testable import DarkroomEngine

/// The image-to-image and inpainting references recorded by `Fixtures/engine/make_goldens_img2img.py`.
enum ImageInputGoldens {
    /// One recorded run.
    struct Case: Decodable, CustomStringConvertible {
        let task: String
        let model: String
        let scheduler: String
        let prompt: String
        let negative_prompt: String
        let seed: UInt64
        let steps: Int
        let guidance_scale: Float
        let strength: Float
        let width: Int
        let height: Int
        let pixels: String
        let initial_latents: String
        let mask: String?

        var description: String { "\(task) \(model) \(scheduler) strength \(strength)" }
    }

    struct Index: Decodable {
        let image: String
        let mask: String
        let cases: [Case]
    }

    static func index() throws -> Index {
        let url = EngineFixtures.root.appendingPathComponent("goldens/img2img.json")
        return try JSONDecoder().decode(Index.self, from: Data(contentsOf: url))
    }

    static func cases(task: String, model: String) throws -> [Case] {
        try index().cases.filter { $0.task == task && $0.model == model }
    }

    static func tensors() throws -> SafeTensorsFile {
        try EngineFixtures.goldens("img2img")
    }

    /// The recorded input picture (uint8 HxWx3).
    static func image() throws -> RGBImage {
        let tensor = try tensors().tensor(named: try index().image)
        return RGBImage(width: tensor.shape[1], height: tensor.shape[0], pixels: tensor.scalars.map { UInt8($0) })
    }

    /// The recorded mask (uint8 HxW, 255 = repaint) as 0...1 values.
    static func mask() throws -> [Float] {
        try tensors().tensor(named: try index().mask).scalars.map { $0 / 255 }
    }

    static func parameters(_ run: Case) throws -> GenerationParameters {
        GenerationParameters(prompt: run.prompt, negativePrompt: run.negative_prompt, seed: run.seed, steps: run.steps,
                             guidanceScale: run.guidance_scale, scheduler: try #require(SchedulerKind(rawValue: run.scheduler)),
                             width: run.width, height: run.height, initImage: try image(),
                             mask: run.mask == nil ? nil : try mask(), strength: run.strength)
    }

    /// The initial latents the engine starts from for `run` (the scheduler, encoder and draws of a real run).
    static func initialLatents(_ model: DiffusionPipeline, _ parameters: GenerationParameters) throws -> Tensor {
        let scheduler = try makeScheduler(parameters.scheduler, config: model.schedulerConfig, steps: parameters.steps)
        let factor = model.decoder.downsamplingFactor
        let shape = [1, model.decoder.latentChannels, parameters.height / factor, parameters.width / factor]
        let start = try InitialLatents.make(parameters, scheduler: scheduler, latentShape: shape,
                                            encoder: try model.imageEncoder.encoder(), inpaintingUNet: model.isInpaintingModel)
        return Tensor(shape: shape, scalars: start.latents)
    }

    /// Runs every case of `task` on `model`: initial latents within the tensor tolerance, and at least
    /// 99.9% of the image's channel values within 1/255 of diffusers'.
    static func expectAllMatch(task: String, model name: String, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let model = try DiffusionPipeline(modelDirectory: EngineFixtures.model(name))
        let goldens = try tensors()
        let runs = try cases(task: task, model: name)
        #expect(!runs.isEmpty, sourceLocation: sourceLocation)
        for run in runs {
            let parameters = try Self.parameters(run)
            EngineFixtures.expectClose(try initialLatents(model, parameters), try goldens.tensor(named: run.initial_latents),
                                       "\(run) initial latents", sourceLocation: sourceLocation)
            let result = try await model.run(parameters) { _ in }
            let reference = try goldens.tensor(named: run.pixels)
            #expect(reference.shape == [run.height, run.width, 3], sourceLocation: sourceLocation)
            let (fraction, worst) = EngineFixtures.agreement(result.image.pixels, reference)
            #expect(fraction >= 0.999, "\(run): \(fraction * 100)% within 1/255, worst \(worst)", sourceLocation: sourceLocation)
        }
    }
}

/// Image-to-image against diffusers' `StableDiffusionImg2ImgPipeline`, and its input checks.
@Suite struct ImageToImageTests {
    @Test func everySchedulerKindHasAnImageToImageGolden() throws {
        let kinds = Set(try ImageInputGoldens.cases(task: "img2img", model: "sd-tiny-conv").map(\.scheduler))
        #expect(kinds == Set(SchedulerKind.allCases.map(\.rawValue)))
    }

    @Test(arguments: ["sd-tiny-conv", "sd-tiny-linear"])
    func imagesMatchDiffusers(model: String) async throws {
        try await ImageInputGoldens.expectAllMatch(task: "img2img", model: model)
    }

    /// diffusers computes `int(steps * strength)` on the Python float the caller typed.
    @Test func stepCutRoundsLikePython() {
        #expect(InitialLatents.firstStep(steps: 5, strength: 0.6) == 2)
        #expect(InitialLatents.firstStep(steps: 10, strength: 0.7) == 3)      // 10 * 0.7 = 7.000000000000001
        #expect(InitialLatents.firstStep(steps: 100, strength: 0.29) == 72)   // 100 * 0.29 = 28.999999999999996
        #expect(InitialLatents.firstStep(steps: 4, strength: 1) == 0)
        #expect(InitialLatents.firstStep(steps: 3, strength: 0.2) == 3)
    }

    @Test func progressCountsOnlyTheStepsThatRun() async throws {
        let model = try DiffusionPipeline(modelDirectory: EngineFixtures.model("sd-tiny-conv"))
        let run = try #require(try ImageInputGoldens.cases(task: "img2img", model: "sd-tiny-conv").first)
        var seen: [Int] = []
        _ = try await model.run(try ImageInputGoldens.parameters(run)) { event in
            if case let .step(index, total, _) = event {
                #expect(total == 3)
                seen.append(index)
            }
        }
        #expect(seen == [0, 1, 2])   // 5 steps at strength 0.6
    }

    @Test func variationSeedVariesTheAddedNoise() async throws {
        let model = try DiffusionPipeline(modelDirectory: EngineFixtures.model("sd-tiny-conv"))
        let run = try #require(try ImageInputGoldens.cases(task: "img2img", model: "sd-tiny-conv").first)
        var parameters = try ImageInputGoldens.parameters(run)
        let plain = try ImageInputGoldens.initialLatents(model, parameters)
        parameters.variationSeed = 99
        parameters.variationStrength = 0
        #expect(try ImageInputGoldens.initialLatents(model, parameters) == plain)
        parameters.variationStrength = 0.3
        let varied = try ImageInputGoldens.initialLatents(model, parameters)
        #expect(varied != plain)
        #expect(try ImageInputGoldens.initialLatents(model, parameters) == varied)
        let first = try await model.run(parameters) { _ in }
        let second = try await model.run(parameters) { _ in }
        #expect(first.image == second.image)
    }

    @Test func invalidInputsAreRefusedWithTheirFacts() async throws {
        let model = try DiffusionPipeline(modelDirectory: EngineFixtures.model("sd-tiny-conv"))
        let run = try #require(try ImageInputGoldens.cases(task: "img2img", model: "sd-tiny-conv").first)
        let valid = try ImageInputGoldens.parameters(run)
        func expectRefused(_ error: GenerationError, _ edit: (inout GenerationParameters) -> Void,
                           sourceLocation: SourceLocation = #_sourceLocation) async {
            var parameters = valid
            edit(&parameters)
            await #expect(throws: error, sourceLocation: sourceLocation) { _ = try await model.run(parameters) { _ in } }
            #expect(!error.description.isEmpty, sourceLocation: sourceLocation)
        }
        await expectRefused(.invalidStrength(0)) { $0.strength = 0 }
        await expectRefused(.invalidStrength(1.5)) { $0.strength = 1.5 }
        await expectRefused(.invalidStrength(-0.5)) { $0.strength = -0.5 }
        await expectRefused(.strengthLeavesNoSteps(steps: 3, strength: 0.2)) { $0.steps = 3; $0.strength = 0.2 }
        await expectRefused(.initImageSize(expectedWidth: 64, expectedHeight: 32, width: 32, height: 32)) { $0.width = 64 }
        await expectRefused(.maskWithoutInitImage) { $0.initImage = nil; $0.mask = [Float](repeating: 1, count: 32 * 32) }
        await expectRefused(.maskSize(expected: 1024, got: 10)) { $0.mask = [Float](repeating: 1, count: 10) }
        await expectRefused(.invalidMaskValue(index: 5, value: 2)) {
            var mask = [Float](repeating: 0, count: 1024)
            mask[5] = 2
            $0.mask = mask
        }
        var nanMask = valid
        nanMask.mask = [Float](repeating: .nan, count: 1024)
        await #expect(throws: GenerationError.self) { _ = try await model.run(nanMask) { _ in } }

        #expect(GenerationError.initImageSize(expectedWidth: 64, expectedHeight: 48, width: 32, height: 30).description.contains("32x30"))
        #expect(GenerationError.strengthLeavesNoSteps(steps: 3, strength: 0.2).description.contains("3 steps"))
        #expect(GenerationError.maskSize(expected: 1024, got: 10).description.contains("1024"))
    }

    /// A single-file checkpoint's encoder is its `first_stage_model.encoder.*`: image-to-image and inpainting
    /// from the checkpoint give the pictures of the same model as a diffusers folder.
    @Test func singleFileCheckpointEncodesLikeItsFolder() async throws {
        let folder = try DiffusionPipeline(modelDirectory: SingleFileCheckpointTests.diffusersFolder)
        let checkpoint = try DiffusionPipeline(checkpoint: SingleFileCheckpointTests.fp16,
                                               tokenizerDirectory: SingleFileCheckpointTests.tokenizer)
        let golden = try SingleFileCheckpointTests.golden()
        let image = try #require(golden.images.first)
        var parameters = try SingleFileCheckpointTests.parameters(golden, image)
        parameters.scheduler = .eulerAncestral
        let (width, height) = (parameters.width, parameters.height)
        parameters.initImage = RGBImage(width: width, height: height, pixels: (0..<(width * height * 3)).map { UInt8(($0 * 7) % 256) })
        parameters.strength = 0.7
        let fromFolder = try await folder.run(parameters) { _ in }
        let fromCheckpoint = try await checkpoint.run(parameters) { _ in }
        #expect(fromFolder.image == fromCheckpoint.image)
        parameters.mask = (0..<(width * height)).map { $0 % width < width / 2 ? 1 : 0 }
        #expect(try await folder.run(parameters) { _ in }.image == (try await checkpoint.run(parameters) { _ in }).image)
    }

    /// A TAESD folder without encoder tensors can still decode, but refuses image input with the reason.
    @Test func tinyVAEWithoutEncoderIsRefusedClearly() async throws {
        let scratch = try ScratchDirectory()
        let copy = scratch.url.appendingPathComponent("model")
        try FileManager.default.copyItem(at: EngineFixtures.model("sd-tiny-linear"), to: copy)
        let vaeFile = copy.appendingPathComponent("vae/diffusion_pytorch_model.safetensors")
        let original = try SafeTensorsFile(url: vaeFile)
        var kept = SafeTensorsBytes(tensors: [])
        for name in original.entries.keys.sorted() where !name.hasPrefix("encoder.") {
            let tensor = try original.tensor(named: name)
            kept.tensors.append((name, "F32", tensor.shape, SafeTensorsBytes.float32(tensor.scalars)))
        }
        try FileManager.default.removeItem(at: vaeFile)
        try Data(kept.file).write(to: vaeFile)

        let model = try DiffusionPipeline(modelDirectory: copy)
        let textRun = try #require(try DiffusionPipelineTests.cases("sd-tiny-linear").first)
        var parameters = try DiffusionPipelineTests.parameters(textRun)
        _ = try await model.run(parameters) { _ in }   // text-to-image still works
        parameters.initImage = try ImageInputGoldens.image()
        parameters.strength = 0.5
        do {
            _ = try await model.run(parameters) { _ in }
            Issue.record("image input on a VAE without encoder was accepted")
        } catch let error as GenerationError {
            guard case let .unsupportedForImageInput(reason) = error else { Issue.record("wrong error \(error)"); return }
            #expect(reason.contains("encoder"))
            #expect(error.description.contains("cannot start from an input picture"))
        }
    }
}
