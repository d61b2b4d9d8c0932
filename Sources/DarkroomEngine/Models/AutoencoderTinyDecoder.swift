import Foundation

/// The decoder of diffusers' `AutoencoderTiny` (TAESD): soft clamp `tanh(x/3)*3`, conv,
/// residual conv blocks with nearest upsampling between stages, final conv, `x*2-1`.
public struct AutoencoderTinyDecoder: LatentDecoder {
    /// Channels of the latent space.
    public let latentChannels: Int
    /// `2^(stages - 1)` (the `upsampling_scaling_factor` per stage, which must be 2).
    public let downsamplingFactor: Int
    /// `scaling_factor` from the config (1.0 for TAESD).
    public let scalingFactor: Float
    let layers: [Layer]
    let activation: Activation

    /// One entry of the decoder's `nn.Sequential`.
    enum Layer: Sendable {
        case convolution(Conv2d, activate: Bool)
        case block(conv1: Conv2d, conv2: Conv2d, conv3: Conv2d, skip: Conv2d?)
        case upsample
    }

    init(config: ComponentConfig, weights: ComponentWeights) throws(ModelLoadError) {
        try config.require("upsampling_scaling_factor", supported: "2") { ComponentConfig.integer($0) == 2 }
        try config.require("upsample_fn", supported: "\"nearest\"") { ($0 as? String) == "nearest" }
        try config.require("shift_factor", supported: "null or 0") { ($0 as? NSNumber)?.doubleValue == 0 }
        let actName = try config.string("act_fn", default: "relu")
        guard let activation = Activation(configName: actName) else {
            throw .unsupportedConfig(component: "vae", field: "act_fn", value: actName, supported: "relu, silu, gelu")
        }
        self.activation = activation
        let channels = try config.ints("decoder_block_out_channels", default: [64, 64, 64, 64])
        let blocks = try config.ints("num_decoder_blocks", default: [3, 3, 3, 1])
        guard channels.count == blocks.count, !channels.isEmpty else {
            throw .unsupportedConfig(component: "vae", field: "num_decoder_blocks", value: "\(blocks)",
                                     supported: "one entry per decoder_block_out_channels entry")
        }
        latentChannels = try config.int("latent_channels", default: 4)
        scalingFactor = try config.float("scaling_factor", default: 1)
        downsamplingFactor = 1 << (channels.count - 1)
        let outputChannels = try config.int("out_channels", default: 3)
        var layers: [Layer] = []
        var index = 0
        func name(_ suffix: String?) -> String { "decoder.layers.\(index)" + (suffix.map { ".\($0)" } ?? "") }
        layers.append(.convolution(try weights.conv(name(nil), input: latentChannels, output: channels[0], kernel: 3), activate: true))
        index = 2  // conv, activation
        for (stage, count) in blocks.enumerated() {
            let width = channels[stage]
            for _ in 0..<count {
                layers.append(.block(conv1: try weights.conv(name("conv.0"), input: width, output: width, kernel: 3),
                                     conv2: try weights.conv(name("conv.2"), input: width, output: width, kernel: 3),
                                     conv3: try weights.conv(name("conv.4"), input: width, output: width, kernel: 3),
                                     skip: nil))
                index += 1
            }
            let isFinal = stage == blocks.count - 1
            if !isFinal {
                layers.append(.upsample)
                index += 1
            }
            layers.append(.convolution(try weights.conv(name(nil), input: width, output: isFinal ? outputChannels : width,
                                                        kernel: 3, bias: isFinal), activate: false))
            index += 1
        }
        self.layers = layers
    }

    /// Decodes latents into an image in about [-1, 1].
    public func decode(_ latents: Tensor) -> Tensor {
        var hidden = latents.softClamped(limit: 3)
        for layer in layers {
            switch layer {
            case let .convolution(conv, activate):
                hidden = conv(hidden, activation: activate ? activation : nil)
            case let .block(conv1, conv2, conv3, skip):
                var inner = conv3(conv2(conv1(hidden, activation: activation), activation: activation))
                inner.add(skip.map { $0(hidden) } ?? hidden)
                Activation.relu.apply(to: &inner)
                hidden = inner
            case .upsample:
                hidden = hidden.upsampledNearest(factor: 2)
            }
        }
        for i in hidden.scalars.indices { hidden.scalars[i] = hidden.scalars[i] * 2 - 1 }
        return hidden
    }
}
