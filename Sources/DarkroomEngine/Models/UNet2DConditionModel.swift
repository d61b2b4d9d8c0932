import Foundation

/// diffusers' `UNet2DConditionModel`, built from its `config.json`.
///
/// Supports down blocks `CrossAttnDownBlock2D`/`DownBlock2D`, up blocks
/// `CrossAttnUpBlock2D`/`UpBlock2D`, mid block `UNetMidBlock2DCrossAttn`, per-block
/// `attention_head_dim` (the head count, as diffusers uses it), `layers_per_block`,
/// `transformer_layers_per_block`, linear or 1x1-conv projections, and no mid block
/// (`mid_block_type` null, as BK-SDM-Small/Tiny). Other config values
/// are rejected with an error naming the field.
public struct UNet2DConditionModel: Sendable {
    /// Latent channels in (`in_channels`).
    public let inChannels: Int
    /// Width of the encoder hidden states (`cross_attention_dim`).
    public let crossAttentionDimension: Int
    /// How many times the down path halves the resolution.
    public let downsampleCount: Int

    let timeChannels: Int
    let flipSinToCos: Bool
    let frequencyShift: Float
    let timeLinear1: Linear
    let timeLinear2: Linear
    let convIn: Conv2d
    let downBlocks: [Block]
    let midResnets: [ResnetBlock2D]
    let midAttentions: [Transformer2DModel]
    let upBlocks: [Block]
    let normOut: GroupNorm
    let convOut: Conv2d

    /// A down or up block: resnets, optional transformers, optional resampler.
    struct Block: Sendable {
        let resnets: [ResnetBlock2D]
        let attentions: [Transformer2DModel]
        let downsampler: Downsample2D?
        let upsampler: Upsample2D?
    }

    /// Loads `config.json` and `diffusion_pytorch_model.safetensors` from a `unet` folder.
    public init(directory: URL) throws(ModelLoadError) {
        let config = try ComponentConfig(component: "unet", url: directory.appendingPathComponent("config.json"))
        let file = try SafeTensorsFile(url: directory.appendingPathComponent("diffusion_pytorch_model.safetensors"))
        let weights = ComponentWeights(component: "unet", file: file)
        try self.init(config: config, weights: weights)
        try weights.finishLoading()
    }

    /// A model shaped by the `config.json` at `configURL` with seeded random weights (for benchmarks).
    public init(configURL: URL, randomWeightsSeed seed: UInt64) throws(ModelLoadError) {
        try self.init(config: ComponentConfig(component: "unet", url: configURL),
                      weights: ComponentWeights(component: "unet", randomSeed: seed))
    }

    /// Rejects every config value this implementation does not reproduce.
    static func validate(_ config: ComponentConfig) throws(ModelLoadError) {
        for field in ["encoder_hid_dim", "encoder_hid_dim_type", "class_embed_type", "addition_embed_type", "num_class_embeds",
                      "time_embedding_dim", "time_embedding_act_fn", "timestep_post_act", "time_cond_proj_dim",
                      "projection_class_embeddings_input_dim", "num_attention_heads", "addition_time_embed_dim",
                      "cross_attention_norm", "mid_block_only_cross_attention", "reverse_transformer_layers_per_block"] {
            try config.requireNull(field)
        }
        let isFalse: (Any) -> Bool = { ($0 as? Bool) == false }
        try config.require("center_input_sample", supported: "false", isFalse)
        try config.require("dual_cross_attention", supported: "false", isFalse)
        try config.require("class_embeddings_concat", supported: "false", isFalse)
        try config.require("resnet_skip_time_act", supported: "false", isFalse)
        try config.require("only_cross_attention", supported: "false (or a list of false)") { value in
            if let flag = value as? Bool { return !flag }
            if let list = value as? [Bool] { return list.allSatisfy { !$0 } }
            return false
        }
        try config.require("act_fn", supported: "\"silu\"") { ($0 as? String) == "silu" || ($0 as? String) == "swish" }
        try config.require("resnet_time_scale_shift", supported: "\"default\"") { ($0 as? String) == "default" }
        try config.require("time_embedding_type", supported: "\"positional\"") { ($0 as? String) == "positional" }
        try config.require("attention_type", supported: "\"default\"") { ($0 as? String) == "default" }
        try config.require("mid_block_type", supported: "\"UNetMidBlock2DCrossAttn\" or null") { ($0 as? String) == "UNetMidBlock2DCrossAttn" }
        try config.require("conv_in_kernel", supported: "3") { ComponentConfig.integer($0) == 3 }
        try config.require("conv_out_kernel", supported: "3") { ComponentConfig.integer($0) == 3 }
        try config.require("resnet_out_scale_factor", supported: "1.0") { ($0 as? NSNumber)?.doubleValue == 1 }
        try config.require("cross_attention_dim", supported: "an integer") { ComponentConfig.integer($0) != nil }
        try config.require("down_block_types", supported: "a list of CrossAttnDownBlock2D / DownBlock2D") {
            ($0 as? [String])?.allSatisfy { ["CrossAttnDownBlock2D", "DownBlock2D"].contains($0) } ?? false
        }
        try config.require("up_block_types", supported: "a list of CrossAttnUpBlock2D / UpBlock2D") {
            ($0 as? [String])?.allSatisfy { ["CrossAttnUpBlock2D", "UpBlock2D"].contains($0) } ?? false
        }
    }

    init(config: ComponentConfig, weights: ComponentWeights) throws(ModelLoadError) {
        try UNet2DConditionModel.validate(config)
        let downTypes = try config.strings("down_block_types", default: ["CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D", "DownBlock2D"])
        let upTypes = try config.strings("up_block_types", default: ["UpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D", "CrossAttnUpBlock2D"])
        let channels = try config.ints("block_out_channels", default: [320, 640, 1280, 1280])
        let blockCount = channels.count
        guard downTypes.count == blockCount, upTypes.count == blockCount, blockCount > 0 else {
            throw .unsupportedConfig(component: "unet", field: "block_out_channels", value: "\(channels)",
                                     supported: "one entry per down block and per up block")
        }
        let layersPerBlock = try config.intPerBlock("layers_per_block", count: blockCount, default: 2)
        let heads = try config.intPerBlock("attention_head_dim", count: blockCount, default: 8)
        let transformerLayers = try config.intPerBlock("transformer_layers_per_block", count: blockCount, default: 1)
        let groups = try config.int("norm_num_groups", default: 32)
        let epsilon = try config.float("norm_eps", default: 1e-5)
        let context = try config.int("cross_attention_dim", default: 1280)
        let linearProjection = try config.bool("use_linear_projection", default: false)
        let downsamplePadding = try config.int("downsample_padding", default: 1)
        let midScale = try config.float("mid_block_scale_factor", default: 1)
        let inputChannels = try config.int("in_channels", default: 4)
        let outputChannels = try config.int("out_channels", default: 4)
        _ = try config.bool("upcast_attention", default: false)  // the engine computes attention in fp32 always
        for (index, count) in heads.enumerated() where count <= 0 || channels[index] % count != 0 {
            throw .unsupportedConfig(component: "unet", field: "attention_head_dim", value: "\(heads)",
                                     supported: "head counts dividing block_out_channels \(channels)")
        }

        inChannels = inputChannels
        crossAttentionDimension = context
        downsampleCount = blockCount - 1
        flipSinToCos = try config.bool("flip_sin_to_cos", default: true)
        frequencyShift = try config.float("freq_shift", default: 0)
        timeChannels = channels[0]
        let timeEmbed = channels[0] * 4
        timeLinear1 = try weights.linear("time_embedding.linear_1", input: channels[0], output: timeEmbed)
        timeLinear2 = try weights.linear("time_embedding.linear_2", input: timeEmbed, output: timeEmbed)
        convIn = try weights.conv("conv_in", input: inputChannels, output: channels[0], kernel: 3)

        func transformer(_ prefix: String, _ width: Int, _ headCount: Int, _ layers: Int) throws(ModelLoadError) -> Transformer2DModel {
            try Transformer2DModel(weights: weights, prefix: prefix, channels: width, heads: headCount, layers: layers,
                                   contextDimension: context, groups: groups, linearProjection: linearProjection)
        }

        var down: [Block] = []
        var outputWidth = channels[0]
        for index in 0..<blockCount {
            let inputWidth = outputWidth
            outputWidth = channels[index]
            let prefix = "down_blocks.\(index)"
            var resnets: [ResnetBlock2D] = []
            var attentions: [Transformer2DModel] = []
            for layer in 0..<layersPerBlock[index] {
                resnets.append(try ResnetBlock2D(weights: weights, prefix: "\(prefix).resnets.\(layer)",
                                                 input: layer == 0 ? inputWidth : outputWidth, output: outputWidth,
                                                 timeChannels: timeEmbed, groups: groups, epsilon: epsilon))
                if downTypes[index] == "CrossAttnDownBlock2D" {
                    attentions.append(try transformer("\(prefix).attentions.\(layer)", outputWidth, heads[index], transformerLayers[index]))
                }
            }
            let isFinal = index == blockCount - 1
            down.append(Block(resnets: resnets, attentions: attentions,
                              downsampler: isFinal ? nil : try Downsample2D(weights: weights, prefix: "\(prefix).downsamplers.0",
                                                                            channels: outputWidth, padding: downsamplePadding),
                              upsampler: nil))
        }
        downBlocks = down

        let last = channels[blockCount - 1]
        if config.values["mid_block_type"] is NSNull {  // BK-SDM-Small/Tiny style: no mid block
            midResnets = []
            midAttentions = []
        } else {
            midResnets = [
                try ResnetBlock2D(weights: weights, prefix: "mid_block.resnets.0", input: last, output: last, timeChannels: timeEmbed,
                                  groups: groups, epsilon: epsilon, outputScale: midScale),
                try ResnetBlock2D(weights: weights, prefix: "mid_block.resnets.1", input: last, output: last, timeChannels: timeEmbed,
                                  groups: groups, epsilon: epsilon, outputScale: midScale),
            ]
            midAttentions = [try transformer("mid_block.attentions.0", last, heads[blockCount - 1], transformerLayers[blockCount - 1])]
        }

        let reversedChannels = Array(channels.reversed())
        let reversedHeads = Array(heads.reversed())
        let reversedLayers = Array(layersPerBlock.reversed())
        let reversedTransformerLayers = Array(transformerLayers.reversed())
        var up: [Block] = []
        outputWidth = reversedChannels[0]
        for index in 0..<blockCount {
            let previousWidth = outputWidth
            outputWidth = reversedChannels[index]
            let inputWidth = reversedChannels[min(index + 1, blockCount - 1)]
            let prefix = "up_blocks.\(index)"
            let layers = reversedLayers[index] + 1
            var resnets: [ResnetBlock2D] = []
            var attentions: [Transformer2DModel] = []
            for layer in 0..<layers {
                let skip = layer == layers - 1 ? inputWidth : outputWidth
                let resnetInput = layer == 0 ? previousWidth : outputWidth
                resnets.append(try ResnetBlock2D(weights: weights, prefix: "\(prefix).resnets.\(layer)",
                                                 input: resnetInput + skip, output: outputWidth,
                                                 timeChannels: timeEmbed, groups: groups, epsilon: epsilon))
                if upTypes[index] == "CrossAttnUpBlock2D" {
                    attentions.append(try transformer("\(prefix).attentions.\(layer)", outputWidth, reversedHeads[index],
                                                      reversedTransformerLayers[index]))
                }
            }
            let isFinal = index == blockCount - 1
            up.append(Block(resnets: resnets, attentions: attentions, downsampler: nil,
                            upsampler: isFinal ? nil : try Upsample2D(weights: weights, prefix: "\(prefix).upsamplers.0",
                                                                      channels: outputWidth)))
        }
        upBlocks = up
        normOut = try weights.groupNorm("conv_norm_out", groups: groups, channels: channels[0], epsilon: epsilon)
        convOut = try weights.conv("conv_out", input: channels[0], output: outputChannels, kernel: 3)
    }

    /// The noise (or v) prediction for `sample` `[N, inChannels, H, W]` at `timestep`, conditioned on
    /// `context` `[N, tokens, crossAttentionDimension]`. H and W must be multiples of 2^downsampleCount.
    public func callAsFunction(_ sample: Tensor, timestep: Float, context: Tensor) -> Tensor {
        let batch = sample.shape[0]
        precondition(sample.shape[2] % (1 << downsampleCount) == 0 && sample.shape[3] % (1 << downsampleCount) == 0,
                     "UNet: latent size \(sample.shape) must be a multiple of \(1 << downsampleCount)")
        let features = SinusoidalTimestepFeatures.embed(Array(repeating: timestep, count: batch), dimension: timeChannels,
                                                        flipSinToCos: flipSinToCos, downscaleFreqShift: frequencyShift)
        var embedding = timeLinear1(features)
        Activation.silu.apply(to: &embedding)
        let activatedTime = Activation.silu(timeLinear2(embedding))

        var hidden = convIn(sample)
        var skips = [hidden]
        for block in downBlocks {
            for (index, resnet) in block.resnets.enumerated() {
                hidden = resnet(hidden, activatedTime: activatedTime)
                if !block.attentions.isEmpty { hidden = block.attentions[index](hidden, context: context) }
                skips.append(hidden)
            }
            if let downsampler = block.downsampler {
                hidden = downsampler(hidden)
                skips.append(hidden)
            }
        }
        if !midResnets.isEmpty {
            hidden = midResnets[0](hidden, activatedTime: activatedTime)
            hidden = midAttentions[0](hidden, context: context)
            hidden = midResnets[1](hidden, activatedTime: activatedTime)
        }
        for block in upBlocks {
            for (index, resnet) in block.resnets.enumerated() {
                let skip = skips.removeLast()
                hidden = resnet(Tensor.concatenateChannels([hidden, skip]), activatedTime: activatedTime)
                if !block.attentions.isEmpty { hidden = block.attentions[index](hidden, context: context) }
            }
            if let upsampler = block.upsampler { hidden = upsampler(hidden) }
        }
        return convOut(normOut(hidden, activation: .silu))
    }
}
