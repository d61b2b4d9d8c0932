import Foundation

/// Why a tokenizer directory could not be loaded.
public enum TokenizerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Neither `tokenizer.json` nor `vocab.json` + `merges.txt` is in the directory.
    case missingFiles(directory: String)
    /// A file exists but is not the JSON or text layout expected.
    case malformedFile(path: String, reason: String)
    /// The tokenizer model is not byte-level BPE.
    case unsupportedModel(path: String, type: String)
    /// A special token named by the configuration has no id in the vocabulary.
    case unknownSpecialToken(role: String, token: String)
    /// A merge produces a symbol that the vocabulary lacks.
    case mergeNotInVocabulary(left: String, right: String)
    /// `model_max_length` is below 2 (room for bos and eos).
    case invalidMaxLength(Int)

    /// A message that says what is wrong and what to check.
    public var description: String {
        switch self {
        case .missingFiles(let directory):
            "No tokenizer in \(directory): expected tokenizer.json, or vocab.json together with merges.txt."
        case .malformedFile(let path, let reason):
            "The tokenizer file \(path) is malformed: \(reason)."
        case .unsupportedModel(let path, let type):
            "The tokenizer in \(path) uses a \(type) model; only CLIP's byte-level BPE is supported."
        case .unknownSpecialToken(let role, let token):
            "The \(role) token \"\(token)\" is not in the tokenizer's vocabulary; check tokenizer_config.json and special_tokens_map.json."
        case .mergeNotInVocabulary(let left, let right):
            "The merge \"\(left) \(right)\" produces a token missing from the vocabulary; vocab and merges do not belong together."
        case .invalidMaxLength(let length):
            "model_max_length is \(length); it must be at least 2 to hold the start and end tokens."
        }
    }
}
