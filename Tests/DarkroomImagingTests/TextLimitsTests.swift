import Foundation
import Testing
@testable import DarkroomImaging

/// ``TerminalText`` and ``TextLimits``: hostile text shown harmlessly, and bounded before it is stored.
@Suite struct TextLimitsTests {
    @Test func terminalTextEscapesEveryControlAndKeepsTheRest() {
        #expect(TerminalText.sanitize("a red circle, 日本語 ★") == "a red circle, 日本語 ★")
        #expect(TerminalText.sanitize("\u{1B}]52;c;aGk=\u{07}") == "\\x1B]52;c;aGk=\\x07")
        #expect(TerminalText.sanitize("\u{9B}2J\u{7F}\u{0}\u{85}") == "\\x9B2J\\x7F\\x00\\x85")
        #expect(TerminalText.sanitize("abc\u{202E}cba") == "abc\\u{202E}cba")
        #expect(TerminalText.sanitize("one\ntwo\tthree\r\nfour\rfive") == "one\ntwo\tthree\nfour\\x0Dfive")
        #expect(TerminalText.sanitize("one\ntwo\tthree\r\nfour\u{2028}", lineBreaks: .asSpaces) == "one two three four ")
        for value in UInt32(0)...0x2100 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let shown = TerminalText.sanitize(String(scalar), lineBreaks: .asSpaces)
            #expect(!shown.unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }, "U+\(value)")
        }
    }

    @Test func promptViolationsAndPrefixes() {
        #expect(TextLimits.violation(prompt: "a cat", negativePrompt: "") == nil)
        let long = String(repeating: "é", count: TextLimits.maxPromptBytes / 2 + 1)
        #expect(TextLimits.violation(prompt: long, negativePrompt: "")
                == .tooLong(field: .prompt, bytes: long.utf8.count, limit: TextLimits.maxPromptBytes))
        #expect(TextLimits.violation(prompt: "ok", negativePrompt: "a\u{0}b") == .containsNUL(field: .negativePrompt))
        // Cut at a character boundary, never inside a UTF-8 sequence or a grapheme.
        #expect(TextLimits.prefix("ééé", maxBytes: 5) == "éé")
        #expect(TextLimits.prefix("ab👍🏽", maxBytes: 7) == "ab")
        #expect(TextLimits.prefix("short", maxBytes: 100) == "short")
    }

    @Test func boundedMetadataShortensFieldsAndNotes() {
        var extra: [String: String] = ["long": String(repeating: "x", count: TextLimits.maxFieldBytes + 1)]
        for i in 0..<70 { extra["key\(i)"] = "\(i)" }
        let metadata = GenerationMetadata(source: .automatic1111, prompt: String(repeating: "p", count: 20_000), negativePrompt: "fine",
                                          modelName: String(repeating: "m", count: 5000), extra: extra)
        let (bounded, notes) = metadata.bounded()
        #expect(bounded.prompt?.utf8.count == TextLimits.maxPromptBytes && bounded.negativePrompt == "fine")
        #expect(bounded.modelName?.utf8.count == TextLimits.maxFieldBytes)
        #expect(bounded.extra.count == TextLimits.maxExtraFields && bounded.extra["long"] == nil)
        #expect(notes == [.fieldShortened(field: .prompt, bytes: 20_000, limit: TextLimits.maxPromptBytes),
                          .fieldShortened(field: .modelName, bytes: 5000, limit: TextLimits.maxFieldBytes),
                          .extraFieldsLeftOut(count: 7)])
        #expect(GenerationMetadata(prompt: "ok").bounded().notes.isEmpty)
        #expect(GenerationMetadata(prompt: "a", sampler: "Euler\u{0}a").fieldHoldingNUL == .sampler)
        #expect(GenerationMetadata(prompt: "a", extra: ["k": "\u{0}"]).fieldHoldingNUL == nil)
    }

    @Test func aNULInDarkroomJSONSurvivesDecoding() throws {
        let metadata = GenerationMetadata(prompt: "before\u{0}after", seed: UInt64.max, steps: 4, guidance: 3)
        let png = try PNGCodec.encode(PixelImage(width: 1, height: 1, channels: 3, pixels: [1, 2, 3]),
                                      textChunks: metadata.pngTextChunks(includePrompt: true))
        let parsed = try #require(GenerationMetadata.parse(textChunks: try PNGCodec.decode(png).textChunks))
        #expect(parsed.source == .darkroom && parsed.seed == UInt64.max)
        #expect(Array((parsed.prompt ?? "").utf8) == Array("before\u{0}after".utf8))
        #expect(parsed.fieldHoldingNUL == .prompt)
        // The A1111 chunk carries it too (as UTF-8 iTXt: tEXt cannot hold a NUL).
        let a1111 = try #require(try PNGCodec.decode(png).textChunks.first { $0.keyword == "parameters" })
        // Compared as bytes: a failure message holding a NUL would be cut where it stands.
        #expect(Array(a1111.text.utf8.prefix(12)) == Array("before\u{0}after".utf8.prefix(12)))
        #expect(Array((A1111Parameters.parse(a1111.text).prompt ?? "").utf8) == Array("before\u{0}after".utf8))
    }

    /// A 1x1 PNG with `text` chunks before its pixels.
    static func png(with text: [(type: String, data: [UInt8])]) throws -> [UInt8] {
        var file = PNGChunk.signature
        PNGChunk.write(type: "IHDR", data: ByteReading.bigEndian(1) + ByteReading.bigEndian(1) + [8, 2, 0, 0, 0], to: &file)
        for chunk in text { PNGChunk.write(type: chunk.type, data: chunk.data, to: &file) }
        PNGChunk.write(type: "IDAT", data: try Zlib.deflate([0, 1, 2, 3], level: 6), to: &file)
        PNGChunk.write(type: "IEND", data: [], to: &file)
        return file
    }

    @Test func textChunksOverTheLimitsAreLeftOutAndCanBeRemoved() throws {
        let limit = TextLimits.maxTextChunkBytes
        let plain = Array("plain".utf8) + [0] + [UInt8](repeating: 0x61, count: limit + 1)
        let packed = Array("packed".utf8) + [0, 1, 0, 0, 0] + (try Zlib.deflate([UInt8](repeating: 0x62, count: limit + 1), level: 9))
        let fits = Array("parameters".utf8) + [0] + Array("a small prompt\nSteps: 4".utf8)
        let big = Array("big".utf8) + [0] + [UInt8](repeating: 0x63, count: limit - 100)
        let file = try Self.png(with: [("tEXt", plain), ("iTXt", packed), ("tEXt", fits), ("tEXt", big), ("tEXt", big), ("tEXt", big)])
        let decoded = try PNGCodec.decode(Data(file))
        #expect(decoded.textChunks.map(\.keyword) == ["parameters", "big", "big"])
        #expect(decoded.textLimitNotes == [.textChunkTooLarge(keyword: "plain", fileBytes: plain.count),
                                           .textChunkTooLarge(keyword: "packed", fileBytes: packed.count),
                                           .textChunkOverTotal(keyword: "big", fileBytes: big.count)])
        #expect(try PNGCodec.textChunks(in: Data(file)) == decoded.textChunks)
        // The library's copy: the same file without the left-out chunks, every other byte as it was.
        let kept = PNGCodec.removingLeftOutText(decoded, from: Data(file))
        #expect(kept == Data(try Self.png(with: [("tEXt", fits), ("tEXt", big), ("tEXt", big)])))
        let again = try PNGCodec.decode(kept)
        #expect(again.textChunks == decoded.textChunks && again.textLimitNotes.isEmpty && again.image == decoded.image)
        let untouched = Data(try Self.png(with: [("tEXt", fits)]))
        #expect(PNGCodec.removingLeftOutText(try PNGCodec.decode(untouched), from: untouched) == untouched)
    }
}
