import Foundation

/// The encoder half of diffusers' `AutoencoderKL`: conv in, `DownEncoderBlock2D`s (stride-2
/// convs padded right and bottom), mid block, norm, SiLU, conv out, `quant_conv`; gives the latent
/// distribution's mean and log-variance, and samples it as image-to-image does (before `scaling_factor`).
public struct AutoencoderKLEncoder: Sendable {
    /// Channels of the latent space.
    public let latentChannels: Int
    /// Image pixels per latent pixel along each axis.
    public let downsamplingFactor: Int
    /// `scaling_factor` from the config (multiply the mean by it to get diffusion latents).
    public let scalingFactor: Float
    let convIn: Conv2d
    let downBlocks: [(resnets: [ResnetBlock2D], downsampler: Conv2d?)]
    let midBlock: AutoencoderMidBlock
    let normOut: GroupNorm
    let convOut: Conv2d
    let quantConv: Conv2d?

    /// Loads the encoder (and `quant_conv`) from a diffusers `vae` folder of class `AutoencoderKL`;
    /// the decoder's tensors are ignored.
    public init(directory: URL) throws(ModelLoadError) {
        let config = try ComponentConfig(component: "vae", url: directory.appendingPathComponent("config.json"))
        let className = try config.string("_class_name", default: "AutoencoderKL")
        guard className == "AutoencoderKL" else {
            throw .unsupportedConfig(component: "vae", field: "_class_name", value: className, supported: "AutoencoderKL (for encoding)")
        }
        let file = try SafeTensorsFile(url: directory.appendingPathComponent("diffusion_pytorch_model.safetensors"))
        let weights = ComponentWeights(component: "vae", file: file, ignoredPrefixes: ["decoder.", "post_quant_conv."])
        try self.init(config: config, weights: weights)
        try weights.finishLoading()
    }

    init(config: ComponentConfig, weights: ComponentWeights) throws(ModelLoadError) {
        try config.require("down_block_types", supported: "a list of DownEncoderBlock2D") {
            ($0 as? [String])?.allSatisfy { $0 == "DownEncoderBlock2D" } ?? false
        }
        try config.require("act_fn", supported: "\"silu\"") { ($0 as? String) == "silu" || ($0 as? String) == "swish" }
        try config.require("double_z", supported: "true") { ($0 as? Bool) == true }
        let channels = try config.ints("block_out_channels", default: [64])
        let layers = try config.int("layers_per_block", default: 1)
        let groups = try config.int("norm_num_groups", default: 32)
        let inputChannels = try config.int("in_channels", default: 3)
        latentChannels = try config.int("latent_channels", default: 4)
        scalingFactor = try config.float("scaling_factor", default: 0.18215)
        downsamplingFactor = 1 << (channels.count - 1)
        let epsilon: Float = 1e-6
        convIn = try weights.conv("encoder.conv_in", input: inputChannels, output: channels[0], kernel: 3)
        var blocks: [(resnets: [ResnetBlock2D], downsampler: Conv2d?)] = []
        var output = channels[0]
        for index in 0..<channels.count {
            let input = output
            output = channels[index]
            var resnets: [ResnetBlock2D] = []
            for layer in 0..<layers {
                resnets.append(try ResnetBlock2D(weights: weights, prefix: "encoder.down_blocks.\(index).resnets.\(layer)",
                                                 input: layer == 0 ? input : output, output: output, timeChannels: nil,
                                                 groups: groups, epsilon: epsilon))
            }
            let isFinal = index == channels.count - 1
            let downsampler = isFinal ? nil : Conv2d(
                weight: try weights.weight("encoder.down_blocks.\(index).downsamplers.0.conv.weight", shape: [output, output, 3, 3]),
                bias: try weights.tensor("encoder.down_blocks.\(index).downsamplers.0.conv.bias", shape: [output]),
                stride: 2, padding: (top: 0, left: 0, bottom: 1, right: 1))
            blocks.append((resnets, downsampler))
        }
        downBlocks = blocks
        let top = channels[channels.count - 1]
        midBlock = try AutoencoderMidBlock(weights: weights, prefix: "encoder.mid_block", channels: top, groups: groups,
                                           withAttention: try config.bool("mid_block_add_attention", default: true))
        normOut = try weights.groupNorm("encoder.conv_norm_out", groups: groups, channels: top, epsilon: epsilon)
        convOut = try weights.conv("encoder.conv_out", input: top, output: 2 * latentChannels, kernel: 3)
        quantConv = try config.bool("use_quant_conv", default: true)
            ? try weights.conv("quant_conv", input: 2 * latentChannels, output: 2 * latentChannels, kernel: 1) : nil
    }

    /// `[N, 3, H, W]` images in [-1, 1] (H, W multiples of `downsamplingFactor`) → the latent mean
    /// `[N, latentChannels, H/f, W/f]` (multiply by `scalingFactor` for diffusion latents).
    public func encodeMean(_ image: Tensor) -> Tensor {
        encodeMoments(image).mean
    }

    /// The latent distribution of `[N, 3, H, W]` images in [-1, 1], as diffusers'
    /// `DiagonalGaussianDistribution`: the mean and the log-variance clamped to [-30, 20], each
    /// `[N, latentChannels, H/f, W/f]`.
    public func encodeMoments(_ image: Tensor) -> (mean: Tensor, logVariance: Tensor) {
        var hidden = convIn(image)
        for block in downBlocks {
            for resnet in block.resnets { hidden = resnet(hidden, activatedTime: nil) }
            if let downsampler = block.downsampler { hidden = downsampler(hidden) }
        }
        hidden = convOut(normOut(midBlock(hidden), activation: .silu))
        let moments = quantConv.map { $0(hidden) } ?? hidden
        let (batch, plane) = (moments.shape[0], moments.shape[2] * moments.shape[3])
        let shape = [batch, latentChannels, moments.shape[2], moments.shape[3]]
        var mean = Tensor(shape: shape)
        var logVariance = Tensor(shape: shape)
        let half = latentChannels * plane
        for n in 0..<batch {
            let source = n * 2 * half
            mean.scalars.replaceSubrange((n * half)..<((n + 1) * half), with: moments.scalars[source..<(source + half)])
            logVariance.scalars.replaceSubrange((n * half)..<((n + 1) * half),
                                                with: moments.scalars[(source + half)..<(source + 2 * half)].map { min(max($0, -30), 20) })
        }
        return (mean, logVariance)
    }

    /// `vae.encode(image).latent_dist.sample(generator)`: mean + exp(logvar / 2) · randn, drawing one
    /// normal per latent value from `generator` (before `scalingFactor`).
    public func encodeSample(_ image: Tensor, generator: inout TorchGenerator) -> Tensor {
        let (mean, logVariance) = encodeMoments(image)
        let noise = generator.randn(mean.count)
        var sample = mean
        for i in sample.scalars.indices {
            sample.scalars[i] = mean.scalars[i] + exp(0.5 * logVariance.scalars[i]) * noise[i]
        }
        return sample
    }
}

extension AutoencoderKLEncoder: LatentEncoder {
    /// True: encoding samples the latent distribution.
    var samplesLatents: Bool { true }

    /// Samples the latent distribution (diffusers' `retrieve_latents` with `sample_mode="sample"`).
    func encode(_ image: Tensor, generator: inout TorchGenerator) -> Tensor {
        encodeSample(image, generator: &generator)
    }
}
