/// diffusers' `BasicTransformerBlock` (layer-norm variant): self-attention, cross-attention
/// and a GEGLU feed-forward, each pre-normalised and residual.
struct BasicTransformerBlock: Sendable {
    let norm1: LayerNorm
    let selfAttention: AttentionLayer
    let norm2: LayerNorm
    let crossAttention: AttentionLayer
    let norm3: LayerNorm
    let feedForwardIn: Linear
    let feedForwardOut: Linear

    /// Loads `prefix.{norm1,attn1,norm2,attn2,norm3,ff.net.0.proj,ff.net.2}`.
    init(weights: ComponentWeights, prefix: String, dimension: Int, contextDimension: Int, heads: Int) throws(ModelLoadError) {
        norm1 = try weights.layerNorm("\(prefix).norm1", dimension: dimension, epsilon: 1e-5)
        selfAttention = try AttentionLayer(weights: weights, prefix: "\(prefix).attn1", names: AttentionLayer.diffusersNames,
                                           queryDimension: dimension, contextDimension: dimension, heads: heads, projectionBias: false)
        norm2 = try weights.layerNorm("\(prefix).norm2", dimension: dimension, epsilon: 1e-5)
        crossAttention = try AttentionLayer(weights: weights, prefix: "\(prefix).attn2", names: AttentionLayer.diffusersNames,
                                            queryDimension: dimension, contextDimension: contextDimension, heads: heads, projectionBias: false)
        norm3 = try weights.layerNorm("\(prefix).norm3", dimension: dimension, epsilon: 1e-5)
        let inner = dimension * 4
        feedForwardIn = try weights.linear("\(prefix).ff.net.0.proj", input: dimension, output: inner * 2)
        feedForwardOut = try weights.linear("\(prefix).ff.net.2", input: inner, output: dimension)
    }

    /// `hidden`: `[N, tokens, dimension]`; `context`: `[N, contextTokens, contextDimension]`.
    func callAsFunction(_ hidden: Tensor, context: Tensor) -> Tensor {
        var x = hidden
        x.add(selfAttention(norm1(x)))
        x.add(crossAttention(norm2(x), context: context))
        x.add(feedForwardOut(GEGLU.apply(feedForwardIn(norm3(x)))))
        return x
    }
}

/// The gated GELU of diffusers' `GEGLU`: splits the last dimension into `(value, gate)` and
/// returns `value * gelu(gate)`.
enum GEGLU {
    /// `[..., 2d]` → `[..., d]`.
    static func apply(_ projected: Tensor) -> Tensor {
        let width = projected.shape.last! / 2
        let rows = projected.count / (2 * width)
        var shape = projected.shape
        shape[shape.count - 1] = width
        var result = Tensor(shape: shape)
        projected.scalars.withUnsafeBufferPointer { src in
            result.scalars.withUnsafeMutableBufferPointer { dst in
                let source = SharedPointer(base: UnsafeMutablePointer(mutating: src.baseAddress!))
                let destination = SharedPointer(base: dst.baseAddress!)
                ParallelLoop.forEachChunk(rows, costPerIteration: width * 8) { range in
                    for r in range {
                        VectorMath.geglu(destination.base + r * width, source.base + r * 2 * width, width: width)
                    }
                }
            }
        }
        return result
    }
}

/// diffusers' `Transformer2DModel` for continuous inputs: group norm, projection in
/// (1x1 conv or linear), transformer blocks, projection out, residual.
struct Transformer2DModel: Sendable {
    let norm: GroupNorm
    let projectIn: Projection
    let blocks: [BasicTransformerBlock]
    let projectOut: Projection

    /// `proj_in`/`proj_out` as a 1x1 conv on NCHW or a linear layer on tokens.
    enum Projection: Sendable {
        case convolution(Conv2d)
        case linear(Linear)
    }

    /// Loads `prefix.{norm,proj_in,transformer_blocks.*,proj_out}`.
    init(weights: ComponentWeights, prefix: String, channels: Int, heads: Int, layers: Int, contextDimension: Int,
         groups: Int, linearProjection: Bool) throws(ModelLoadError) {
        norm = try weights.groupNorm("\(prefix).norm", groups: groups, channels: channels, epsilon: 1e-6)
        func projection(_ name: String) throws(ModelLoadError) -> Projection {
            linearProjection
                ? .linear(try weights.linear("\(prefix).\(name)", input: channels, output: channels))
                : .convolution(try weights.conv("\(prefix).\(name)", input: channels, output: channels, kernel: 1))
        }
        projectIn = try projection("proj_in")
        var blocks: [BasicTransformerBlock] = []
        for index in 0..<layers {
            blocks.append(try BasicTransformerBlock(weights: weights, prefix: "\(prefix).transformer_blocks.\(index)",
                                                    dimension: channels, contextDimension: contextDimension, heads: heads))
        }
        self.blocks = blocks
        projectOut = try projection("proj_out")
    }

    /// `input`: `[N, C, H, W]`; `context`: encoder hidden states.
    func callAsFunction(_ input: Tensor, context: Tensor) -> Tensor {
        let (height, width) = (input.shape[2], input.shape[3])
        let normalized = norm(input)
        var tokens: Tensor
        switch projectIn {
        case .convolution(let conv): tokens = conv(normalized).channelsLastTokens()
        case .linear(let linear): tokens = linear(normalized.channelsLastTokens())
        }
        for block in blocks { tokens = block(tokens, context: context) }
        var output: Tensor
        switch projectOut {
        case .convolution(let conv): output = conv(tokens.channelsFirstImage(height: height, width: width))
        case .linear(let linear): output = linear(tokens).channelsFirstImage(height: height, width: width)
        }
        output.add(input)
        return output
    }
}
