import DarkroomCrypto
import Foundation
import Testing
@testable import DarkroomEngine

/// Single-file (original layout) checkpoints against diffusers' `from_single_file` and against the same
/// model as a diffusers folder (recorded by `Fixtures/engine/make_goldens_checkpoint.py`).
@Suite struct SingleFileCheckpointTests {
    static let folder = EngineFixtures.root.appendingPathComponent("checkpoint")
    static let fp16 = folder.appendingPathComponent("sd-tiny-heldout.fp16.safetensors")
    static let diffusersFolder = folder.appendingPathComponent("sd-tiny-heldout")
    static let tokenizer = EngineFixtures.model("sd-tiny-conv").appendingPathComponent("tokenizer")

    struct Golden: Decodable {
        struct Image: Decodable { let scheduler: String; let seed: UInt64; let steps: Int; let pixels: String }
        let prompt: String
        let negative_prompt: String
        let guidance_scale: Float
        let width: Int
        let height: Int
        let images: [Image]
    }

    static func golden() throws -> Golden {
        try JSONDecoder().decode(Golden.self, from: Data(contentsOf: folder.appendingPathComponent("goldens.json")))
    }

    static func parameters(_ golden: Golden, _ image: Golden.Image) throws -> GenerationParameters {
        GenerationParameters(prompt: golden.prompt, negativePrompt: golden.negative_prompt, seed: image.seed, steps: image.steps,
                             guidanceScale: golden.guidance_scale, scheduler: try #require(SchedulerKind(rawValue: image.scheduler)),
                             width: golden.width, height: golden.height)
    }

    /// Every golden picture from `model`, checked against diffusers; returns the pixels by scheduler.
    static func expectGoldens(_ model: DiffusionPipeline, _ label: String) async throws -> [String: [UInt8]] {
        let golden = try golden()
        let goldens = try SafeTensorsFile(url: folder.appendingPathComponent("goldens.safetensors"))
        var pictures: [String: [UInt8]] = [:]
        for image in golden.images {
            let result = try await model.run(try parameters(golden, image)) { _ in }
            let (fraction, worst) = LoRATests.agreement(result.image.pixels, try goldens.tensor(named: image.pixels))
            #expect(fraction >= 0.999, "\(label) \(image.scheduler): \(fraction * 100)% within 1/255, worst \(worst)")
            print("checkpoint \(label) \(image.scheduler): \(fraction * 100)% of channel values within 1/255, worst \(worst)")
            pictures[image.scheduler] = result.image.pixels
        }
        return pictures
    }

    /// A copy of the fp16 checkpoint with every float tensor stored as `dtype` (the values are exact in each),
    /// plus `extra` tensors.
    static func copy(as dtype: SafeTensorsDType, extra: [String: Tensor] = [:]) throws -> URL {
        let source = try SafeTensorsFile(url: fp16)
        var tensors: [(String, SafeTensorsDType, Tensor)] = []
        for (name, entry) in source.entries {
            tensors.append((name, entry.dtype == .f16 ? dtype : entry.dtype, try source.tensor(named: name)))
        }
        for (name, tensor) in extra { tensors.append((name, .f32, tensor)) }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-ckpt-\(UUID().uuidString).safetensors")
        try SafeTensorsWriter.write(tensors, to: url)
        return url
    }

    @Test func fp16CheckpointMatchesDiffusersAndItsFolder() async throws {
        let checkpoint = try DiffusionPipeline(checkpoint: Self.fp16, tokenizerDirectory: Self.tokenizer)
        let fromCheckpoint = try await Self.expectGoldens(checkpoint, "fp16")
        let folder = try DiffusionPipeline(modelDirectory: Self.diffusersFolder)
        let fromFolder = try await Self.expectGoldens(folder, "folder")
        #expect(fromCheckpoint == fromFolder)
        #expect(checkpoint.modelHash == (try ContentHash.sha256Hex(fileAt: Self.fp16)))
    }

    @Test(arguments: [SafeTensorsDType.f32, .bf16])
    func otherPrecisionsGiveTheSamePictures(dtype: SafeTensorsDType) async throws {
        let url = try Self.copy(as: dtype)
        defer { try? FileManager.default.removeItem(at: url) }
        let model = try DiffusionPipeline(checkpoint: url, tokenizerDirectory: Self.tokenizer)
        _ = try await Self.expectGoldens(model, dtype.rawValue)
    }

    @Test func configIsInferredFromTheWeights() throws {
        let checkpoint = try SingleFileCheckpoint(url: Self.fp16)
        #expect(checkpoint.family == .sd1)
        let unet = checkpoint.unetConfig.values
        #expect(unet["block_out_channels"] as? [Int] == [32, 32] && unet["layers_per_block"] as? Int == 1)
        #expect(unet["down_block_types"] as? [String] == ["DownBlock2D", "CrossAttnDownBlock2D"])
        #expect(unet["up_block_types"] as? [String] == ["CrossAttnUpBlock2D", "UpBlock2D"])
        #expect(unet["cross_attention_dim"] as? Int == 64 && unet["attention_head_dim"] as? Int == 8)
        #expect(unet["use_linear_projection"] as? Bool == false && unet["mid_block_type"] as? String == "UNetMidBlock2DCrossAttn")
        let text = checkpoint.textConfig.values
        #expect(text["hidden_size"] as? Int == 64 && text["num_hidden_layers"] as? Int == 2 && text["num_attention_heads"] as? Int == 1)
        #expect(text["hidden_act"] as? String == "quick_gelu" && text["intermediate_size"] as? Int == 128)
        #expect(checkpoint.vaeConfig.values["block_out_channels"] as? [Int] == [32, 32])
        #expect(checkpoint.schedulerJSON.contains("PNDMScheduler"))
        #expect(CheckpointFamily.sd2.schedulerJSON(inpainting: false).contains(#""prediction_type": "v_prediction""#))
    }

    @Test func kindsAreDetected() throws {
        #expect(ModelFileKind.detect(Self.fp16) == .singleFileCheckpoint)
        #expect(ModelFileKind.detect(Self.diffusersFolder) == .diffusersFolder)
        #expect(ModelFileKind.detect(LoRATests.kohya) == .unknown)
        #expect(ModelFileKind.detect(Self.folder.appendingPathComponent("absent.safetensors")) == .unknown)
        let pickle = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-\(UUID().uuidString).ckpt")
        try Data([0x50, 0x4B, 0x03, 0x04, 0, 0]).write(to: pickle)
        defer { try? FileManager.default.removeItem(at: pickle) }
        #expect(ModelFileKind.detect(pickle) == .pickle)
        #expect(throws: ModelLoadError.pickleRefused(path: pickle.path)) {
            _ = try DiffusionPipeline(checkpoint: pickle, tokenizerDirectory: Self.tokenizer)
        }
        let message = ModelLoadError.pickleRefused(path: pickle.path).description
        #expect(message.contains("arbitrary code") && message.contains("convert_original_stable_diffusion_to_diffusers"))
    }

    @Test func aCheckpointNeedsATokenizer() throws {
        #expect(throws: ModelLoadError.tokenizerRequired(checkpoint: Self.fp16.path)) {
            _ = try DiffusionPipeline(checkpoint: Self.fp16, tokenizerDirectory: nil)
        }
        let message = ModelLoadError.tokenizerRequired(checkpoint: Self.fp16.path).description
        #expect(message.contains("--tokenizer") && message.contains("generate.tokenizer") && message.contains("tokenizer.json"))
    }

    @Test func unknownKeysAreListed() throws {
        let url = try Self.copy(as: .f16, extra: ["model.diffusion_model.adapter.weight": Tensor(shape: [2], repeating: 1),
                                                 "control_model.zero_convs.0.0.weight": Tensor(shape: [1], repeating: 0)])
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(throws: ModelLoadError.unknownKeys(path: url.path, keys: ["control_model.zero_convs.0.0.weight", "model.diffusion_model.adapter.weight"])) {
            _ = try DiffusionPipeline(checkpoint: url, tokenizerDirectory: Self.tokenizer)
        }
    }

    @Test func loRAsApplyToCheckpointsToo() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-\(UUID().uuidString).safetensors")
        try LoRATests.write([
            ("lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k.lora_down.weight", [2, 64]),
            ("lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn2_to_k.lora_up.weight", [32, 2]),
            ("lora_te_text_model_encoder_layers_1_mlp_fc2.lora_down.weight", [2, 128]),
            ("lora_te_text_model_encoder_layers_1_mlp_fc2.lora_up.weight", [64, 2]),
        ], to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let plain = try DiffusionPipeline(checkpoint: Self.fp16, tokenizerDirectory: Self.tokenizer)
        let patched = try DiffusionPipeline(checkpoint: Self.fp16, tokenizerDirectory: Self.tokenizer, loras: [LoRAReference(url: url, scale: 0.5)])
        let weight = patched.textEncoder.layers[1].fc2.weight.scalars
        #expect(weight != plain.textEncoder.layers[1].fc2.weight.scalars)
        #expect(patched.textEncoder.layers[0].fc2.weight.scalars == plain.textEncoder.layers[0].fc2.weight.scalars)
    }

    /// The held-out CLIP text encoder re-keyed as SD 2.x's OpenCLIP (as `make_goldens_checkpoint.py`'s
    /// `openclip_layout`) equals diffusers' `convert_open_clip_checkpoint` of the same file.
    @Test func openCLIPTextEncoderMatchesDiffusersConversion() throws {
        let source = try SafeTensorsFile(url: Self.fp16)
        func clip(_ name: String) throws -> Tensor { try source.tensor(named: "cond_stage_model.transformer.text_model." + name) }
        let p = "cond_stage_model.model."
        var tensors: [(String, SafeTensorsDType, Tensor)] = [
            (p + "token_embedding.weight", .f32, try clip("embeddings.token_embedding.weight")),
            (p + "positional_embedding", .f32, try clip("embeddings.position_embedding.weight")),
            (p + "ln_final.weight", .f32, try clip("final_layer_norm.weight")), (p + "ln_final.bias", .f32, try clip("final_layer_norm.bias")),
            (p + "text_projection", .f32, Tensor(shape: [64, 64], repeating: 0)), (p + "logit_scale", .f32, Tensor(shape: [], repeating: 4.6)),
        ]
        for (layer, target) in [(0, 0), (1, 1), (0, 23)] {
            let from = "encoder.layers.\(layer).", to = p + "transformer.resblocks.\(target)."
            for part in ["weight", "bias"] {
                let fused = try ["q", "k", "v"].map { try clip(from + "self_attn.\($0)_proj.\(part)") }
                let shape = [fused.map { $0.shape[0] }.reduce(0, +)] + fused[0].shape.dropFirst()
                tensors.append((to + "attn.in_proj_\(part)", .f32, Tensor(shape: shape, scalars: fused.flatMap(\.scalars))))
                for (a, b) in [("layer_norm1", "ln_1"), ("layer_norm2", "ln_2"), ("self_attn.out_proj", "attn.out_proj"),
                               ("mlp.fc1", "mlp.c_fc"), ("mlp.fc2", "mlp.c_proj")] {
                    tensors.append((to + "\(b).\(part)", .f32, try clip(from + "\(a).\(part)")))
                }
            }
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-openclip-\(UUID().uuidString).safetensors")
        try SafeTensorsWriter.write(tensors, to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let file = try SafeTensorsFile(url: url)
        let (sources, unknown) = SingleFileCheckpoint.textSources(file: file)
        #expect(unknown.isEmpty)
        let config = try SingleFileCheckpoint.textConfig(file: file, sources: sources, openCLIP: true)
        #expect(config.values["num_hidden_layers"] as? Int == 2 && config.values["hidden_act"] as? String == "gelu")
        let weights = ComponentWeights(component: "text_encoder", file: file, sources: sources)
        let model = try CLIPTextModel(config: config, weights: weights)
        try weights.finishLoading()
        let goldens = try SafeTensorsFile(url: Self.folder.appendingPathComponent("goldens.safetensors"))
        let ids = try goldens.tensor(named: "openclip.input_ids").scalars.map { Int32($0) }
        EngineFixtures.expectClose(model.encode([ids]), try goldens.tensor(named: "openclip.hidden_states"), "OpenCLIP hidden states")
    }

    @Test func openCLIPKeysSplitTheFusedProjection() throws {
        let mapped = try #require(CheckpointKeyMapping.openCLIP("transformer.resblocks.3.attn.in_proj_weight", layers: 23))
        #expect(mapped.map(\.0) == ["encoder.layers.3.self_attn.q_proj.weight", "encoder.layers.3.self_attn.k_proj.weight",
                                    "encoder.layers.3.self_attn.v_proj.weight"])
        #expect(mapped[1].1 == .rows("cond_stage_model.model.transformer.resblocks.3.attn.in_proj_weight", part: 1, parts: 3))
        #expect(TensorSource.rows("x", part: 2, parts: 3).shape(of: [3072, 1024]) == [1024, 1024])
        #expect(CheckpointKeyMapping.openCLIP("transformer.resblocks.23.ln_1.weight", layers: 23)?.isEmpty == true)
        #expect(CheckpointKeyMapping.openCLIP("transformer.resblocks.0.mlp.c_fc.bias", layers: 23)?.first?.0 == "encoder.layers.0.mlp.fc1.bias")
        #expect(CheckpointKeyMapping.unet("output_blocks.2.2.conv.weight", layers: 2) == "up_blocks.0.upsamplers.0.conv.weight")
        #expect(CheckpointKeyMapping.unet("input_blocks.3.0.op.bias", layers: 2) == "down_blocks.0.downsamplers.0.conv.bias")
        #expect(CheckpointKeyMapping.unet("input_blocks.4.1.proj_in.weight", layers: 2) == "down_blocks.1.attentions.0.proj_in.weight")
        #expect(CheckpointKeyMapping.vae("decoder.up.3.upsample.conv.weight", levels: 4)?.name == "decoder.up_blocks.0.upsamplers.0.conv.weight")
    }
}

/// Writes safetensors files (F32, F16, BF16, I64, I8) for tests.
enum SafeTensorsWriter {
    static func write(_ tensors: [(String, SafeTensorsDType, Tensor)], to url: URL) throws {
        var header: [String: Any] = [:]
        var body = Data()
        for (name, dtype, tensor) in tensors.sorted(by: { $0.0 < $1.0 }) {
            let start = body.count
            for value in tensor.scalars {
                switch dtype {
                case .f32: withUnsafeBytes(of: value.bitPattern.littleEndian) { body.append(contentsOf: $0) }
                case .f16: withUnsafeBytes(of: Float16(value).bitPattern.littleEndian) { body.append(contentsOf: $0) }
                case .bf16: withUnsafeBytes(of: UInt16(value.bitPattern >> 16).littleEndian) { body.append(contentsOf: $0) }
                case .i64: withUnsafeBytes(of: Int64(value).littleEndian) { body.append(contentsOf: $0) }
                case .i8: body.append(UInt8(bitPattern: Int8(value)))
                default: throw CocoaError(.featureUnsupported)
                }
            }
            header[name] = ["dtype": dtype.rawValue, "shape": tensor.shape, "data_offsets": [start, body.count]]
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(json)
        data.append(body)
        try data.write(to: url)
    }
}
