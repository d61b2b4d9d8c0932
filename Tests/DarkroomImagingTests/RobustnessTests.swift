import Foundation
import Testing
@testable import DarkroomImaging

/// A deterministic generator for the mutation tests.
private struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
}

/// Recomputes every chunk CRC so a mutation reaches the parser behind the CRC check.
private func fixingCRCs(_ bytes: [UInt8]) -> [UInt8] {
    var out = bytes
    var offset = 8
    while offset + 12 <= out.count {
        let length = Int(ByteReading.uint32(out, at: offset))
        guard length <= out.count, offset + 12 + length <= out.count else { break }
        let crc = out.withUnsafeBytes { Zlib.crc32(UnsafeRawBufferPointer(rebasing: $0[(offset + 4)..<(offset + 8 + length)])) }
        out.replaceSubrange((offset + 8 + length)..<(offset + 12 + length), with: ByteReading.bigEndian(crc))
        offset += 12 + length
    }
    return out
}

@Suite("Robustness against hostile input")
struct RobustnessTests {
    @Test("Mutated files (CRCs fixed up) never crash the decoder or the metadata parser",
          arguments: ["rgb.png", "palette-trns.png", "interlaced.png", "gray16.png", "meta-a1111.png",
                      "meta-comfyui.png", "meta-invokeai.png", "meta-drawthings.png", "meta-darkroom.png"])
    func mutations(name: String) throws {
        let original = [UInt8](try PNGFixtures.data(name))
        var random = SplitMix64(state: UInt64(original.count))
        var decodedCount = 0, refusedCount = 0
        for round in 0..<150 {
            var bytes = original
            for _ in 0..<(1 + random.below(4)) {
                let position = 8 + random.below(bytes.count - 8)
                switch random.below(4) {
                case 0: bytes[position] ^= UInt8(1 << random.below(8))
                case 1: bytes[position] = UInt8(random.below(256))
                case 2: bytes[position] = [0, 0xFF, 0x7F, 0x80][random.below(4)]
                default: bytes.removeSubrange(position..<min(bytes.count, position + 1 + random.below(8)))
                }
            }
            if round % 3 != 0 { bytes = fixingCRCs(bytes) }
            do {
                let decoded = try PNGCodec.decode(Data(bytes))
                #expect(decoded.image.pixels.count == decoded.image.width * decoded.image.height * decoded.image.channels)
                _ = GenerationMetadata.parse(textChunks: decoded.textChunks)
                decodedCount += 1
            } catch is PNGError {
                refusedCount += 1
            }
        }
        #expect(decodedCount + refusedCount == 150)
    }

    @Test("Random text never crashes the metadata parsers")
    func randomText() {
        var random = SplitMix64(state: 7)
        let alphabet = Array(#"Steps: Seed,Size:x"\{}[]<>&;#n 0123456789-/Negative prompt:\#n&amp;&#x41;rdf:li"#.unicodeScalars)
        for _ in 0..<500 {
            var text = ""
            for _ in 0..<random.below(120) { text.unicodeScalars.append(alphabet[random.below(alphabet.count)]) }
            for keyword in GenerationMetadata.metadataKeywords {
                let parsed = GenerationMetadata.parse(textChunks: [PNGTextChunk(keyword: keyword, text: text)])
                #expect(parsed?.rawChunks.count == 1)
            }
            _ = A1111Parameters.settingPairs(in: text)
            _ = DrawThingsMetadata.xmlUnescaped(text)
        }
    }

    @Test("A compressed text bomb is skipped, not inflated without bound")
    func textBomb() throws {
        let zeros = [UInt8](repeating: 0x41, count: PNGLimits.maxTextBytes + 10)
        var file = PNGChunk.signature
        PNGChunk.write(type: "IHDR", data: ByteReading.bigEndian(1) + ByteReading.bigEndian(1) + [8, 2, 0, 0, 0], to: &file)
        PNGChunk.write(type: "zTXt", data: Array("bomb".utf8) + [0, 0] + (try Zlib.deflate(zeros, level: 9)), to: &file)
        PNGChunk.write(type: "IDAT", data: try Zlib.deflate([0, 1, 2, 3], level: 6), to: &file)
        PNGChunk.write(type: "IEND", data: [], to: &file)
        let decoded = try PNGCodec.decode(Data(file))
        #expect(decoded.textChunks.isEmpty)
        #expect(decoded.image.pixels == [1, 2, 3])
    }

    @Test("Unknown critical chunks are refused; unknown ancillary ones skipped")
    func unknownChunks() throws {
        func file(extra type: String) throws -> Data {
            var bytes = PNGChunk.signature
            PNGChunk.write(type: "IHDR", data: ByteReading.bigEndian(1) + ByteReading.bigEndian(1) + [8, 2, 0, 0, 0], to: &bytes)
            PNGChunk.write(type: type, data: [1, 2, 3], to: &bytes)
            PNGChunk.write(type: "IDAT", data: try Zlib.deflate([0, 9, 8, 7], level: 6), to: &bytes)
            PNGChunk.write(type: "IEND", data: [], to: &bytes)
            return Data(bytes)
        }
        #expect(try PNGCodec.decode(try file(extra: "prVt")).image.pixels == [9, 8, 7])
        #expect(throws: PNGError.unsupportedCriticalChunk("CgBI")) { try PNGCodec.decode(try file(extra: "CgBI")) }
    }
}
