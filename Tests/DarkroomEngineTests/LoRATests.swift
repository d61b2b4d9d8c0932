import Foundation
import Testing
@testable import DarkroomEngine

/// LoRAs against diffusers' `load_lora_weights` + `set_adapters` on `sd-tiny-conv`
/// (recorded by `Fixtures/engine/make_goldens_lora.py`).
@Suite struct LoRATests {
    static let folder = EngineFixtures.root.appendingPathComponent("lora")
    static let peft = folder.appendingPathComponent("peft.safetensors")
    static let kohya = folder.appendingPathComponent("kohya.safetensors")

    struct Golden: Decodable {
        struct Case: Decodable {
            struct Item: Decodable { let file: String; let scale: Float }
            let name: String
            let loras: [Item]
            let text: String
            let pixels: String
        }
        let prompt: String
        let negative_prompt: String
        let seed: UInt64
        let steps: Int
        let guidance_scale: Float
        let width: Int
        let height: Int
        let cases: [Case]
    }

    static func golden() throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: folder.appendingPathComponent("goldens.json")))
    }

    static func references(_ item: Golden.Case) -> [LoRAReference] {
        item.loras.map { LoRAReference(url: folder.appendingPathComponent($0.file), scale: $0.scale) }
    }

    static func agreement(_ pixels: [UInt8], _ reference: Tensor) -> (fraction: Double, worst: Int) {
        EngineFixtures.agreement(pixels, reference)
    }

    @Test func imagesAndTextStatesMatchDiffusers() async throws {
        let golden = try Self.golden()
        let goldens = try SafeTensorsFile(url: Self.folder.appendingPathComponent("goldens.safetensors"))
        #expect(golden.cases.contains { $0.loras.count == 2 && Set($0.loras.map(\.scale)).count == 2 })
        let ids = try goldens.tensor(named: "text.input_ids").scalars.map { Int32($0) }
        for item in golden.cases {
            let model = try DiffusionPipeline(modelDirectory: EngineFixtures.model("sd-tiny-conv"), loras: Self.references(item))
            EngineFixtures.expectClose(model.textEncoder.encode([ids]), try goldens.tensor(named: item.text), "\(item.name) text")
            let parameters = GenerationParameters(
                prompt: golden.prompt, negativePrompt: golden.negative_prompt, seed: golden.seed, steps: golden.steps,
                guidanceScale: golden.guidance_scale, scheduler: .ddim, width: golden.width, height: golden.height)
            let result = try await model.run(parameters) { _ in }
            let (fraction, worst) = Self.agreement(result.image.pixels, try goldens.tensor(named: item.pixels))
            #expect(fraction >= 0.999, "\(item.name): \(fraction * 100)% within 1/255, worst \(worst)")
            print("LoRA \(item.name): \(fraction * 100)% of channel values within 1/255, worst \(worst)")
        }
    }

    @Test func withoutLoRAsTheModelIsUnchanged() async throws {
        let golden = try Self.golden()
        let goldens = try SafeTensorsFile(url: Self.folder.appendingPathComponent("goldens.safetensors"))
        let model = try DiffusionPipeline(modelDirectory: EngineFixtures.model("sd-tiny-conv"), loras: [])
        let parameters = GenerationParameters(
            prompt: golden.prompt, negativePrompt: golden.negative_prompt, seed: golden.seed, steps: golden.steps,
            guidanceScale: golden.guidance_scale, scheduler: .ddim, width: golden.width, height: golden.height)
        let result = try await model.run(parameters) { _ in }
        let (fraction, worst) = Self.agreement(result.image.pixels, try goldens.tensor(named: "image.none"))
        #expect(fraction >= 0.999, "no LoRA: \(fraction * 100)% within 1/255, worst \(worst)")
    }

    @Test func infoDescribesTheFile() throws {
        let peft = try LoRAInfo.read(Self.peft)
        #expect(peft.format == .peft && peft.rank == 4 && peft.ranks == [4])
        #expect(peft.components == ["unet", "text_encoder"])
        #expect(peft.sha256.count == 64)
        let kohya = try LoRAInfo.read(Self.kohya)
        #expect(kohya.format == .kohya && kohya.rank == 2 && kohya.ranks == [2, 3] && kohya.moduleCount == 17)
        #expect(kohya.components == ["unet", "text_encoder"])
    }

    /// Writes a safetensors file of F32 tensors.
    static func write(_ tensors: [(String, [Int])], to url: URL, metadata: [String: String] = [:]) throws {
        var header: [String: Any] = [:]
        var offset = 0
        for (name, shape) in tensors {
            let bytes = shape.reduce(1, *) * 4
            header[name] = ["dtype": "F32", "shape": shape, "data_offsets": [offset, offset + bytes]]
            offset += bytes
        }
        if !metadata.isEmpty { header["__metadata__"] = metadata }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        var values = [Float](repeating: 0, count: offset / 4)
        for i in values.indices { values[i] = Float(i % 7) * 0.01 }
        values.withUnsafeBytes { data.append(contentsOf: $0) }
        try data.write(to: url)
    }

    static func temporary(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-lora-\(UUID().uuidString)-\(name)")
    }

    func load(_ url: URL) throws {
        _ = try DiffusionPipeline(modelDirectory: EngineFixtures.model("sd-tiny-conv"), loras: [LoRAReference(url: url)])
    }

    @Test func missingFileIsNamed() throws {
        let url = Self.temporary("absent.safetensors")
        #expect(throws: ModelLoadError.missingFile(path: url.path, role: "LoRA file")) { try load(url) }
    }

    @Test func picklesAreRefused() throws {
        let url = Self.temporary("lora.ckpt")
        try Data([0x80, 0x02, 0x7D, 0x71, 0x00]).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: ModelLoadError.pickleRefused(path: url.path)) { try load(url) }
        #expect(ModelLoadError.pickleRefused(path: url.path).description.contains("arbitrary code"))
        #expect(throws: ModelLoadError.pickleRefused(path: url.path)) { _ = try LoRAInfo.read(url) }
    }

    @Test func unknownKeysAreListed() throws {
        let url = Self.temporary("odd.safetensors")
        try Self.write([
            ("lora_unet_down_blocks_0_attentions_0_proj_in.lora_down.weight", [2, 4, 1, 1]),
            ("lora_unet_down_blocks_0_attentions_0_proj_in.lora_up.weight", [4, 2, 1, 1]),
            ("lora_unet_down_blocks_0_attentions_0_proj_in.hada_w1_a", [2, 4]),
            ("something_else", [1]),
        ], to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: ModelLoadError.unknownKeys(path: url.path, keys: ["lora_unet_down_blocks_0_attentions_0_proj_in.hada_w1_a", "something_else"])) {
            try load(url)
        }
    }

    @Test func modulesTheModelLacksAreListed() throws {
        let url = Self.temporary("other-model.safetensors")
        try Self.write([
            ("lora_unet_down_blocks_3_attentions_0_proj_in.lora_down.weight", [2, 4, 1, 1]),
            ("lora_unet_down_blocks_3_attentions_0_proj_in.lora_up.weight", [4, 2, 1, 1]),
            ("unet.down_blocks.0.attentions.0.proj_in.lora_A.weight", [2, 4, 1, 1]),
            ("unet.down_blocks.0.attentions.0.proj_in.lora_B.weight", [4, 2, 1, 1]),
            ("text_encoder.text_model.encoder.layers.7.self_attn.q_proj.lora_A.weight", [2, 8]),
            ("text_encoder.text_model.encoder.layers.7.self_attn.q_proj.lora_B.weight", [8, 2]),
        ], to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: ModelLoadError.unknownKeys(path: url.path, keys: ["text_encoder.text_model.encoder.layers.7.self_attn.q_proj.lora_A.weight"])) {
            try load(url)
        }
    }

    @Test func shapeMismatchNamesTheKey() throws {
        let url = Self.temporary("wrong-shape.safetensors")
        try Self.write([
            ("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.lora_A.weight", [2, 16]),
            ("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.lora_B.weight", [4, 2]),
        ], to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: ModelLoadError.loraShapeMismatch(path: url.path, key: "unet.down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.lora_A.weight",
                                                         expected: [2, 8], actual: [2, 16])) {
            try load(url)
        }
    }

    @Test func halfModulesAreUnknown() throws {
        let url = Self.temporary("half.safetensors")
        try Self.write([("lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight", [2, 8])], to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: ModelLoadError.unknownKeys(path: url.path, keys: ["lora_te_text_model_encoder_layers_0_mlp_fc1.lora_down.weight"])) {
            try load(url)
        }
    }

    @Test func doraIsRefused() throws {
        let url = Self.temporary("dora.safetensors")
        try Self.write([
            ("unet.down_blocks.0.attentions.0.proj_in.lora_A.weight", [2, 4, 1, 1]),
            ("unet.down_blocks.0.attentions.0.proj_in.lora_B.weight", [4, 2, 1, 1]),
        ], to: url, metadata: ["lora_adapter_metadata": #"{"unet.use_dora": true, "unet.lora_alpha": 2, "unet.r": 2}"#])
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: ModelLoadError.unsupportedLoRA(path: url.path, detail: "DoRA (unet.use_dora)")) { try load(url) }
    }

    @Test func keyLayoutsParse() {
        #expect(LoRAKeyMapping.parse("lora_te1_text_model_encoder_layers_0_mlp_fc1.alpha")?.1 == "text_model_encoder_layers_0_mlp_fc1")
        #expect(LoRAKeyMapping.parse("unet.mid_block.attentions.0.proj_out.lora.down.weight")?.1 == "mid_block.attentions.0.proj_out")
        #expect(LoRAKeyMapping.parse("text_encoder.text_model.encoder.layers.0.mlp.fc2.lora_linear_layer.up.weight")?.1
                == "text_model.encoder.layers.0.mlp.fc2")
        #expect(LoRAKeyMapping.parse("lora_te2_text_model_encoder_layers_0_mlp_fc1.alpha") == nil)
        #expect(LoRAKeyMapping.parse("unet.down_blocks.0.attentions.0.proj_in.lora_magnitude_vector") == nil)
    }
}
