import Foundation
import Testing
@testable import DarkroomEngine

/// Config validation and weight/config mismatches on copies of the tiny fixtures.
@Suite struct ModelLoadingTests {
    /// A copy of a fixture component folder whose `config.json` is edited by `edit`.
    private func editedComponent(_ pipeline: String, _ component: String,
                                 _ edit: (inout [String: Any]) -> Void) throws -> (ScratchDirectory, URL) {
        let scratch = try ScratchDirectory()
        let folder = scratch.url.appendingPathComponent(component)
        try FileManager.default.copyItem(at: EngineFixtures.model(pipeline).appendingPathComponent(component), to: folder)
        let configURL = folder.appendingPathComponent("config.json")
        var config = try JSONSerialization.jsonObject(with: Data(contentsOf: configURL)) as! [String: Any]
        edit(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: configURL)
        return (scratch, folder)
    }

    private func unetError(_ edit: (inout [String: Any]) -> Void) throws -> ModelLoadError? {
        let (scratch, folder) = try editedComponent("sd-tiny-conv", "unet", edit)
        defer { withExtendedLifetime(scratch) {} }
        do {
            _ = try UNet2DConditionModel(directory: folder)
            return nil
        } catch {
            return error
        }
    }

    /// `(field, JSON value)` pairs the engine must refuse.
    @Test(arguments: [
        ("center_input_sample", "true"),
        ("act_fn", "\"gelu\""),
        ("resnet_time_scale_shift", "\"scale_shift\""),
        ("class_embed_type", "\"timestep\""),
        ("time_cond_proj_dim", "256"),
        ("mid_block_type", "\"UNetMidBlock2DSimpleCrossAttn\""),
        ("only_cross_attention", "true"),
    ])
    func unsupportedUNetFieldsAreNamed(field: String, json: String) throws {
        let value = try JSONSerialization.jsonObject(with: Data(json.utf8), options: .fragmentsAllowed)
        let error = try unetError { $0[field] = value }
        guard case let .unsupportedConfig(component, named, _, _)? = error else {
            Issue.record("expected unsupportedConfig for \(field), got \(String(describing: error))")
            return
        }
        #expect(component == "unet" && named == field)
        #expect(error!.description.contains(field))
    }

    /// OpenBLAS is opened on first use, not linked: loading it works here (CI installs libopenblas0), it reports
    /// a real core and thread count, and the error a machine without it gets says what to install.
    @Test func blasIsLoadedOnFirstUse() throws {
        try BLASBackend.requireLibrary()
        #expect(BLASBackend.coreName != "unknown")
        #expect(BLASBackend.threadCount >= 1)
        let missing = ModelLoadError.blasUnavailable(detail: "libopenblas.so.0: cannot open shared object file")
        #expect(missing.description.contains("apt-get install libopenblas0"))
        #expect(missing.description.contains("libopenblas.so.0: cannot open shared object file"))
    }

    @Test func unknownBlockTypeIsNamed() throws {
        let error = try unetError { $0["down_block_types"] = ["CrossAttnDownBlock2D", "SimpleCrossAttnDownBlock2D"] }
        guard case .unsupportedConfig(_, "down_block_types", _, _)? = error else {
            Issue.record("got \(String(describing: error))")
            return
        }
    }

    @Test func weightsThatDoNotMatchTheConfigAreRejected() throws {
        // More resnets than the file holds: a missing tensor.
        let missing = try unetError { $0["layers_per_block"] = 2 }
        guard case .missingTensor("unet", _)? = missing else {
            Issue.record("got \(String(describing: missing))")
            return
        }
        // Wider channels: a shape mismatch naming both shapes.
        let shape = try unetError { $0["block_out_channels"] = [8, 8] }
        guard case .tensorShapeMismatch("unet", _, _, _)? = shape else {
            Issue.record("got \(String(describing: shape))")
            return
        }
        // Cross-attention blocks declared as plain blocks: tensors left over.
        let extra = try unetError { $0["up_block_types"] = ["UpBlock2D", "UpBlock2D"] }
        guard case let .unexpectedTensors("unet", names)? = extra else {
            Issue.record("got \(String(describing: extra))")
            return
        }
        #expect(names.allSatisfy { $0.hasPrefix("up_blocks.1.attentions.") })
    }

    @Test func textEncoderAcceptsNamesWithAndWithoutPrefix() throws {
        // sd-tiny-conv is saved without the text_model. prefix (transformers 5), sd-tiny-linear with it.
        for pipeline in EngineFixtures.pipelines {
            let file = try SafeTensorsFile(url: EngineFixtures.model(pipeline).appendingPathComponent("text_encoder/model.safetensors"))
            let prefixed = file.entries.keys.contains { $0.hasPrefix("text_model.") }
            #expect(prefixed == (pipeline == "sd-tiny-linear"))
            _ = try CLIPTextModel(directory: EngineFixtures.model(pipeline).appendingPathComponent("text_encoder"))
        }
    }

    @Test func unsupportedActivationInTextEncoderIsNamed() throws {
        let (scratch, folder) = try editedComponent("sd-tiny-conv", "text_encoder") { $0["hidden_act"] = "mish" }
        defer { withExtendedLifetime(scratch) {} }
        #expect(throws: ModelLoadError.unsupportedConfig(component: "text_encoder", field: "hidden_act", value: "mish",
                                                         supported: "quick_gelu, gelu, gelu_new, gelu_pytorch_tanh, relu, silu")) {
            _ = try CLIPTextModel(directory: folder)
        }
    }

    @Test func missingWeightFileSaysWhatToDo() throws {
        let scratch = try ScratchDirectory()
        let folder = scratch.url.appendingPathComponent("vae")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: EngineFixtures.model("sd-tiny-conv").appendingPathComponent("vae/config.json"),
                                         to: folder.appendingPathComponent("config.json"))
        do {
            _ = try LatentDecoderLoader.load(directory: folder)
            Issue.record("loaded a VAE without weights")
        } catch {
            guard case .missingFile = error else { Issue.record("got \(error)"); return }
            #expect(error.description.contains("diffusion_pytorch_model.safetensors"))
        }
    }
}
