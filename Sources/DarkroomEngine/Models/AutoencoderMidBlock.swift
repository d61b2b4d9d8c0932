/// diffusers' `UNetMidBlock2D` as the VAE uses it (no time embedding): resnet, optional
/// single-head self-attention with its own group norm and residual, resnet.
struct AutoencoderMidBlock: Sendable {
    let resnets: [ResnetBlock2D]
    let attention: (norm: GroupNorm, layer: AttentionLayer)?

    /// Loads `prefix.{resnets.0, attentions.0, resnets.1}` (`prefix` is `encoder.mid_block` or `decoder.mid_block`).
    init(weights: ComponentWeights, prefix: String, channels: Int, groups: Int, withAttention: Bool) throws(ModelLoadError) {
        let epsilon: Float = 1e-6
        resnets = [
            try ResnetBlock2D(weights: weights, prefix: "\(prefix).resnets.0", input: channels, output: channels, timeChannels: nil,
                              groups: groups, epsilon: epsilon),
            try ResnetBlock2D(weights: weights, prefix: "\(prefix).resnets.1", input: channels, output: channels, timeChannels: nil,
                              groups: groups, epsilon: epsilon),
        ]
        if withAttention {
            let name = "\(prefix).attentions.0"
            attention = (try weights.groupNorm("\(name).group_norm", groups: groups, channels: channels, epsilon: epsilon),
                         try AttentionLayer(weights: weights, prefix: name, names: AttentionLayer.diffusersNames,
                                            queryDimension: channels, contextDimension: channels, heads: 1, projectionBias: true))
        } else {
            attention = nil
        }
    }

    func callAsFunction(_ input: Tensor) -> Tensor {
        var hidden = resnets[0](input, activatedTime: nil)
        if let (norm, layer) = attention {
            let (height, width) = (hidden.shape[2], hidden.shape[3])
            var attended = layer(norm(hidden).channelsLastTokens()).channelsFirstImage(height: height, width: width)
            attended.add(hidden)
            hidden = attended
        }
        return resnets[1](hidden, activatedTime: nil)
    }
}
