/// diffusers' `ResnetBlock2D` (default time-scale-shift): two norm→SiLU→conv stages with an
/// optional time-embedding bias and a 1x1 shortcut when the channel count changes.
struct ResnetBlock2D: Sendable {
    let norm1: GroupNorm
    let conv1: Conv2d
    let timeProjection: Linear?
    let norm2: GroupNorm
    let conv2: Conv2d
    let shortcut: Conv2d?
    let outputScale: Float

    /// Loads `prefix.{norm1,conv1,time_emb_proj,norm2,conv2,conv_shortcut}`.
    init(weights: ComponentWeights, prefix: String, input: Int, output: Int, timeChannels: Int?,
         groups: Int, epsilon: Float, outputScale: Float = 1) throws(ModelLoadError) {
        norm1 = try weights.groupNorm("\(prefix).norm1", groups: groups, channels: input, epsilon: epsilon)
        conv1 = try weights.conv("\(prefix).conv1", input: input, output: output, kernel: 3)
        timeProjection = try timeChannels.map { (channels) throws(ModelLoadError) in
            try weights.linear("\(prefix).time_emb_proj", input: channels, output: output)
        }
        norm2 = try weights.groupNorm("\(prefix).norm2", groups: groups, channels: output, epsilon: epsilon)
        conv2 = try weights.conv("\(prefix).conv2", input: output, output: output, kernel: 3)
        shortcut = input == output ? nil : try weights.conv("\(prefix).conv_shortcut", input: input, output: output, kernel: 1)
        self.outputScale = outputScale
    }

    /// `input`: `[N, C, H, W]`; `activatedTime`: SiLU(time embedding), `[N, T]`, when the block has a time projection.
    func callAsFunction(_ input: Tensor, activatedTime: Tensor?) -> Tensor {
        var hidden = conv1(norm1(input, activation: .silu))
        if let timeProjection, let activatedTime {
            let bias = timeProjection(activatedTime)
            let (batch, channels) = (hidden.shape[0], hidden.shape[1])
            let plane = hidden.count / (batch * channels)
            hidden.scalars.withUnsafeMutableBufferPointer { h in
                for n in 0..<batch {
                    for c in 0..<channels {
                        let value = bias.scalars[n * channels + c]
                        let start = (n * channels + c) * plane
                        for i in start..<(start + plane) { h[i] += value }
                    }
                }
            }
        }
        hidden = conv2(norm2(hidden, activation: .silu))
        hidden.add(shortcut.map { $0(input) } ?? input)
        return outputScale == 1 ? hidden : hidden.scaled(by: 1 / outputScale)
    }
}

/// diffusers' `Upsample2D` with a conv: nearest 2x, then 3x3 conv.
struct Upsample2D: Sendable {
    let conv: Conv2d

    /// Loads `prefix.conv`.
    init(weights: ComponentWeights, prefix: String, channels: Int) throws(ModelLoadError) {
        conv = try weights.conv("\(prefix).conv", input: channels, output: channels, kernel: 3)
    }

    func callAsFunction(_ input: Tensor) -> Tensor { conv(input.upsampledNearest(factor: 2)) }
}

/// diffusers' `Downsample2D` with a conv: 3x3, stride 2, padding 1.
struct Downsample2D: Sendable {
    let conv: Conv2d

    /// Loads `prefix.conv`.
    init(weights: ComponentWeights, prefix: String, channels: Int, padding: Int) throws(ModelLoadError) {
        conv = try weights.conv("\(prefix).conv", input: channels, output: channels, kernel: 3, stride: 2, padding: padding)
    }

    func callAsFunction(_ input: Tensor) -> Tensor { conv(input) }
}
