import Foundation

/// transformers' `CLIPTextModel`: token + position embeddings, pre-norm transformer layers
/// with a causal mask, final layer norm; returns `last_hidden_state`.
public struct CLIPTextModel: Sendable {
    /// The width of each token's hidden state (`hidden_size`).
    public let hiddenSize: Int
    /// The longest token sequence (`max_position_embeddings`).
    public let maxPositions: Int
    /// The number of token embeddings (`vocab_size`); every token id must be below it.
    public var vocabularySize: Int { tokenEmbedding.shape[0] }
    let tokenEmbedding: WeightTensor
    let positionEmbedding: Tensor
    let layers: [Layer]
    let finalNorm: LayerNorm
    let activation: Activation

    /// One encoder layer.
    struct Layer: Sendable {
        let norm1: LayerNorm
        let attention: AttentionLayer
        let norm2: LayerNorm
        let fc1: Linear
        let fc2: Linear
    }

    /// Loads `config.json` and `model.safetensors` from a `text_encoder` folder.
    /// Tensor names are accepted with or without the `text_model.` prefix.
    public init(directory: URL) throws(ModelLoadError) {
        let config = try ComponentConfig(component: "text_encoder", url: directory.appendingPathComponent("config.json"))
        let file = try SafeTensorsFile(url: directory.appendingPathComponent("model.safetensors"))
        let weights = ComponentWeights(component: "text_encoder", file: file, optionalPrefix: "text_model.",
                                       ignoredPrefixes: ["embeddings.position_ids"])
        try self.init(config: config, weights: weights)
        try weights.finishLoading()
    }

    /// A model shaped by the `config.json` at `configURL` with seeded random weights (for benchmarks).
    public init(configURL: URL, randomWeightsSeed seed: UInt64) throws(ModelLoadError) {
        try self.init(config: ComponentConfig(component: "text_encoder", url: configURL),
                      weights: ComponentWeights(component: "text_encoder", randomSeed: seed))
    }

    init(config: ComponentConfig, weights: ComponentWeights) throws(ModelLoadError) {
        let hidden = try config.int("hidden_size")
        let intermediate = try config.int("intermediate_size")
        let layerCount = try config.int("num_hidden_layers")
        let heads = try config.int("num_attention_heads")
        let vocabulary = try config.int("vocab_size")
        let positions = try config.int("max_position_embeddings", default: 77)
        let epsilon = try config.float("layer_norm_eps", default: 1e-5)
        let act = try config.string("hidden_act", default: "quick_gelu")
        guard let activation = Activation(configName: act) else {
            throw .unsupportedConfig(component: "text_encoder", field: "hidden_act", value: act,
                                     supported: "quick_gelu, gelu, gelu_new, gelu_pytorch_tanh, relu, silu")
        }
        guard heads > 0, hidden % heads == 0 else {
            throw .unsupportedConfig(component: "text_encoder", field: "num_attention_heads", value: "\(heads)",
                                     supported: "a divisor of hidden_size (\(hidden))")
        }
        hiddenSize = hidden
        maxPositions = positions
        self.activation = activation
        tokenEmbedding = try weights.weight("embeddings.token_embedding.weight", shape: [vocabulary, hidden])
        positionEmbedding = try weights.tensor("embeddings.position_embedding.weight", shape: [positions, hidden])
        var layers: [Layer] = []
        for index in 0..<layerCount {
            let prefix = "encoder.layers.\(index)"
            layers.append(Layer(
                norm1: try weights.layerNorm("\(prefix).layer_norm1", dimension: hidden, epsilon: epsilon),
                attention: try AttentionLayer(weights: weights, prefix: "\(prefix).self_attn",
                                              names: (q: "q_proj", k: "k_proj", v: "v_proj", out: "out_proj"),
                                              queryDimension: hidden, contextDimension: hidden, heads: heads, projectionBias: true),
                norm2: try weights.layerNorm("\(prefix).layer_norm2", dimension: hidden, epsilon: epsilon),
                fc1: try weights.linear("\(prefix).mlp.fc1", input: hidden, output: intermediate),
                fc2: try weights.linear("\(prefix).mlp.fc2", input: intermediate, output: hidden)))
        }
        self.layers = layers
        finalNorm = try weights.layerNorm("final_layer_norm", dimension: hidden, epsilon: epsilon)
    }

    /// The final hidden states `[batch, tokens, hiddenSize]` for equal-length token id rows.
    public func encode(_ tokenRows: [[Int32]]) -> Tensor {
        let batch = tokenRows.count
        let tokens = tokenRows.first?.count ?? 0
        precondition(tokens <= maxPositions && tokenRows.allSatisfy { $0.count == tokens }, "CLIPTextModel: token rows")
        let vocabulary = tokenEmbedding.shape[0]
        var hidden = Tensor(shape: [batch, tokens, hiddenSize])
        hidden.scalars.withUnsafeMutableBufferPointer { out in
            for (b, row) in tokenRows.enumerated() {
                for (t, id) in row.enumerated() {
                    let token = Int(id)
                    precondition(token >= 0 && token < vocabulary, "CLIPTextModel: token id \(id) outside the vocabulary")
                    let destination = out.baseAddress! + (b * tokens + t) * hiddenSize
                    tokenEmbedding.widen((token * hiddenSize)..<((token + 1) * hiddenSize), into: destination)
                    for c in 0..<hiddenSize { destination[c] += positionEmbedding.scalars[t * hiddenSize + c] }
                }
            }
        }
        for layer in layers {
            hidden.add(layer.attention(layer.norm1(hidden), causal: true))
            var inner = layer.fc1(layer.norm2(hidden))
            activation.apply(to: &inner)
            hidden.add(layer.fc2(inner))
        }
        return finalNorm(hidden)
    }
}
