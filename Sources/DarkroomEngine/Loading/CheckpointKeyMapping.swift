import Foundation

/// Names of the original (CompVis/Stability) single-file layout, mapped to the diffusers names the
/// engine's models read. Each function takes a key without its component prefix and returns the
/// diffusers logical name and how to read it, or nil when the key is not part of that layout.
enum CheckpointKeyMapping {
    /// `ResnetBlock` (LDM UNet) sub-module names → diffusers `ResnetBlock2D` names.
    static let unetResnetNames: [(String, String)] = [
        ("in_layers.0.", "norm1."), ("in_layers.2.", "conv1."), ("emb_layers.1.", "time_emb_proj."),
        ("out_layers.0.", "norm2."), ("out_layers.3.", "conv2."), ("skip_connection.", "conv_shortcut."),
    ]

    /// A UNet key (after `model.diffusion_model.`), given `layers` resnets per level.
    static func unet(_ key: String, layers: Int) -> String? {
        let fixed = [("time_embed.0.", "time_embedding.linear_1."), ("time_embed.2.", "time_embedding.linear_2."),
                     ("input_blocks.0.0.", "conv_in."), ("out.0.", "conv_norm_out."), ("out.2.", "conv_out.")]
        for (from, to) in fixed where key.hasPrefix(from) { return to + key.dropFirst(from.count) }
        if key.hasPrefix("middle_block.") {
            let parts = key.split(separator: ".", maxSplits: 2).map(String.init)
            guard parts.count == 3, let block = Int(parts[1]) else { return nil }
            if block == 1 { return "mid_block.attentions.0." + parts[2] }
            guard block == 0 || block == 2 else { return nil }
            return resnet(parts[2]).map { "mid_block.resnets.\(block / 2)." + $0 }
        }
        let parts = key.split(separator: ".", maxSplits: 3).map(String.init)
        guard parts.count == 4, let block = Int(parts[1]), let slot = Int(parts[2]) else { return nil }
        let rest = parts[3]
        let span = layers + 1
        switch parts[0] {
        case "input_blocks":
            guard block >= 1 else { return nil }
            let (level, index) = ((block - 1) / span, (block - 1) % span)
            if index == layers {
                guard slot == 0, rest.hasPrefix("op.") else { return nil }
                return "down_blocks.\(level).downsamplers.0.conv." + rest.dropFirst(3)
            }
            if slot == 0 { return resnet(rest).map { "down_blocks.\(level).resnets.\(index)." + $0 } }
            return slot == 1 ? "down_blocks.\(level).attentions.\(index)." + rest : nil
        case "output_blocks":
            let (level, index) = (block / span, block % span)
            if slot == 0 { return resnet(rest).map { "up_blocks.\(level).resnets.\(index)." + $0 } }
            if rest.hasPrefix("conv."), index == layers, slot == 1 || slot == 2 {
                return "up_blocks.\(level).upsamplers.0.conv." + rest.dropFirst(5)
            }
            return slot == 1 ? "up_blocks.\(level).attentions.\(index)." + rest : nil
        default:
            return nil
        }
    }

    private static func resnet(_ rest: String) -> String? {
        for (from, to) in unetResnetNames where rest.hasPrefix(from) { return to + rest.dropFirst(from.count) }
        return nil
    }

    /// A VAE key (after `first_stage_model.`), given the number of resolution levels; the source reshapes
    /// the mid attention's 1x1-conv q/k/v/proj_out kernels to linear weights.
    static func vae(_ key: String, levels: Int) -> (name: String, linear: Bool)? {
        for plain in ["quant_conv.", "post_quant_conv.", "encoder.conv_in.", "encoder.conv_out.", "decoder.conv_in.", "decoder.conv_out."]
        where key.hasPrefix(plain) { return (key, false) }
        let parts = key.split(separator: ".").map(String.init)
        guard parts.count >= 3, parts[0] == "encoder" || parts[0] == "decoder" else { return nil }
        let side = parts[0]
        func vaeResnet(_ tail: ArraySlice<String>) -> String {
            tail.map { $0 == "nin_shortcut" ? "conv_shortcut" : $0 }.joined(separator: ".")
        }
        if parts[1] == "norm_out" { return ("\(side).conv_norm_out." + parts[2...].joined(separator: "."), false) }
        if parts[1] == "mid" {
            if parts[2] == "block_1" || parts[2] == "block_2" {
                return ("\(side).mid_block.resnets.\(parts[2] == "block_1" ? 0 : 1)." + vaeResnet(parts[3...]), false)
            }
            let names = ["norm": "group_norm", "q": "to_q", "k": "to_k", "v": "to_v", "proj_out": "to_out.0"]
            guard parts[2] == "attn_1", parts.count == 5, let name = names[parts[3]] else { return nil }
            return ("\(side).mid_block.attentions.0.\(name).\(parts[4])", parts[3] != "norm" && parts[4] == "weight")
        }
        guard parts.count >= 5, let level = Int(parts[2]) else { return nil }
        if side == "encoder", parts[1] == "down" {
            if parts[3] == "downsample", parts[4] == "conv" {
                return ("encoder.down_blocks.\(level).downsamplers.0.conv." + parts[5...].joined(separator: "."), false)
            }
            guard parts[3] == "block", let index = Int(parts[4]) else { return nil }
            return ("encoder.down_blocks.\(level).resnets.\(index)." + vaeResnet(parts[5...]), false)
        }
        if side == "decoder", parts[1] == "up", level < levels {
            let up = levels - 1 - level
            if parts[3] == "upsample", parts[4] == "conv" {
                return ("decoder.up_blocks.\(up).upsamplers.0.conv." + parts[5...].joined(separator: "."), false)
            }
            guard parts[3] == "block", let index = Int(parts[4]) else { return nil }
            return ("decoder.up_blocks.\(up).resnets.\(index)." + vaeResnet(parts[5...]), false)
        }
        return nil
    }

    /// An OpenCLIP text-encoder key (after `cond_stage_model.model.`) → the CLIP logical name(s) and
    /// source; keys of layers at or beyond `layers` and the projection are dropped (nil name).
    static func openCLIP(_ key: String, layers: Int) -> [(String, TensorSource)]? {
        let stored = "cond_stage_model.model." + key
        switch key {
        case "token_embedding.weight": return [("embeddings.token_embedding.weight", .whole(stored))]
        case "positional_embedding": return [("embeddings.position_embedding.weight", .whole(stored))]
        case "ln_final.weight": return [("final_layer_norm.weight", .whole(stored))]
        case "ln_final.bias": return [("final_layer_norm.bias", .whole(stored))]
        case "text_projection", "logit_scale", "attn_mask": return []
        default: break
        }
        let prefix = "transformer.resblocks."
        guard key.hasPrefix(prefix) else { return nil }
        let parts = key.dropFirst(prefix.count).split(separator: ".", maxSplits: 1).map(String.init)
        guard parts.count == 2, let layer = Int(parts[0]) else { return nil }
        if layer >= layers { return [] }
        let base = "encoder.layers.\(layer)."
        switch parts[1] {
        case "attn.in_proj_weight", "attn.in_proj_bias":
            let suffix = parts[1].hasSuffix("weight") ? "weight" : "bias"
            return ["q_proj", "k_proj", "v_proj"].enumerated().map { index, name in
                (base + "self_attn.\(name).\(suffix)", .rows(stored, part: index, parts: 3))
            }
        default:
            let names = [("ln_1.", "layer_norm1."), ("ln_2.", "layer_norm2."), ("attn.out_proj.", "self_attn.out_proj."),
                         ("mlp.c_fc.", "mlp.fc1."), ("mlp.c_proj.", "mlp.fc2.")]
            for (from, to) in names where parts[1].hasPrefix(from) {
                return [(base + to + parts[1].dropFirst(from.count), .whole(stored))]
            }
            return nil
        }
    }

    /// Top-level keys of training state that carry no model weights (schedule buffers, EMA bookkeeping).
    static func isTrainingState(_ key: String) -> Bool {
        if key.hasPrefix("model_ema.") { return true }
        let buffers: Set<String> = ["betas", "alphas_cumprod", "alphas_cumprod_prev", "sqrt_alphas_cumprod",
                                    "sqrt_one_minus_alphas_cumprod", "log_one_minus_alphas_cumprod", "sqrt_recip_alphas_cumprod",
                                    "sqrt_recipm1_alphas_cumprod", "posterior_variance", "posterior_log_variance_clipped",
                                    "posterior_mean_coef1", "posterior_mean_coef2", "logvar", "lvlb_weights"]
        return buffers.contains(key)
    }
}
