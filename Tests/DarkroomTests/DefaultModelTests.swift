import Darkroom
import DarkroomImaging
import Foundation
import Testing

/// The shipped default model, run by the Swift engine, against diffusers' own output for it
/// (Fixtures/models/darkroom-shapes-v1-goldens, made by Fixtures/models/training/evaluate.py).
@Suite struct DefaultModelTests {
    struct Golden: Decodable {
        var file: String, prompt: String, negative_prompt: String, seed: UInt64, steps: Int
        var guidance_scale: Double, height: Int, width: Int
    }

    /// One image from the shipped model with the engine, as `darkroom generate` makes it by default
    /// (the model's own scheduler config, DPM-Solver++ solver order 1 as shipped, under the dpmpp-2m kind).
    static func generate(_ generator: EngineGenerator, prompt: String, negativePrompt: String = "", seed: UInt64,
                         steps: Int = 8, guidance: Double = 5, size: Int = 64) async throws -> PixelImage {
        let request = GenerationRequest(prompt: prompt, negativePrompt: negativePrompt, seed: seed, steps: steps,
                                        guidance: guidance, scheduler: "dpmpp-2m", width: size, height: size)
        var made: GeneratedImage?
        for try await event in generator.generate(request) { if case .completed(let image) = event { made = image } }
        return try #require(made).image
    }

    @Test func shippedModelIsFoundAndMatchesDiffusers() async throws {
        let folder = try ModelLocator.locate(explicit: nil)
        #expect(folder.lastPathComponent == ModelLocator.defaultModelName)
        let generator = try EngineGenerator.load(modelDirectory: folder)
        let goldens = fixturesFolder.appendingPathComponent("models/darkroom-shapes-v1-goldens")
        let cases = try JSONDecoder().decode([Golden].self, from: Data(contentsOf: goldens.appendingPathComponent("goldens.json")))
        #expect(cases.count >= 2)
        for golden in cases.prefix(2) {
            #expect(golden.width == golden.height)
            let image = try await Self.generate(generator, prompt: golden.prompt, negativePrompt: golden.negative_prompt,
                                                seed: golden.seed, steps: golden.steps, guidance: golden.guidance_scale,
                                                size: golden.width)
            let reference = try PNGCodec.decode(Data(contentsOf: goldens.appendingPathComponent(golden.file))).image
            #expect(image.width == reference.width && image.height == reference.height)
            let close = zip(image.pixels, reference.pixels).filter { abs(Int($0) - Int($1)) <= 1 }.count
            #expect(Double(close) / Double(reference.pixels.count) >= 0.999, "\(golden.prompt)")
        }
    }

    /// The engine's pictures follow simple prompts whose colour x shape pairs were seen in training, judged by the
    /// exact attribute checker: the object has the asked colour and sits where the prompt says. Shape is not asserted:
    /// the shipped model still rounds most squares and triangles (docs/model.md, Limits). The same prompts and seeds
    /// are judged in Python by evaluate.py (Fixtures/models/training/logs/checker-cases.json).
    @Test(arguments: [
        ("a red circle in the centre", "red", "circle", "centre"),
        ("a blue square on the left", "blue", "square", "left"),
        ("a yellow triangle at the top", "yellow", "triangle", "top"),
    ])
    func shippedModelDrawsTheAskedColourWhereAsked(prompt: String, colour: String, shape: String, position: String) async throws {
        let generator = try EngineGenerator.load(modelDirectory: try ModelLocator.locate(explicit: nil))
        let scene = SceneAttributeChecker.Scene(objects: [.init(colour: colour, shape: shape)], layout: .single(position: position))
        for seed: UInt64 in [1, 2, 3] {
            let verdict = SceneAttributeChecker.check(try await Self.generate(generator, prompt: prompt, seed: seed), scene)
            #expect(verdict.colour && verdict.position, "\(prompt), seed \(seed): \(verdict)")
        }
    }

    /// Two objects in a relation: both colours present and the first above the second (checker rule: centroid
    /// difference over 8 pixels).
    @Test func shippedModelPutsTheFirstObjectAboveTheSecond() async throws {
        let generator = try EngineGenerator.load(modelDirectory: try ModelLocator.locate(explicit: nil))
        let scene = SceneAttributeChecker.Scene(objects: [.init(colour: "green", shape: "square"), .init(colour: "pink", shape: "circle")],
                                                layout: .relation("above"))
        for seed: UInt64 in [1, 2] {
            let verdict = SceneAttributeChecker.check(try await Self.generate(generator, prompt: "a green square above a pink circle", seed: seed), scene)
            #expect(verdict.colour && verdict.position, "seed \(seed): \(verdict)")
        }
    }
}
