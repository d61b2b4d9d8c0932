import Foundation

/// The encoder of diffusers' `AutoencoderTiny` (TAESD): the image mapped from [-1, 1] to [0, 1], a conv,
/// then per further stage a stride-2 conv without bias, residual conv blocks after each, and a final conv
/// to the latent channels. Deterministic: `vae.encode(image).latents` has no distribution to sample.
///
/// (It lives with the pipeline code because image input is its only user.)
struct AutoencoderTinyEncoder: LatentEncoder {
    let latentChannels: Int
    let downsamplingFactor: Int
    let scalingFactor: Float
    /// False: TAESD latents are deterministic.
    var samplesLatents: Bool { false }
    let layers: [Layer]
    let activation: Activation

    /// One entry of the encoder's `nn.Sequential`.
    enum Layer: Sendable {
        case convolution(Conv2d)
        case block(conv1: Conv2d, conv2: Conv2d, conv3: Conv2d)
    }

    init(config: ComponentConfig, weights: ComponentWeights) throws(ModelLoadError) {
        let actName = try config.string("act_fn", default: "relu")
        guard let activation = Activation(configName: actName) else {
            throw .unsupportedConfig(component: "vae", field: "act_fn", value: actName, supported: "relu, silu, gelu")
        }
        self.activation = activation
        let channels = try config.ints("encoder_block_out_channels", default: [64, 64, 64, 64])
        let blocks = try config.ints("num_encoder_blocks", default: [1, 3, 3, 3])
        guard channels.count == blocks.count, let first = channels.first else {
            throw .unsupportedConfig(component: "vae", field: "num_encoder_blocks", value: "\(blocks)",
                                     supported: "one entry per encoder_block_out_channels entry")
        }
        // diffusers builds each stage's stride-2 conv from that stage's width to itself, so only equal widths run.
        guard channels.allSatisfy({ $0 == first }) else {
            throw .unsupportedConfig(component: "vae", field: "encoder_block_out_channels", value: "\(channels)",
                                     supported: "one width for every stage (as TAESD)")
        }
        latentChannels = try config.int("latent_channels", default: 4)
        scalingFactor = try config.float("scaling_factor", default: 1)
        downsamplingFactor = 1 << (channels.count - 1)
        let inputChannels = try config.int("in_channels", default: 3)
        var layers: [Layer] = []
        var index = 0
        func name(_ suffix: String?) -> String { "encoder.layers.\(index)" + (suffix.map { ".\($0)" } ?? "") }
        for (stage, count) in blocks.enumerated() {
            let width = channels[stage]
            if stage == 0 {
                layers.append(.convolution(try weights.conv(name(nil), input: inputChannels, output: width, kernel: 3)))
            } else {
                layers.append(.convolution(try weights.conv(name(nil), input: width, output: width, kernel: 3, stride: 2,
                                                            padding: 1, bias: false)))
            }
            index += 1
            for _ in 0..<count {
                layers.append(.block(conv1: try weights.conv(name("conv.0"), input: width, output: width, kernel: 3),
                                     conv2: try weights.conv(name("conv.2"), input: width, output: width, kernel: 3),
                                     conv3: try weights.conv(name("conv.4"), input: width, output: width, kernel: 3)))
                index += 1
            }
        }
        layers.append(.convolution(try weights.conv(name(nil), input: first, output: latentChannels, kernel: 3)))
        self.layers = layers
    }

    /// `[N, 3, H, W]` images in [-1, 1] → latents `[N, latentChannels, H/f, W/f]`; `generator` is untouched.
    func encode(_ image: Tensor, generator: inout TorchGenerator) -> Tensor {
        var hidden = image
        for i in hidden.scalars.indices { hidden.scalars[i] = (hidden.scalars[i] + 1) / 2 }
        for layer in layers {
            switch layer {
            case let .convolution(conv):
                hidden = conv(hidden)
            case let .block(conv1, conv2, conv3):
                var inner = conv1(hidden)
                activation.apply(to: &inner)
                inner = conv2(inner)
                activation.apply(to: &inner)
                inner = conv3(inner)
                inner.add(hidden)
                Activation.relu.apply(to: &inner)
                hidden = inner
            }
        }
        return hidden
    }
}
