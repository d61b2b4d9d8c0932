import Foundation

/// CLIP's byte-level BPE tokenizer, producing the same ids as transformers'
/// `CLIPTokenizer` called the way diffusers calls it
/// (`padding="max_length", truncation=True`).
///
/// Loads a diffusers `tokenizer/` folder in either layout: `tokenizer.json`
/// (the `tokenizers` library format, merges as `"a b"` strings or pairs) or
/// `vocab.json` + `merges.txt`; `tokenizer_config.json` and
/// `special_tokens_map.json` supply `model_max_length` and the bos, eos, pad
/// and unk tokens when present.
///
/// Encoding: special tokens written literally in the text are matched first
/// (longest match; case-sensitive unless tokenizer.json marks them
/// `"normalized": true`); the text between them is normalised and
/// split by ``CLIPTextSplitter``; each word is byte-pair encoded; the ids are
/// `bos + first (maxLength - 2) word ids + eos`, padded with the pad token.
public struct CLIPTokenizer: Sendable {
    /// `model_max_length`: the fixed length of every encoding (77 for SD).
    public let maxLength: Int
    /// The id that starts every encoding.
    public let bosID: Int32
    /// The id that ends the text of every encoding.
    public let eosID: Int32
    /// The id that fills an encoding up to ``maxLength``.
    public let padID: Int32
    private let encoder: BytePairEncoder
    /// Added tokens matched in the raw text, longest first.
    private let rawAddedTokens: [AddedToken]
    /// Added tokens marked `"normalized": true` in tokenizer.json, matched in
    /// the normalised text (older tokenizer.json files mark CLIP's specials
    /// so, which makes them case-insensitive), longest first.
    private var normalizedAddedTokens: [AddedToken]
    /// Textual-inversion names with more than one vector and what diffusers' `maybe_convert_prompt`
    /// replaces them with (`name name_1 name_2 …`).
    private var embeddingExpansions: [(id: Int32, name: String, expansion: String)] = []

    /// The length used when the configuration names none (CLIP's context).
    public static let defaultMaxLength = 77

    /// Loads the tokenizer in `directory` (see the type's description for
    /// the accepted files).
    public init(directory: URL) throws {
        let fileManager = FileManager.default
        func file(_ name: String) -> URL? {
            let url = directory.appendingPathComponent(name)
            return fileManager.fileExists(atPath: url.path) ? url : nil
        }
        var settings = try SpecialTokenSettings(
            config: file("tokenizer_config.json").map(Self.readJSONObject),
            specialTokensMap: file("special_tokens_map.json").map(Self.readJSONObject))

        let vocabulary: [String: Int32]
        let merges: [BytePairEncoder.Pair]
        var added: [String: Int32] = [:]
        var normalizedContents: Set<String> = []
        if let url = file("tokenizer.json") {
            let root = try Self.readJSONObject(url)
            guard let model = root["model"] as? [String: Any] else {
                throw TokenizerError.malformedFile(path: url.path, reason: "no \"model\" object")
            }
            let type = model["type"] as? String ?? "BPE"
            guard type == "BPE" else { throw TokenizerError.unsupportedModel(path: url.path, type: type) }
            vocabulary = try Self.vocabulary(model["vocab"], path: url.path)
            merges = try Self.merges(fromJSON: model["merges"], path: url.path)
            if let unk = model["unk_token"] as? String { settings.unk = settings.unk ?? unk }
            for case let token as [String: Any] in root["added_tokens"] as? [Any] ?? [] {
                guard let content = token["content"] as? String, let id = (token["id"] as? NSNumber)?.int32Value else {
                    throw TokenizerError.malformedFile(path: url.path, reason: "an added token lacks content or id")
                }
                added[content] = id
                if token["normalized"] as? Bool == true { normalizedContents.insert(content) }
            }
            if let post = root["post_processor"] as? [String: Any] {
                if let cls = post["cls"] as? [Any], let token = cls.first as? String { settings.bos = settings.bos ?? token }
                if let sep = post["sep"] as? [Any], let token = sep.first as? String { settings.eos = settings.eos ?? token }
            }
        } else if let vocabURL = file("vocab.json"), let mergesURL = file("merges.txt") {
            vocabulary = try Self.vocabulary(try Self.readJSONObject(vocabURL), path: vocabURL.path)
            merges = try Self.merges(fromText: mergesURL)
        } else {
            throw TokenizerError.missingFiles(directory: directory.path)
        }
        for pair in merges where vocabulary[pair.left + pair.right] == nil {
            throw TokenizerError.mergeNotInVocabulary(left: pair.left, right: pair.right)
        }

        func id(_ role: String, _ token: String) throws -> Int32 {
            guard let id = added[token] ?? vocabulary[token] else {
                throw TokenizerError.unknownSpecialToken(role: role, token: token)
            }
            added[token] = id  // every special token is matched literally in text
            return id
        }
        bosID = try id("bos", settings.bos ?? "<|startoftext|>")
        eosID = try id("eos", settings.eos ?? "<|endoftext|>")
        padID = try id("pad", settings.pad ?? "<|endoftext|>")
        let unknownID = try id("unk", settings.unk ?? "<|endoftext|>")
        maxLength = settings.maxLength ?? Self.defaultMaxLength
        guard maxLength >= 2 else { throw TokenizerError.invalidMaxLength(maxLength) }
        encoder = BytePairEncoder(vocabulary: vocabulary, merges: merges, unknownID: unknownID)
        let tokens = added.filter { !$0.key.isEmpty }
            .map { AddedToken(content: $0.key, id: $0.value) }
            .sorted { ($0.scalars.count, $0.content) > ($1.scalars.count, $1.content) }
        rawAddedTokens = tokens.filter { !normalizedContents.contains($0.content) }
        normalizedAddedTokens = tokens.filter { normalizedContents.contains($0.content) }
    }

    /// `bos + tokens + eos`, truncated and padded to ``maxLength``, exactly
    /// as `tokenizer(text, padding="max_length", truncation=True).input_ids`.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = [bosID]
        let budget = maxLength - 2
        var tokens = tokenize(expandingEmbeddings(text))
        if tokens.count > budget { tokens.removeLast(tokens.count - budget) }
        ids += tokens
        ids.append(eosID)
        ids += [Int32](repeating: padID, count: maxLength - ids.count)
        return ids
    }

    /// The ids of `text` without bos, eos, truncation or padding.
    public func tokenize(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        Self.split(Array(text.unicodeScalars), on: rawAddedTokens, token: { ids.append($0) }) { segment in
            let normalized = CLIPTextSplitter.normalize(String(String.UnicodeScalarView(segment)))
            Self.split(normalized, on: normalizedAddedTokens, token: { ids.append($0) }) { part in
                for word in CLIPTextSplitter.words(part) {
                    ids += encoder.encode(word: word)
                }
            }
        }
        return ids
    }

    // MARK: textual-inversion tokens

    /// Whether `token` is in the vocabulary or among the added tokens (transformers' `get_vocab()`).
    public func contains(token: String) -> Bool {
        encoder.vocabulary[token] != nil || rawAddedTokens.contains { $0.content == token }
            || normalizedAddedTokens.contains { $0.content == token }
    }

    /// `len(tokenizer)`: one more than the largest id of the vocabulary and the added tokens; the id the next
    /// added token gets.
    public var tokenCount: Int {
        let largest = max(encoder.vocabulary.values.max() ?? -1,
                          (rawAddedTokens + normalizedAddedTokens).map(\.id).max() ?? -1)
        return Int(largest) + 1
    }

    /// A copy that also matches `tokens` as added tokens in the normalised text (transformers' `add_tokens`:
    /// non-special, `normalized=True`), and rewrites each multi-vector `name` of `expansions` before encoding as
    /// diffusers' `maybe_convert_prompt` does: when the name is among the prompt's tokens, every occurrence of
    /// it in the raw prompt becomes its expansion (`name name_1 name_2 …`).
    func addingEmbeddingTokens(_ tokens: [(content: String, id: Int32)], expansions: [String: String]) -> CLIPTokenizer {
        var copy = self
        copy.normalizedAddedTokens = (normalizedAddedTokens + tokens.map { AddedToken(content: $0.content, id: $0.id) })
            .sorted { ($0.scalars.count, $0.content) > ($1.scalars.count, $1.content) }
        for (content, id) in tokens {
            if let expansion = expansions[content] { copy.embeddingExpansions.append((id, content, expansion)) }
        }
        return copy
    }

    /// `text` with each multi-vector embedding name it contains (as a token) expanded, as ``addingEmbeddingTokens(_:expansions:)`` says.
    func expandingEmbeddings(_ text: String) -> String {
        guard !embeddingExpansions.isEmpty else { return text }
        let present = Set(tokenize(text))
        var result = text
        for entry in embeddingExpansions where present.contains(entry.id) {
            result = result.replacingOccurrences(of: entry.name, with: entry.expansion)
        }
        return result
    }

    /// Splits `scalars` at every occurrence of an added token (leftmost,
    /// longest first), reporting the text between them and the tokens' ids
    /// in order.
    private static func split(
        _ scalars: [Unicode.Scalar], on tokens: [AddedToken],
        token: (Int32) -> Void, text: ([Unicode.Scalar]) -> Void
    ) {
        var segmentStart = 0
        var index = 0
        while index < scalars.count {
            if let match = tokens.first(where: { hasPrefix($0.scalars, in: scalars, at: index) }) {
                if segmentStart < index { text(Array(scalars[segmentStart..<index])) }
                token(match.id)
                index += match.scalars.count
                segmentStart = index
            } else {
                index += 1
            }
        }
        if segmentStart < scalars.count { text(Array(scalars[segmentStart...])) }
    }

    private static func hasPrefix(_ prefix: [Unicode.Scalar], in scalars: [Unicode.Scalar], at index: Int) -> Bool {
        guard index + prefix.count <= scalars.count else { return false }
        for offset in 0..<prefix.count where scalars[index + offset] != prefix[offset] { return false }
        return true
    }

    // MARK: file parsing

    private static func readJSONObject(_ url: URL) throws -> [String: Any] {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TokenizerError.malformedFile(path: url.path, reason: "cannot be read (\(error.localizedDescription))")
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TokenizerError.malformedFile(path: url.path, reason: "not a JSON object")
        }
        return object
    }

    private static func vocabulary(_ value: Any?, path: String) throws -> [String: Int32] {
        guard let object = value as? [String: Any] else {
            throw TokenizerError.malformedFile(path: path, reason: "the vocabulary is not an object of token to id")
        }
        var vocabulary: [String: Int32] = [:]
        vocabulary.reserveCapacity(object.count)
        for (token, id) in object {
            guard let number = id as? NSNumber else {
                throw TokenizerError.malformedFile(path: path, reason: "the id of \"\(token)\" is not a number")
            }
            vocabulary[token] = number.int32Value
        }
        return vocabulary
    }

    private static func merges(fromJSON value: Any?, path: String) throws -> [BytePairEncoder.Pair] {
        guard let list = value as? [Any] else {
            throw TokenizerError.malformedFile(path: path, reason: "model.merges is not a list")
        }
        return try list.map { entry in
            if let text = entry as? String, let pair = pair(fromLine: text) { return pair }
            if let parts = entry as? [String], parts.count == 2 { return .init(left: parts[0], right: parts[1]) }
            throw TokenizerError.malformedFile(path: path, reason: "a merge is neither \"a b\" nor [\"a\", \"b\"]")
        }
    }

    private static func merges(fromText url: URL) throws -> [BytePairEncoder.Pair] {
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw TokenizerError.malformedFile(path: url.path, reason: "not UTF-8 text")
        }
        var pairs: [BytePairEncoder.Pair] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            if line.isEmpty || (number == 0 && line.hasPrefix("#version")) { continue }
            guard let pair = pair(fromLine: String(line)) else {
                throw TokenizerError.malformedFile(path: url.path, reason: "line \(number + 1) is not two symbols separated by a space")
            }
            pairs.append(pair)
        }
        return pairs
    }

    private static func pair(fromLine line: String) -> BytePairEncoder.Pair? {
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else { return nil }
        return .init(left: String(parts[0]), right: String(parts[1]))
    }
}

/// A token matched literally in text instead of being byte-pair encoded.
private struct AddedToken: Sendable {
    let content: String
    let scalars: [Unicode.Scalar]
    let id: Int32

    init(content: String, id: Int32) {
        self.content = content
        self.scalars = Array(content.unicodeScalars)
        self.id = id
    }
}

/// The special tokens and length named by `tokenizer_config.json` and
/// `special_tokens_map.json` (the map wins where both name a token).
private struct SpecialTokenSettings {
    var bos: String?
    var eos: String?
    var pad: String?
    var unk: String?
    var maxLength: Int?

    init(config: [String: Any]?, specialTokensMap: [String: Any]?) throws {
        for source in [config, specialTokensMap].compactMap({ $0 }) {
            bos = Self.token(source["bos_token"]) ?? bos
            eos = Self.token(source["eos_token"]) ?? eos
            pad = Self.token(source["pad_token"]) ?? pad
            unk = Self.token(source["unk_token"]) ?? unk
        }
        if let length = config?["model_max_length"] as? NSNumber {
            // transformers writes a huge sentinel when no length is known.
            let value = length.doubleValue
            maxLength = value < 1e9 ? Int(value) : nil
        }
    }

    /// A token given as a string or as `{"content": ...}`.
    private static func token(_ value: Any?) -> String? {
        if let text = value as? String { return text }
        if let object = value as? [String: Any] { return object["content"] as? String }
        return nil
    }
}
