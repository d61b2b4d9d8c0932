import Foundation

/// The decoder half of diffusers' `AutoencoderKL`: `post_quant_conv`, conv in, a mid block
/// (resnet, single-head attention, resnet), `UpDecoderBlock2D`s, norm, SiLU, conv out.
public struct AutoencoderKLDecoder: LatentDecoder {
    /// Channels of the latent space.
    public let latentChannels: Int
    /// `2^(len(block_out_channels) - 1)`.
    public let downsamplingFactor: Int
    /// `scaling_factor` from the config.
    public let scalingFactor: Float
    /// Tiles of `sample_size` pixels (diffusers' `enable_tiling()`), where that size tiles evenly.
    public let tiling: DecoderTiling?
    let postQuantConv: Conv2d?
    let convIn: Conv2d
    let midBlock: AutoencoderMidBlock
    let upBlocks: [(resnets: [ResnetBlock2D], upsampler: Upsample2D?)]
    let normOut: GroupNorm
    let convOut: Conv2d

    init(config: ComponentConfig, weights: ComponentWeights) throws(ModelLoadError) {
        try config.require("up_block_types", supported: "a list of UpDecoderBlock2D") {
            ($0 as? [String])?.allSatisfy { $0 == "UpDecoderBlock2D" } ?? false
        }
        try config.require("act_fn", supported: "\"silu\"") { ($0 as? String) == "silu" || ($0 as? String) == "swish" }
        try config.require("shift_factor", supported: "null or 0") { ($0 as? NSNumber)?.doubleValue == 0 }
        try config.requireNull("latents_mean")
        try config.requireNull("latents_std")
        let channels = try config.ints("block_out_channels", default: [64])
        let layers = try config.int("layers_per_block", default: 1)
        let groups = try config.int("norm_num_groups", default: 32)
        let outputChannels = try config.int("out_channels", default: 3)
        latentChannels = try config.int("latent_channels", default: 4)
        scalingFactor = try config.float("scaling_factor", default: 0.18215)
        downsamplingFactor = 1 << (channels.count - 1)
        // `sample_size` is an int, or [height, width] of which diffusers' tiling takes the first.
        let sampleSize: Int
        if let side = try? config.int("sample_size", default: 32) { sampleSize = side } else { sampleSize = try config.ints("sample_size")[0] }
        tiling = DecoderTiling(sampleSize: sampleSize, downsamplingFactor: downsamplingFactor)
        let epsilon: Float = 1e-6
        postQuantConv = try config.bool("use_post_quant_conv", default: true)
            ? try weights.conv("post_quant_conv", input: latentChannels, output: latentChannels, kernel: 1) : nil
        let top = channels[channels.count - 1]
        convIn = try weights.conv("decoder.conv_in", input: latentChannels, output: top, kernel: 3)
        midBlock = try AutoencoderMidBlock(weights: weights, prefix: "decoder.mid_block", channels: top, groups: groups,
                                           withAttention: try config.bool("mid_block_add_attention", default: true))
        let reversed = Array(channels.reversed())
        var blocks: [(resnets: [ResnetBlock2D], upsampler: Upsample2D?)] = []
        var output = reversed[0]
        for index in 0..<reversed.count {
            let previous = output
            output = reversed[index]
            var resnets: [ResnetBlock2D] = []
            for layer in 0...layers {
                resnets.append(try ResnetBlock2D(weights: weights, prefix: "decoder.up_blocks.\(index).resnets.\(layer)",
                                                 input: layer == 0 ? previous : output, output: output, timeChannels: nil,
                                                 groups: groups, epsilon: epsilon))
            }
            let isFinal = index == reversed.count - 1
            blocks.append((resnets, isFinal ? nil : try Upsample2D(weights: weights, prefix: "decoder.up_blocks.\(index).upsamplers.0",
                                                                   channels: output)))
        }
        upBlocks = blocks
        normOut = try weights.groupNorm("decoder.conv_norm_out", groups: groups, channels: channels[0], epsilon: epsilon)
        convOut = try weights.conv("decoder.conv_out", input: channels[0], output: outputChannels, kernel: 3)
    }

    /// Decodes latents (already divided by `scalingFactor`) into an image in about [-1, 1].
    public func decode(_ latents: Tensor) -> Tensor {
        var hidden = convIn(postQuantConv.map { $0(latents) } ?? latents)
        hidden = midBlock(hidden)
        for block in upBlocks {
            for resnet in block.resnets { hidden = resnet(hidden, activatedTime: nil) }
            if let upsampler = block.upsampler { hidden = upsampler(hidden) }
        }
        return convOut(normOut(hidden, activation: .silu))
    }
}

