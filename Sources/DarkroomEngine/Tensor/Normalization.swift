/// Group normalisation over NCHW (or any `[N, C, ...]`) tensors, as `torch.nn.GroupNorm`.
public struct GroupNorm: Sendable {
    /// The number of channel groups.
    public let groups: Int
    /// The number of channels.
    public let channels: Int
    /// Added to the variance before the square root.
    public let epsilon: Float
    /// Per-channel scale, `[channels]`.
    public let weight: Tensor
    /// Per-channel shift, `[channels]`.
    public let bias: Tensor

    /// A group norm with the given affine parameters (`[channels]` each).
    public init(groups: Int, channels: Int, epsilon: Float, weight: Tensor, bias: Tensor) {
        precondition(channels % groups == 0, "GroupNorm: \(channels) channels not divisible by \(groups) groups")
        precondition(weight.shape == [channels] && bias.shape == [channels], "GroupNorm: parameter shape")
        self.groups = groups
        self.channels = channels
        self.epsilon = epsilon
        self.weight = weight
        self.bias = bias
    }

    /// Normalises `input` (`[N, C, ...]`), optionally applying `activation` afterwards in the same pass.
    public func callAsFunction(_ input: Tensor, activation: Activation? = nil) -> Tensor {
        precondition(input.rank >= 2 && input.shape[1] == channels, "GroupNorm: input \(input.shape), channels \(channels)")
        let batch = input.shape[0]
        let spatial = input.count / (batch * channels)
        let perGroup = channels / groups
        let groupSize = perGroup * spatial
        var output = Tensor(shape: input.shape)
        let epsilon = Double(self.epsilon)
        NormalizationStatistics.withPointers(input, &output, weight, bias) { source, destination, scale, shift in
            ParallelLoop.forEachChunk(batch * groups, costPerIteration: groupSize * 3) { range in
                for index in range {
                    let group = index % groups
                    let base = index * groupSize
                    let (meanF, inverse) = VectorMath.moments(source.base + base, count: groupSize, epsilon: epsilon)
                    for c in 0..<perGroup {
                        let channel = group * perGroup + c
                        let a = scale.base[channel] * inverse
                        let start = base + c * spatial
                        VectorMath.affine(destination.base + start, source.base + start, count: spatial,
                                          scale: a, shift: shift.base[channel] - meanF * a, activation: activation)
                    }
                }
            }
        }
        return output
    }
}

/// Layer normalisation over the last dimension, as `torch.nn.LayerNorm`.
public struct LayerNorm: Sendable {
    /// The size of the normalised (last) dimension.
    public let dimension: Int
    /// Added to the variance before the square root.
    public let epsilon: Float
    /// Scale, `[dimension]`.
    public let weight: Tensor
    /// Shift, `[dimension]`.
    public let bias: Tensor

    /// A layer norm with the given affine parameters (`[dimension]` each).
    public init(dimension: Int, epsilon: Float, weight: Tensor, bias: Tensor) {
        precondition(weight.shape == [dimension] && bias.shape == [dimension], "LayerNorm: parameter shape")
        self.dimension = dimension
        self.epsilon = epsilon
        self.weight = weight
        self.bias = bias
    }

    /// Normalises each row of length `dimension` of `input`.
    public func callAsFunction(_ input: Tensor) -> Tensor {
        precondition(input.shape.last == dimension, "LayerNorm: input \(input.shape), dimension \(dimension)")
        let rows = input.count / dimension
        let dimension = self.dimension
        let epsilon = Double(self.epsilon)
        var output = Tensor(shape: input.shape)
        NormalizationStatistics.withPointers(input, &output, weight, bias) { source, destination, scale, shift in
            ParallelLoop.forEachChunk(rows, costPerIteration: dimension * 3) { range in
                for row in range {
                    let base = row * dimension
                    let (meanF, inverse) = VectorMath.moments(source.base + base, count: dimension, epsilon: epsilon)
                    for i in 0..<dimension {
                        destination.base[base + i] = (source.base[base + i] - meanF) * inverse * scale.base[i] + shift.base[i]
                    }
                }
            }
        }
        return output
    }
}

/// The pointers both normalisations work on (their statistics come from ``VectorMath/moments(_:count:epsilon:)``).
enum NormalizationStatistics {
    /// Runs `body` with shared pointers to the input, the output and the affine parameters.
    static func withPointers(_ input: Tensor, _ output: inout Tensor, _ weight: Tensor, _ bias: Tensor,
                             _ body: (SharedPointer<Float>, SharedPointer<Float>, SharedPointer<Float>, SharedPointer<Float>) -> Void) {
        input.scalars.withUnsafeBufferPointer { src in
            output.scalars.withUnsafeMutableBufferPointer { dst in
                weight.scalars.withUnsafeBufferPointer { gamma in
                    bias.scalars.withUnsafeBufferPointer { beta in
                        body(SharedPointer(base: UnsafeMutablePointer(mutating: src.baseAddress!)), SharedPointer(base: dst.baseAddress!),
                             SharedPointer(base: UnsafeMutablePointer(mutating: gamma.baseAddress!)),
                             SharedPointer(base: UnsafeMutablePointer(mutating: beta.baseAddress!)))
                    }
                }
            }
        }
    }
}
