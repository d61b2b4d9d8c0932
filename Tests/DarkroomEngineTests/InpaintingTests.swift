import Foundation
import Testing
@testable import DarkroomEngine

/// Inpainting against diffusers' `StableDiffusionInpaintPipeline`, with an inpainting UNet (9 input
/// channels) and with an ordinary one (latent blending), and its input checks.
@Suite struct InpaintingTests {
    @Test(arguments: ["sd-tiny-conv", "sd-tiny-inpaint"])
    func imagesMatchDiffusers(model: String) async throws {
        try await ImageInputGoldens.expectAllMatch(task: "inpaint", model: model)
    }

    @Test(arguments: ["sd-tiny-conv", "sd-tiny-inpaint"])
    func everySchedulerKindAndFullStrengthHaveGoldens(model: String) throws {
        let runs = try ImageInputGoldens.cases(task: "inpaint", model: model)
        #expect(Set(runs.map(\.scheduler)) == Set(SchedulerKind.allCases.map(\.rawValue)))
        #expect(runs.contains { $0.strength == 1 } && runs.contains { $0.strength < 1 })
    }

    @Test func inpaintingUNetIsAcceptedAndNeedsAMask() async throws {
        let model = try DiffusionPipeline(modelDirectory: EngineFixtures.model("sd-tiny-inpaint"))
        #expect(model.isInpaintingModel)
        #expect(try !DiffusionPipeline(modelDirectory: EngineFixtures.model("sd-tiny-conv")).isInpaintingModel)
        let run = try #require(try ImageInputGoldens.cases(task: "inpaint", model: "sd-tiny-inpaint").first)
        var parameters = try ImageInputGoldens.parameters(run)
        parameters.mask = nil
        await #expect(throws: GenerationError.inpaintingModelNeedsMask(unetInChannels: 9)) { _ = try await model.run(parameters) { _ in } }
        parameters.initImage = nil
        await #expect(throws: GenerationError.inpaintingModelNeedsMask(unetInChannels: 9)) { _ = try await model.run(parameters) { _ in } }
        #expect(GenerationError.inpaintingModelNeedsMask(unetInChannels: 9).description.contains("9 input channels"))
    }

    @Test func maskIsBinarisedAndSampledLikeTorchNearest() {
        let binary = ImageInput.binarised([0, 0.49, 0.5, 1])
        #expect(binary == [0, 0, 1, 1])
        // 4x4 -> 2x2 takes rows and columns 0 and 2.
        let full: [Float] = [1, 0, 0, 0,
                             0, 0, 0, 0,
                             0, 0, 1, 0,
                             0, 0, 0, 0]
        #expect(ImageInput.latentMask(full, width: 4, height: 4, factor: 2).scalars == [1, 0, 0, 1])
        let image = Tensor(shape: [1, 3, 1, 2], scalars: [0.5, -0.5, 0.25, -0.25, 1, -1])
        #expect(ImageInput.maskedImage(image, binary: [1, 0]).scalars == [0, -0.5, 0, -0.25, 0, -1])
    }

    /// Inpainting with a mask of zeros keeps the picture's latents outside nothing; with all ones and an
    /// ordinary UNet it still runs (every pixel repainted).
    @Test func extremeMasksRun() async throws {
        let model = try DiffusionPipeline(modelDirectory: EngineFixtures.model("sd-tiny-conv"))
        let run = try #require(try ImageInputGoldens.cases(task: "inpaint", model: "sd-tiny-conv").first)
        var parameters = try ImageInputGoldens.parameters(run)
        for value: Float in [0, 1] {
            parameters.mask = [Float](repeating: value, count: parameters.width * parameters.height)
            let result = try await model.run(parameters) { _ in }
            #expect(result.image.width == parameters.width)
        }
    }
}
