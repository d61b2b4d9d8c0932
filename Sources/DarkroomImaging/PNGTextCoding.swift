/// Reading and writing the payloads of PNG text chunks (`tEXt`, `zTXt`, `iTXt`).
enum PNGTextCoding {
    /// Texts at least this many UTF-8 bytes long are written as compressed `iTXt`.
    static let compressionThreshold = 1024

    /// What a text chunk payload decodes to.
    enum Decoded: Equatable {
        /// The chunk's text.
        case text(PNGTextChunk)
        /// The chunk holds more than ``TextLimits/maxTextChunkBytes`` of text; it was not decoded.
        case tooLarge(keyword: String)
    }

    /// Decodes a text chunk payload; nil when it is malformed (a broken text
    /// chunk never makes the image undecodable). A chunk holding more than
    /// ``TextLimits/maxTextChunkBytes`` of text, compressed or not, is not decoded.
    static func decode(type: String, data: ArraySlice<UInt8>) -> Decoded? {
        // Keywords are 1–79 bytes: look for the separator only there, not through a huge payload.
        guard let nul = data.prefix(80).firstIndex(of: 0), nul > data.startIndex else { return nil }
        let keyword = latin1(data[data.startIndex..<nul])
        let rest = data[(nul + 1)...]
        // Text longer than its payload would need a compressed chunk; an uncompressed payload this long holds too much text.
        guard rest.count <= TextLimits.maxTextChunkBytes else { return .tooLarge(keyword: keyword) }
        switch type {
        case "tEXt":
            return .text(PNGTextChunk(keyword: keyword, text: latin1(rest)))
        case "zTXt":
            guard rest.first == 0 else { return nil }
            return inflateText(rest.dropFirst(), keyword: keyword) { .text(PNGTextChunk(keyword: keyword, text: latin1($0[...]))) }
        case "iTXt":
            guard rest.count >= 2 else { return nil }
            let compressed = rest[rest.startIndex] == 1
            guard rest[rest.startIndex + 1] == 0 else { return nil }
            var cursor = rest.startIndex + 2
            for _ in 0..<2 {  // language tag, translated keyword
                guard let end = data[cursor...].firstIndex(of: 0) else { return nil }
                cursor = end + 1
            }
            let body = data[cursor...]
            func utf8(_ bytes: [UInt8]) -> Decoded? {
                String(validating: bytes, as: UTF8.self).map { .text(PNGTextChunk(keyword: keyword, text: $0)) }
            }
            return compressed ? inflateText(body, keyword: keyword, then: utf8) : utf8(Array(body))
        default:
            return nil
        }
    }

    /// The chunk type and payload the encoder writes for `chunk`: `tEXt` when the
    /// text is Latin-1 and not JSON, else `iTXt` (compressed from 1 KiB on).
    static func encode(_ chunk: PNGTextChunk, compressionLevel: Int) throws -> (type: String, data: [UInt8]) {
        let keyword = chunk.keyword
        guard isValidKeyword(keyword) else { throw PNGError.invalidKeyword(keyword) }
        let keywordBytes = keyword.unicodeScalars.map { UInt8($0.value) }
        let looksLikeJSON = chunk.text.first == "{" || chunk.text.first == "["
        if !looksLikeJSON, let latin = latin1Bytes(chunk.text) {
            return ("tEXt", keywordBytes + [0] + latin)
        }
        let utf8 = Array(chunk.text.utf8)
        if utf8.count >= compressionThreshold {
            let packed = try Zlib.deflate(utf8, level: max(1, compressionLevel))
            return ("iTXt", keywordBytes + [0, 1, 0, 0, 0] + packed)
        }
        return ("iTXt", keywordBytes + [0, 0, 0, 0, 0] + utf8)
    }

    /// PNG keyword rules: 1–79 printable Latin-1 characters, no leading,
    /// trailing or consecutive spaces.
    static func isValidKeyword(_ keyword: String) -> Bool {
        let scalars = Array(keyword.unicodeScalars)
        guard (1...79).contains(scalars.count), scalars.first != " ", scalars.last != " " else { return false }
        guard !keyword.contains("  ") else { return false }
        return scalars.allSatisfy { (0x20...0x7E).contains($0.value) || (0xA1...0xFF).contains($0.value) }
    }

    /// `text` as Latin-1 bytes, or nil when it has characters outside Latin-1
    /// (or a NUL, which text chunks cannot hold).
    static func latin1Bytes(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            guard scalar.value <= 0xFF, scalar.value != 0 else { return nil }
            bytes.append(UInt8(scalar.value))
        }
        return bytes
    }

    private static func latin1(_ bytes: ArraySlice<UInt8>) -> String {
        var text = String.UnicodeScalarView()
        for byte in bytes { text.append(Unicode.Scalar(byte)) }
        return String(text)
    }

    /// Inflates a compressed text: `.tooLarge` past ``TextLimits/maxTextChunkBytes``, nil when the stream is broken.
    private static func inflateText(_ bytes: ArraySlice<UInt8>, keyword: String, then decode: ([UInt8]) -> Decoded?) -> Decoded? {
        guard let result = try? Zlib.inflate(Array(bytes), limit: TextLimits.maxTextChunkBytes + 1) else { return nil }
        if result.bytes.count > TextLimits.maxTextChunkBytes { return .tooLarge(keyword: keyword) }
        return result.complete ? decode(result.bytes) : nil
    }
}
