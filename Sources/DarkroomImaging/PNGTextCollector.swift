/// Collects a PNG file's text chunks within ``TextLimits``: each chunk at most
/// ``TextLimits/maxTextChunkBytes`` of text, all together at most ``TextLimits/maxTotalTextBytes``.
struct PNGTextCollector {
    /// The chunks kept, in file order.
    private(set) var chunks: [PNGTextChunk] = []
    /// What was left out, in file order.
    private(set) var notes: [TextLimitNote] = []
    /// The byte ranges in the file (length, type, data and CRC) of the chunks left out.
    private(set) var leftOutRanges: [Range<Int>] = []
    private var totalBytes = 0

    /// Reads one `tEXt`, `zTXt` or `iTXt` chunk; a malformed one is ignored.
    mutating func add(_ chunk: PNGChunk) {
        guard let decoded = PNGTextCoding.decode(type: chunk.type, data: chunk.data) else { return }
        switch decoded {
        case .text(let text):
            let bytes = text.text.utf8.count
            guard totalBytes + bytes <= TextLimits.maxTotalTextBytes else {
                leaveOut(chunk, .textChunkOverTotal(keyword: text.keyword, fileBytes: chunk.data.count))
                return
            }
            totalBytes += bytes
            chunks.append(text)
        case .tooLarge(let keyword):
            leaveOut(chunk, .textChunkTooLarge(keyword: keyword, fileBytes: chunk.data.count))
        }
    }

    private mutating func leaveOut(_ chunk: PNGChunk, _ note: TextLimitNote) {
        notes.append(note)
        leftOutRanges.append((chunk.data.startIndex - 8)..<(chunk.data.endIndex + 4))
    }
}
