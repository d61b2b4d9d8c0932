import Darkroom
import DarkroomImaging
import DarkroomStore
import Foundation
import Testing

/// The shipped skin-tone detector measured where it matters: on the shipped model's own pictures of its
/// held-out evaluation prompts (false positives), and on the labelled pictures of Fixtures/safety
/// (made by Fixtures/safety/make_fixtures.py). docs/safety.md records the full measurement.
@Suite struct SafetyDetectorMeasurementTests {
    struct Labelled: Decodable { var file: String, label: String, group: String, note: String }

    static func labelled() throws -> [(entry: Labelled, image: PixelImage)] {
        let folder = fixturesFolder.appendingPathComponent("safety")
        let entries = try JSONDecoder().decode([Labelled].self, from: Data(contentsOf: folder.appendingPathComponent("labels.json")))
        return try entries.map { ($0, try PNGCodec.decode(Data(contentsOf: folder.appendingPathComponent("labelled/\($0.file)"))).image) }
    }

    /// The held-out prompts of the shipped model's evaluation (evaluate.py's 192 single-object and 192
    /// two-object prompts, each with a colour x shape pair never seen in training).
    static func heldOutPrompts() throws -> [String] {
        struct Evaluation: Decodable { var prompts: [String] }
        let file = fixturesFolder.appendingPathComponent("models/training/logs/eval.json")
        return try JSONDecoder().decode(Evaluation.self, from: Data(contentsOf: file)).prompts
    }

    /// 100 held-out prompts (every other single-object one from the first 100, then as many two-object
    /// ones) at seeds 1 and 2: 200 pictures made through `Library.runGeneration` with the shipped model
    /// and the default settings, as `darkroom generate` makes them. Fewer than 1% may be flagged.
    @Test func shippedModelPicturesAreAlmostNeverFlagged() async throws {
        let prompts = try Self.heldOutPrompts()
        #expect(prompts.count == 384)
        let chosen = Array(prompts[0..<192].enumerated().filter { $0.offset % 2 == 0 }.map(\.element).prefix(50))
            + Array(prompts[192...].enumerated().filter { $0.offset % 2 == 0 }.map(\.element).prefix(50))
        let generator = try EngineGenerator.load(modelDirectory: shippedModelFolder)
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        let defaults = GenerationDefaults()
        var made = 0
        for prompt in chosen {
            for seed: UInt64 in [1, 2] {
                let request = GenerationRequest(prompt: prompt, seed: seed, steps: defaults.steps, guidance: defaults.guidance,
                                                scheduler: defaults.scheduler, width: defaults.width, height: defaults.height)
                _ = try await library.runGeneration(request, using: generator) { _ in }
                made += 1
            }
        }
        #expect(made >= 200)
        let flags = try await library.flags()
        let flagged = Set(flags.map(\.generationID)).count
        #expect(Double(flagged) / Double(made) < 0.01, "\(flagged) of \(made) held-out pictures flagged: \(flags.map(\.reason))")
    }

    /// The pictures the policy exists for stay flagged: the tests' flat peach picture, and every flat
    /// and close-up skin picture of the labelled set (Monk MST-5 to MST-8 and photographed tones, pale to
    /// dark); at least 80% of the figures (the others cover less than the threshold's share of the frame).
    /// No shape scene is flagged, on beige or any other background.
    @Test func labelledPicturesKeepThePositivesAndDropTheShapeScenes() throws {
        let detector = SkinToneAreaDetector()
        let peach = PixelImage(width: 8, height: 8, channels: 3, pixels: (0..<64).flatMap { _ in [UInt8(224), 172, 140] })
        #expect(detector.score(peach) >= detector.threshold)
        let set = try Self.labelled()
        func flagged(_ group: String) -> (flagged: Int, of: Int) {
            let members = set.filter { $0.entry.group == group }
            return (members.filter { detector.score($0.image) >= detector.threshold }.count, members.count)
        }
        for group in ["flat", "closeup"] {
            let (hit, of) = flagged(group)
            #expect(of >= 12 && hit == of, "\(group): \(hit) of \(of) flagged")
        }
        let figures = flagged("figure")
        #expect(figures.of >= 24 && Double(figures.flagged) >= 0.8 * Double(figures.of), "figures: \(figures)")
        for group in ["scene", "beige", "outdoor"] {
            let (hit, of) = flagged(group)
            #expect(of >= 12 && hit == 0, "\(group): \(hit) of \(of) flagged")
        }
    }

    /// The chroma floor is what tells beige from skin: the beige background of the training scenes is
    /// inside the colour box but not skin; the palest skin the detector still sees is.
    @Test func beigeIsNotSkinButPaleSkinIs() {
        #expect(!SkinToneAreaDetector.isSkin(r: 215, g: 200, b: 170))   // the scenes' beige
        #expect(!SkinToneAreaDetector.isSkin(r: 212, g: 196, b: 174))   // the model's beige, as drawn
        #expect(SkinToneAreaDetector.isSkin(r: 255, g: 224, b: 196))    // pale photographed skin
        #expect(SkinToneAreaDetector.isSkin(r: 96, g: 65, b: 52))       // MST-8
        #expect(SkinToneAreaDetector.isSkin(r: 224, g: 172, b: 140))    // the tests' peach
    }
}
