import Foundation

/// The Stable Diffusion generation a single-file checkpoint belongs to, decided as diffusers'
/// `infer_diffusers_model_type` does: SD 2.x when the UNet's cross-attention is 1024 wide, SD 1.x otherwise.
/// (The text encoder's kind, CLIP or OpenCLIP, is read from its keys independently.)
enum CheckpointFamily: String, Sendable {
    case sd1 = "SD 1.x"
    case sd2 = "SD 2.x"

    /// The scheduler config diffusers' `from_single_file` uses for the family: the published
    /// `scheduler_config.json` of stable-diffusion-v1-5 (PNDM, epsilon) and of stabilityai/stable-diffusion-2-1
    /// (DDIM, v-prediction; diffusers treats every SD 2.x checkpoint as 2.1-768). An SD 2.x inpainting UNet
    /// (9 input channels) predicts epsilon, as stable-diffusion-2-inpainting.
    func schedulerJSON(inpainting: Bool) -> String {
        switch (self, inpainting) {
        case (.sd2, false):
            return #"{"_class_name": "DDIMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": false, "num_train_timesteps": 1000, "prediction_type": "v_prediction", "set_alpha_to_one": false, "skip_prk_steps": true, "steps_offset": 1, "trained_betas": null}"#
        default:
            return #"{"_class_name": "PNDMScheduler", "beta_end": 0.012, "beta_schedule": "scaled_linear", "beta_start": 0.00085, "clip_sample": false, "num_train_timesteps": 1000, "set_alpha_to_one": false, "skip_prk_steps": true, "steps_offset": 1, "trained_betas": null}"#
        }
    }
}

extension ComponentConfig {
    /// A config made in memory (a single-file checkpoint's, inferred from its weights); `path` names it in messages.
    init(component: String, path: String, inferred values: [String: Any]) {
        self.component = component
        self.path = path
        self.values = values
        let data = (try? JSONSerialization.data(withJSONObject: values, options: [.sortedKeys])) ?? Data()
        text = String(decoding: data, as: UTF8.self)
    }
}

/// Infers diffusers component configs from the tensor shapes of an original-layout checkpoint.
///
/// What shapes cannot say comes from the family, as the hub configs diffusers loads for it:
/// `norm_num_groups` 32, UNet heads (SD 1.x: 8 per block; SD 2.x: one per 64 channels), CLIP heads of 64
/// channels, `quick_gelu` (CLIP ViT-L, SD 1.x) or `gelu` (OpenCLIP ViT-H, SD 2.x), VAE `scaling_factor` 0.18215.
struct CheckpointShapes {
    let path: String
    let shapes: [String: [Int]]

    func shape(_ key: String) -> [Int]? { shapes[key] }
    func has(_ key: String) -> Bool { shapes[key] != nil }

    private func unrecognized(_ detail: String) -> ModelLoadError { .unrecognizedCheckpoint(path: path, detail: detail) }

    /// The distinct integers `N` of keys starting `prefix + "N."`.
    func indices(under prefix: String) -> [Int] {
        var found = Set<Int>()
        for key in shapes.keys where key.hasPrefix(prefix) {
            if let number = Int(key.dropFirst(prefix.count).prefix { $0 != "." }) { found.insert(number) }
        }
        return found.sorted()
    }

    /// The UNet config and its resnets per level (`model.diffusion_model.` keys).
    func unet(family: (Int) -> CheckpointFamily) throws(ModelLoadError) -> (values: [String: Any], layers: Int, family: CheckpointFamily) {
        let u = "model.diffusion_model."
        guard let convIn = shape(u + "input_blocks.0.0.weight"), convIn.count == 4,
              let convOut = shape(u + "out.2.weight"), convOut.count == 4 else {
            throw unrecognized("the UNet lacks input_blocks.0.0.weight or out.2.weight")
        }
        struct Level { var channels: [Int] = []; var attention: [Bool] = []; var transformers: [Int] = [] }
        var levels = [Level()]
        for block in indices(under: u + "input_blocks.") where block > 0 {
            let p = u + "input_blocks.\(block)."
            if has(p + "0.op.weight") { levels.append(Level()); continue }
            guard let width = shape(p + "0.out_layers.3.weight") else { throw unrecognized("input_blocks.\(block) is neither a resnet nor a downsampler") }
            levels[levels.count - 1].channels.append(width[0])
            levels[levels.count - 1].attention.append(has(p + "1.proj_in.weight"))
            levels[levels.count - 1].transformers.append(max(1, indices(under: p + "1.transformer_blocks.").count))
        }
        let layers = levels[0].channels.count
        guard layers > 0, levels.allSatisfy({ $0.channels.count == layers && Set($0.channels).count == 1 && Set($0.attention).count == 1 }) else {
            throw unrecognized("the UNet's levels differ in resnet count or width (\(levels.map(\.channels)))")
        }
        let channels = levels.map { $0.channels[0] }
        let span = layers + 1
        let upAttention = (0..<levels.count).map { has(u + "output_blocks.\($0 * span).1.proj_in.weight") }
        guard let context = shapes.first(where: { $0.key.hasPrefix(u) && $0.key.hasSuffix("attn2.to_k.weight") })?.value.last else {
            throw unrecognized("the UNet has no cross-attention (attn2.to_k.weight)")
        }
        let projection = shapes.first { $0.key.hasPrefix(u) && $0.key.hasSuffix(".proj_in.weight") }?.value
        let midBlock: Any
        if has(u + "middle_block.1.proj_in.weight") {
            midBlock = "UNetMidBlock2DCrossAttn"
        } else if has(u + "middle_block.0.in_layers.0.weight") {
            throw unrecognized("its mid block has no attention (UNetMidBlock2D), which the engine does not build")
        } else {
            midBlock = NSNull()
        }
        let kind = family(context)
        let heads: Any
        switch kind {
        case .sd1: heads = 8
        case .sd2:
            guard channels.allSatisfy({ $0 % 64 == 0 }) else { throw unrecognized("SD 2.x block widths \(channels) are not multiples of 64") }
            heads = channels.map { $0 / 64 }
        }
        let values: [String: Any] = [
            "_class_name": "UNet2DConditionModel", "in_channels": convIn[1], "out_channels": convOut[0],
            "block_out_channels": channels, "layers_per_block": layers,
            "down_block_types": levels.map { $0.attention[0] ? "CrossAttnDownBlock2D" : "DownBlock2D" },
            "up_block_types": upAttention.map { $0 ? "CrossAttnUpBlock2D" : "UpBlock2D" },
            "mid_block_type": midBlock, "cross_attention_dim": context, "attention_head_dim": heads,
            "use_linear_projection": projection?.count == 2, "transformer_layers_per_block": levels.map { $0.transformers[0] },
            "norm_num_groups": 32, "norm_eps": 1e-5, "flip_sin_to_cos": true, "freq_shift": 0, "downsample_padding": 1,
            "act_fn": "silu", "upcast_attention": kind == .sd2, "sample_size": kind == .sd2 ? 96 : 64,
        ]
        return (values, layers, kind)
    }

    /// The `AutoencoderKL` config and its number of levels (`first_stage_model.` keys).
    func vae() throws(ModelLoadError) -> (values: [String: Any], levels: Int) {
        let v = "first_stage_model."
        let levels = indices(under: v + "encoder.down.").count
        guard levels > 0, indices(under: v + "decoder.up.").count == levels,
              let convIn = shape(v + "encoder.conv_in.weight"), let convOut = shape(v + "decoder.conv_out.weight"),
              let latentIn = shape(v + "decoder.conv_in.weight") else {
            throw unrecognized("the VAE (first_stage_model.*) lacks encoder.down.*, decoder.up.* or its conv_in/conv_out")
        }
        var channels: [Int] = []
        for level in 0..<levels {
            guard let width = shape(v + "encoder.down.\(level).block.0.conv2.weight") else {
                throw unrecognized("the VAE lacks encoder.down.\(level).block.0.conv2.weight")
            }
            channels.append(width[0])
        }
        let layers = indices(under: v + "encoder.down.0.block.").count
        let values: [String: Any] = [
            "_class_name": "AutoencoderKL", "in_channels": convIn[1], "out_channels": convOut[0], "latent_channels": latentIn[1],
            "block_out_channels": channels, "layers_per_block": layers, "norm_num_groups": 32, "scaling_factor": 0.18215,
            "down_block_types": Array(repeating: "DownEncoderBlock2D", count: levels),
            "up_block_types": Array(repeating: "UpDecoderBlock2D", count: levels), "act_fn": "silu",
            "use_post_quant_conv": has(v + "post_quant_conv.weight"), "use_quant_conv": has(v + "quant_conv.weight"),
            "mid_block_add_attention": has(v + "decoder.mid.attn_1.q.weight"),
        ]
        return (values, levels)
    }

    /// The `CLIPTextModel` config from the mapped text-encoder shapes (logical names), `openCLIP` for SD 2.x.
    func textEncoder(_ mapped: [String: [Int]], openCLIP: Bool) throws(ModelLoadError) -> [String: Any] {
        guard let token = mapped["embeddings.token_embedding.weight"], token.count == 2,
              let position = mapped["embeddings.position_embedding.weight"], position.count == 2,
              let fc1 = mapped["encoder.layers.0.mlp.fc1.weight"] else {
            throw unrecognized("the text encoder lacks its token or position embedding or its first layer")
        }
        let hidden = token[1]
        guard hidden % 64 == 0 else { throw unrecognized("the text encoder is \(hidden) wide, not a multiple of CLIP's 64-channel heads") }
        var layers = 0
        while mapped["encoder.layers.\(layers).mlp.fc1.weight"] != nil { layers += 1 }
        return [
            "_class_name": "CLIPTextModel", "vocab_size": token[0], "hidden_size": hidden, "intermediate_size": fc1[0],
            "num_hidden_layers": layers, "num_attention_heads": hidden / 64, "max_position_embeddings": position[0],
            "hidden_act": openCLIP ? "gelu" : "quick_gelu", "layer_norm_eps": 1e-5,
        ]
    }
}
