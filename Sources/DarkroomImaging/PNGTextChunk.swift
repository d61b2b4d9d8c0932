/// One textual chunk of a PNG file (`tEXt`, `zTXt` or `iTXt`), decoded to a Swift string.
///
/// The decoder fills these from every text chunk it finds, in file order; the
/// encoder chooses the chunk type itself (see `PNGCodec.encode`).
public struct PNGTextChunk: Sendable, Equatable, Hashable, Codable {
    /// The chunk keyword, 1–79 Latin-1 characters (for example `parameters`).
    public var keyword: String
    /// The text, decoded from Latin-1 (`tEXt`, `zTXt`) or UTF-8 (`iTXt`).
    public var text: String

    /// Creates a text chunk.
    public init(keyword: String, text: String) {
        self.keyword = keyword
        self.text = text
    }
}
