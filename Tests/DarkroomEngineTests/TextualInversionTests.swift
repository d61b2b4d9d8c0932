import Foundation
import Testing
@testable import DarkroomEngine

/// Textual-inversion embeddings against diffusers' `load_textual_inversion` on `sd-tiny-conv`
/// (recorded by `Fixtures/engine/make_goldens_embeddings.py`).
@Suite struct TextualInversionTests {
    static let folder = EngineFixtures.root.appendingPathComponent("embeddings")

    struct Golden: Decodable {
        struct Embedding: Decodable { let name: String; let file: String }
        struct Case: Decodable {
            let prompt: String
            let negative_prompt: String
            let seed: UInt64
            let steps: Int
            let guidance_scale: Float
            let width: Int
            let height: Int
            let prefix: String
        }
        let embeddings: [Embedding]
        let cases: [Case]
    }

    static func golden() throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: folder.appendingPathComponent("goldens.json")))
    }

    static func references() throws -> [TextualInversionReference] {
        try golden().embeddings.map { TextualInversionReference(name: $0.name, url: folder.appendingPathComponent($0.file)) }
    }

    @Test func idsHiddenStatesAndImagesMatchDiffusers() async throws {
        let golden = try Self.golden()
        let goldens = try SafeTensorsFile(url: Self.folder.appendingPathComponent("goldens.safetensors"))
        let model = try DiffusionPipeline(modelDirectory: EngineFixtures.model("sd-tiny-conv"), embeddings: try Self.references())
        for item in golden.cases {
            for (label, text) in [("prompt", item.prompt), ("negative", item.negative_prompt)] {
                let ids = model.tokenizer.encode(text)
                let reference = try goldens.tensor(named: "\(item.prefix).\(label).input_ids").scalars.map { Int32($0) }
                #expect(ids == reference, "\(item.prefix) \(label) ids")
                EngineFixtures.expectClose(model.textEncoder.encode([ids]), try goldens.tensor(named: "\(item.prefix).\(label).hidden_states"),
                                           "\(item.prefix) \(label) hidden states")
            }
            let parameters = GenerationParameters(prompt: item.prompt, negativePrompt: item.negative_prompt, seed: item.seed,
                                                  steps: item.steps, guidanceScale: item.guidance_scale, scheduler: .ddim,
                                                  width: item.width, height: item.height)
            let result = try await model.run(parameters) { _ in }
            let (fraction, worst) = LoRATests.agreement(result.image.pixels, try goldens.tensor(named: "\(item.prefix).image"))
            #expect(fraction >= 0.999, "\(item.prefix): \(fraction * 100)% within 1/255, worst \(worst)")
            print("embeddings \(item.prefix): \(fraction * 100)% of channel values within 1/255, worst \(worst)")
        }
    }

    @Test func multiVectorNamesExpandAsDiffusersDoes() throws {
        let model = try DiffusionPipeline(modelDirectory: EngineFixtures.model("sd-tiny-conv"), embeddings: try Self.references())
        #expect(model.tokenizer.expandingEmbeddings("shinystyle and <cat-toy>") == "shinystyle shinystyle_1 shinystyle_2 and <cat-toy>")
        #expect(model.tokenizer.expandingEmbeddings("a red chair") == "a red chair")
        #expect(model.textEncoder.vocabularySize == 574 + 6)
    }

    func load(_ references: [TextualInversionReference]) throws {
        _ = try DiffusionPipeline(modelDirectory: EngineFixtures.model("sd-tiny-conv"), embeddings: references)
    }

    @Test func errorsNameTheProblem() throws {
        let style = Self.folder.appendingPathComponent("shinystyle.safetensors")
        let absent = Self.folder.appendingPathComponent("absent.safetensors")
        #expect(throws: ModelLoadError.missingFile(path: absent.path, role: "textual-inversion embedding")) {
            try load([TextualInversionReference(name: "x", url: absent)])
        }
        #expect(throws: ModelLoadError.invalidEmbedding(path: style.path, detail: "the token 'a</w>' is already in the tokenizer's vocabulary or used by another embedding; give it another name")) {
            try load([TextualInversionReference(name: "a</w>", url: style)])
        }
        #expect(throws: ModelLoadError.invalidEmbedding(path: style.path, detail: "the token 'twice' is already in the tokenizer's vocabulary or used by another embedding; give it another name")) {
            try load([TextualInversionReference(name: "twice", url: style), TextualInversionReference(name: "twice", url: style)])
        }
        let wide = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-ti-\(UUID().uuidString).safetensors")
        try LoRATests.write([("emb_params", [2, 768])], to: wide)
        defer { try? FileManager.default.removeItem(at: wide) }
        #expect(throws: ModelLoadError.invalidEmbedding(path: wide.path, detail: "its vectors are 768 wide but the text encoder's hidden_size is 8; it was made for another model family")) {
            try load([TextualInversionReference(name: "wide", url: wide)])
        }
        let sdxl = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-ti-\(UUID().uuidString).safetensors")
        try LoRATests.write([("clip_g", [2, 1280]), ("clip_l", [2, 768])], to: sdxl)
        defer { try? FileManager.default.removeItem(at: sdxl) }
        #expect(throws: ModelLoadError.self) { try load([TextualInversionReference(name: "xl", url: sdxl)]) }
        let pickle = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-ti-\(UUID().uuidString).pt")
        try Data([0x80, 0x04, 0x95]).write(to: pickle)
        defer { try? FileManager.default.removeItem(at: pickle) }
        #expect(throws: ModelLoadError.pickleRefused(path: pickle.path)) { try load([TextualInversionReference(name: "p", url: pickle)]) }
    }

    @Test func embeddingsWorkWithCheckpoints() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-ti-\(UUID().uuidString).safetensors")
        try LoRATests.write([("<t>", [2, 64])], to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let model = try DiffusionPipeline(checkpoint: SingleFileCheckpointTests.fp16, tokenizerDirectory: SingleFileCheckpointTests.tokenizer,
                                          embeddings: [TextualInversionReference(name: "<t>", url: url)])
        #expect(model.textEncoder.vocabularySize == 576)
        #expect(Array(model.tokenizer.encode("a <t>").prefix(5)) == [572, 320, 574, 575, 573])
    }
}
