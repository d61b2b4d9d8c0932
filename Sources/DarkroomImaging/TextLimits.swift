/// The documented limits on text that comes into a library (docs/imaging.md, "Text limits").
///
/// A picture's text chunks are read only up to these sizes, and what becomes a
/// library row is bounded again, so a hostile file cannot make a huge row (slow
/// lists, sync envelopes over the transport's limit). All sizes are UTF-8 bytes
/// (Latin-1 bytes for `tEXt` / `zTXt`).
public enum TextLimits {
    /// The most text one PNG text chunk (`tEXt`, `zTXt`, `iTXt`, compressed or not) may hold: 1 MiB.
    /// A longer chunk is left out (not read as metadata, not kept in the library's copy of the picture).
    public static let maxTextChunkBytes = 1 << 20
    /// The most text all text chunks of one picture may hold together: 2 MiB. Chunks past it are left out.
    public static let maxTotalTextBytes = 2 << 20
    /// The most a prompt or negative prompt may hold: 16 KiB. Imports shorten longer ones (at a character
    /// boundary, with a note); `generate` refuses them.
    public static let maxPromptBytes = 16 << 10
    /// The most any other imported text field may hold (model name, sampler, hashes, each extra field): 1 KiB.
    public static let maxFieldBytes = 1 << 10
    /// The most extra fields (`GenerationMetadata.extra`) an import keeps.
    public static let maxExtraFields = 64
    /// The most the metadata JSON stored with a row may hold: 256 KiB. Past it the raw chunks are left
    /// out of it (the picture file still holds them), then the extra fields.
    public static let maxStoredMetadataBytes = 256 << 10

    /// Why a prompt cannot be used for a generation, or nil when it can: longer than ``maxPromptBytes``,
    /// or holding a NUL character (which the library cannot store).
    public static func violation(prompt: String, negativePrompt: String) -> TextLimitViolation? {
        for (field, text) in [(TextField.prompt, prompt), (.negativePrompt, negativePrompt)] {
            if text.utf8.count > maxPromptBytes { return .tooLong(field: field, bytes: text.utf8.count, limit: maxPromptBytes) }
            if text.unicodeScalars.contains("\0") { return .containsNUL(field: field) }
        }
        return nil
    }

    /// The longest prefix of `text` of at most `maxBytes` UTF-8 bytes that ends on a character boundary.
    public static func prefix(_ text: String, maxBytes: Int) -> String {
        guard text.utf8.count > maxBytes else { return text }
        var end = text.startIndex
        var bytes = 0
        for index in text.indices {
            let next = text.index(after: index)
            bytes += text.utf8.distance(from: index, to: next)
            guard bytes <= maxBytes else { break }
            end = next
        }
        return String(text[..<end])
    }
}

/// A text field of generation metadata, named in limit notes and violations.
/// The raw value is the field's name in messages.
public enum TextField: String, Sendable, Equatable, CaseIterable {
    /// `GenerationMetadata.prompt`.
    case prompt
    /// `GenerationMetadata.negativePrompt`.
    case negativePrompt = "negative prompt"
    /// `GenerationMetadata.sampler`.
    case sampler
    /// `GenerationMetadata.scheduler`.
    case scheduler
    /// `GenerationMetadata.modelName`.
    case modelName = "model name"
    /// `GenerationMetadata.modelHash`.
    case modelHash = "model hash"
    /// `GenerationMetadata.engineVersion`.
    case engineVersion = "engine version"
    /// `GenerationMetadata.rngKind`.
    case rngKind = "rng kind"
    /// `GenerationMetadata.generationID`.
    case generationID = "generation id"
    /// `GenerationMetadata.imageID`.
    case imageID = "image id"
    /// `GenerationMetadata.batchID`.
    case batchID = "batch id"
    /// `GenerationMetadata.parentID`.
    case parentID = "parent id"
}

/// Text that breaks a limit where it cannot be shortened.
public enum TextLimitViolation: Error, Sendable, Equatable, CustomStringConvertible {
    /// The field holds `bytes` UTF-8 bytes where at most `limit` are allowed.
    case tooLong(field: TextField, bytes: Int, limit: Int)
    /// The field holds a NUL character, which the library cannot store without cutting the text there.
    case containsNUL(field: TextField)

    /// A message a user can act on.
    public var description: String {
        switch self {
        case .tooLong(let field, let bytes, let limit):
            return "The \(field.rawValue) is too long: \(bytes) bytes, at most \(limit) allowed (UTF-8)."
        case .containsNUL(let field):
            return "The \(field.rawValue) holds a NUL character (U+0000), which Darkroom cannot store; remove it."
        }
    }
}

/// Something that was left out or shortened to keep within ``TextLimits``.
public enum TextLimitNote: Sendable, Equatable, CustomStringConvertible {
    /// A text chunk holding more than ``TextLimits/maxTextChunkBytes`` of text (`fileBytes`: its size in the file).
    case textChunkTooLarge(keyword: String, fileBytes: Int)
    /// A text chunk past ``TextLimits/maxTotalTextBytes`` of text in the picture.
    case textChunkOverTotal(keyword: String, fileBytes: Int)
    /// A field shortened from `bytes` to its limit.
    case fieldShortened(field: TextField, bytes: Int, limit: Int)
    /// `count` extra fields left out (too long, or past ``TextLimits/maxExtraFields``).
    case extraFieldsLeftOut(count: Int)
    /// The raw text chunks left out of the stored metadata JSON (the picture file keeps them).
    case rawChunksLeftOut
    /// The extra fields left out of the stored metadata JSON.
    case extraLeftOutOfStoredJSON
    /// No metadata JSON stored: even without raw chunks and extra fields it was over the limit.
    case storedJSONLeftOut

    /// What was done, in words.
    public var description: String {
        switch self {
        case .textChunkTooLarge(let keyword, let bytes):
            return "text chunk '\(keyword)' (\(bytes) bytes in the file) holds more than \(TextLimits.maxTextChunkBytes) bytes of text: left out"
        case .textChunkOverTotal(let keyword, let bytes):
            return "text chunk '\(keyword)' (\(bytes) bytes in the file) is past the \(TextLimits.maxTotalTextBytes) bytes of text a picture may hold: left out"
        case .fieldShortened(let field, let bytes, let limit):
            return "\(field.rawValue) shortened from \(bytes) to \(limit) bytes"
        case .extraFieldsLeftOut(let count):
            return "\(count) extra metadata field(s) left out (each at most \(TextLimits.maxFieldBytes) bytes, \(TextLimits.maxExtraFields) in all)"
        case .rawChunksLeftOut:
            return "the raw text chunks are not stored with the row (over \(TextLimits.maxStoredMetadataBytes) bytes); the picture file keeps them"
        case .extraLeftOutOfStoredJSON:
            return "the extra metadata fields are not stored with the row (over \(TextLimits.maxStoredMetadataBytes) bytes)"
        case .storedJSONLeftOut:
            return "no metadata JSON stored with the row (over \(TextLimits.maxStoredMetadataBytes) bytes)"
        }
    }
}
