import Foundation
import Testing
@testable import DarkroomEngine

/// Each component against diffusers/transformers outputs recorded by `Fixtures/engine/make_goldens.py`.
@Suite struct ComponentGoldenTests {
    @Test(arguments: EngineFixtures.pipelines)
    func textEncoderMatchesTransformers(pipeline: String) throws {
        let goldens = try EngineFixtures.goldens(pipeline)
        let model = try CLIPTextModel(directory: EngineFixtures.model(pipeline).appendingPathComponent("text_encoder"))
        let ids = try goldens.tensor(named: "text.input_ids")
        let hidden = model.encode([ids.scalars.map { Int32($0) }])
        EngineFixtures.expectClose(hidden, try goldens.tensor(named: "text.hidden_states"), "\(pipeline) text encoder")
    }

    @Test(arguments: EngineFixtures.pipelines)
    func unetMatchesDiffusers(pipeline: String) throws {
        let goldens = try EngineFixtures.goldens(pipeline)
        let unet = try UNet2DConditionModel(directory: EngineFixtures.model(pipeline).appendingPathComponent("unet"))
        let output = unet(try goldens.tensor(named: "unet.sample"),
                          timestep: try goldens.tensor(named: "unet.timestep").scalars[0],
                          context: try goldens.tensor(named: "unet.encoder_hidden_states"))
        EngineFixtures.expectClose(output, try goldens.tensor(named: "unet.output"), "\(pipeline) unet")
    }

    @Test func unetWithoutMidBlockMatchesDiffusers() throws {
        let goldens = try EngineFixtures.goldens("unet-tiny-nomid")
        let unet = try UNet2DConditionModel(directory: EngineFixtures.model("unet-tiny-nomid").appendingPathComponent("unet"))
        let output = unet(try goldens.tensor(named: "unet.sample"),
                          timestep: try goldens.tensor(named: "unet.timestep").scalars[0],
                          context: try goldens.tensor(named: "unet.encoder_hidden_states"))
        EngineFixtures.expectClose(output, try goldens.tensor(named: "unet.output"), "unet without mid block")
    }

    @Test(arguments: EngineFixtures.pipelines)
    func decoderMatchesDiffusers(pipeline: String) throws {
        let goldens = try EngineFixtures.goldens(pipeline)
        let decoder = try LatentDecoderLoader.load(directory: EngineFixtures.model(pipeline).appendingPathComponent("vae"))
        let image = decoder.decode(try goldens.tensor(named: "vae.latents"))
        EngineFixtures.expectClose(image, try goldens.tensor(named: "vae.decoded"), "\(pipeline) vae decoder")
    }

    @Test func klEncoderMatchesDiffusers() throws {
        let goldens = try EngineFixtures.goldens("sd-tiny-conv")
        let encoder = try AutoencoderKLEncoder(directory: EngineFixtures.model("sd-tiny-conv").appendingPathComponent("vae"))
        let mean = encoder.encodeMean(try goldens.tensor(named: "vae.encoder_input"))
        EngineFixtures.expectClose(mean, try goldens.tensor(named: "vae.encoded_mean"), "vae encoder")
    }
}
