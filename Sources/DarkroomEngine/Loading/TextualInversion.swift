import Foundation

/// A textual-inversion embedding to load, and the name prompts use for it.
public struct TextualInversionReference: Sendable, Equatable {
    /// The token written in prompts (diffusers' `load_textual_inversion(..., token=name)`); a multi-vector
    /// embedding also takes `name_1`, `name_2`, … as diffusers names them.
    public var name: String
    /// The `.safetensors` file: diffusers' `learned_embeds.safetensors` (`{token: [n, width]}` or `[width]`) or
    /// A1111's (`emb_params`, or `string_to_param.*` as a flattened `string_to_param` with `*`).
    public var url: URL

    /// The embedding in `url`, written `name` in prompts.
    public init(name: String, url: URL) {
        self.name = name
        self.url = url
    }
}

/// A read embedding: its vectors, one row each.
struct TextualInversionFile {
    let reference: TextualInversionReference
    /// `[n, width]`.
    let vectors: Tensor

    /// The keys an embedding file may keep its vectors under when it holds more than one tensor.
    static let vectorKeys = ["emb_params", "string_to_param.*"]

    /// Reads `reference.url`: a missing file, a pickle, or a file with no single embedding tensor is an error.
    init(_ reference: TextualInversionReference) throws(ModelLoadError) {
        let url = reference.url
        guard FileManager.default.fileExists(atPath: url.path) else { throw .missingFile(path: url.path, role: "textual-inversion embedding") }
        if ModelFileKind.isPickle(url) || ModelFileKind.pickleExtensions.contains(url.pathExtension.lowercased()) {
            throw .pickleRefused(path: url.path)
        }
        let file = try SafeTensorsFile(url: url)
        let key: String
        if file.entries.count == 1, let only = file.entries.keys.first {
            key = only
        } else if let known = Self.vectorKeys.first(where: { file.entries[$0] != nil }) {
            key = known
        } else {
            throw .invalidEmbedding(path: url.path, detail: "it holds \(file.entries.count) tensors (\(file.entries.keys.sorted().prefix(6).joined(separator: ", "))), not one embedding or emb_params / string_to_param.* (SDXL embeddings with clip_l/clip_g are not supported)")
        }
        let tensor = try file.tensor(named: key)
        switch tensor.rank {
        case 1 where tensor.count > 0: vectors = tensor.reshaped([1, tensor.count])
        case 2 where tensor.shape[0] > 0 && tensor.shape[1] > 0: vectors = tensor
        default: throw .invalidEmbedding(path: url.path, detail: "'\(key)' has shape \(tensor.shape), not [width] or [vectors, width]")
        }
        self.reference = reference
    }

    /// The tokens diffusers adds for this embedding: `name`, then `name_1` … for each further vector.
    var tokens: [String] {
        [reference.name] + (1..<max(vectors.shape[0], 1)).map { "\(reference.name)_\($0)" }
    }
}

/// Adds embeddings to a tokenizer and text encoder as diffusers' `load_textual_inversion` does: each vector
/// becomes a new token (ids from `len(tokenizer)` on) whose embedding row is appended to the text encoder's token
/// embeddings; multi-vector names are expanded in prompts (``CLIPTokenizer/addingEmbeddingTokens(_:expansions:)``).
enum TextualInversion {
    /// The tokenizer and text-encoder config with `references` added; the rows are registered on `textWeights`.
    static func add(_ references: [TextualInversionReference], tokenizer: CLIPTokenizer, textConfig: ComponentConfig,
                    textWeights: ComponentWeights) throws(ModelLoadError) -> (CLIPTokenizer, ComponentConfig) {
        guard !references.isEmpty else { return (tokenizer, textConfig) }
        let width = try textConfig.int("hidden_size")
        let vocabulary = try textConfig.int("vocab_size")
        guard tokenizer.tokenCount == vocabulary else {
            throw .invalidEmbedding(path: references[0].url.path,
                                    detail: "the tokenizer has \(tokenizer.tokenCount) tokens but the text encoder \(vocabulary) embeddings, so new tokens have no consistent ids")
        }
        var added: [(content: String, id: Int32)] = []
        var expansions: [String: String] = [:]
        var rows: [Float] = []
        for reference in references {
            let embedding = try TextualInversionFile(reference)
            let path = reference.url.path
            guard !reference.name.isEmpty, !reference.name.contains(where: \.isWhitespace) else {
                throw .invalidEmbedding(path: path, detail: "its name '\(reference.name)' is empty or contains spaces")
            }
            guard embedding.vectors.shape[1] == width else {
                throw .invalidEmbedding(path: path, detail: "its vectors are \(embedding.vectors.shape[1]) wide but the text encoder's hidden_size is \(width); it was made for another model family")
            }
            for token in embedding.tokens where tokenizer.contains(token: token) || added.contains(where: { $0.content == token }) {
                throw .invalidEmbedding(path: path, detail: "the token '\(token)' is already in the tokenizer's vocabulary or used by another embedding; give it another name")
            }
            for token in embedding.tokens { added.append((token, Int32(vocabulary + added.count))) }
            if embedding.tokens.count > 1 { expansions[reference.name] = embedding.tokens.joined(separator: " ") }
            rows += embedding.vectors.scalars
        }
        textWeights.appendRows(Tensor(shape: [added.count, width], scalars: rows), to: "embeddings.token_embedding.weight")
        var values = textConfig.values
        values["vocab_size"] = vocabulary + added.count
        let config = ComponentConfig(component: textConfig.component, path: textConfig.path, inferred: values)
        return (tokenizer.addingEmbeddingTokens(added, expansions: expansions), config)
    }
}
