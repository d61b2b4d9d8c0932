import Foundation
import Testing
@testable import DarkroomImaging

@Suite("PNG decoding against Pillow")
struct PNGDecodingTests {
    @Test("The test SHA-256 matches the FIPS 180-4 vectors")
    func sha256Vectors() {
        #expect(TestSHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(TestSHA256.hex(Array(repeating: UInt8(ascii: "a"), count: 1000)).hasPrefix("41edece42d63e8d9bf515a9ba6932e1c"))
    }

    @Test("Every fixture decodes to the pixels Pillow decoded", arguments: PNGFixtures.decodable)
    func decodesLikePillow(name: String) throws {
        let expectations = try PNGFixtures.expectations()
        let expected = try #require(expectations[name] as? [String: Any], "no expectation for \(name)")
        let decoded = try PNGCodec.decode(try PNGFixtures.data(name))
        #expect(decoded.image.width == expected["width"] as? Int)
        #expect(decoded.image.height == expected["height"] as? Int)
        #expect(decoded.image.channels == expected["channels"] as? Int)
        for sample in expected["samples"] as? [[String: Any]] ?? [] {
            let x = sample["x"] as? Int ?? 0, y = sample["y"] as? Int ?? 0
            #expect(Array(decoded.image.pixel(x: x, y: y)) == (sample["value"] as? [Int] ?? []).map(UInt8.init),
                    "pixel (\(x), \(y)) of \(name)")
        }
        #expect(TestSHA256.hex(decoded.image.pixels) == expected["sha256"] as? String)
    }

    @Test("Text chunks of every kind decode to what Pillow wrote",
          arguments: ["meta-a1111.png", "meta-comfyui.png", "meta-invokeai.png", "meta-invokeai-legacy.png",
                      "meta-drawthings.png", "meta-darkroom.png", "meta-latin1.png"])
    func textChunksMatch(name: String) throws {
        let expected = try #require(try PNGFixtures.expectations()[name] as? [String: Any])
        let chunks = (expected["text"] as? [[String: String]] ?? []).map {
            PNGTextChunk(keyword: $0["keyword"] ?? "", text: $0["text"] ?? "")
        }
        #expect(!chunks.isEmpty)
        #expect(try PNGCodec.decode(try PNGFixtures.data(name)).textChunks == chunks)
    }

    @Test("Broken files fail with the matching error", arguments: [
        ("broken-truncated.png", PNGError.truncated),
        ("broken-crc.png", PNGError.badCRC(chunk: "IDAT")),
        ("broken-notpng.png", PNGError.notPNG),
        ("broken-noidat.png", PNGError.missingChunk("IDAT")),
        ("broken-huge.png", PNGError.absurdDimensions(width: 100_000, height: 100_000)),
        ("broken-short-data.png", PNGError.decompressedSizeMismatch(expected: 24 * (1 + 32 * 3), actual: 100)),
        ("broken-bitdepth.png", PNGError.unsupportedFormat(bitDepth: 4, colorType: 2)),
    ])
    func brokenFiles(name: String, error: PNGError) throws {
        let data = try PNGFixtures.data(name)
        #expect(throws: error) { try PNGCodec.decode(data) }
        #expect(!error.description.isEmpty)
    }

    @Test("Empty data, a bare signature and a missing IHDR are refused")
    func degenerateInputs() {
        #expect(throws: PNGError.notPNG) { try PNGCodec.decode(Data()) }
        #expect(throws: PNGError.truncated) { try PNGCodec.decode(Data(PNGChunk.signature)) }
        var noHeader = PNGChunk.signature
        PNGChunk.write(type: "IEND", data: [], to: &noHeader)
        #expect(throws: PNGError.missingChunk("IHDR")) { try PNGCodec.decode(Data(noHeader)) }
    }

    @Test("A palette image without PLTE is refused")
    func paletteWithoutPLTE() throws {
        var file = PNGChunk.signature
        PNGChunk.write(type: "IHDR", data: ByteReading.bigEndian(2) + ByteReading.bigEndian(1) + [8, 3, 0, 0, 0], to: &file)
        PNGChunk.write(type: "IDAT", data: try Zlib.deflate([0, 0, 0], level: 6), to: &file)
        PNGChunk.write(type: "IEND", data: [], to: &file)
        #expect(throws: PNGError.missingChunk("PLTE")) { try PNGCodec.decode(Data(file)) }
    }

    @Test("isPNG looks at the signature only")
    func isPNG() throws {
        #expect(PNGCodec.isPNG(try PNGFixtures.data("rgb.png")))
        #expect(PNGCodec.isPNG(try PNGFixtures.data("broken-truncated.png")))
        #expect(!PNGCodec.isPNG(try PNGFixtures.data("broken-notpng.png")))
        #expect(!PNGCodec.isPNG(Data([0x89, 0x50])))
    }
}

@Suite("PNG encoding")
struct PNGEncodingTests {
    @Test("Encode then decode gives the same pixels", arguments: [(1, 1, 3), (7, 5, 4), (64, 48, 3), (33, 17, 4)])
    func roundTrip(width: Int, height: Int, channels: Int) throws {
        let image = makeTestImage(width: width, height: height, channels: channels, seed: UInt64(width * height))
        for level in [0, 1, 6, 9] {
            let data = try PNGCodec.encode(image, compressionLevel: level)
            #expect(PNGCodec.isPNG(data))
            #expect(try PNGCodec.decode(data).image == image)
        }
    }

    @Test("Fixtures re-encode losslessly", arguments: ["rgba.png", "sample-rings.png", "interlaced.png", "palette-trns.png"])
    func reencodeFixture(name: String) throws {
        let image = try PNGCodec.decode(try PNGFixtures.data(name)).image
        #expect(try PNGCodec.decode(try PNGCodec.encode(image)).image == image)
    }

    @Test("The same input gives byte-identical files")
    func deterministic() throws {
        let image = makeTestImage(width: 40, height: 30, channels: 4)
        let chunks = [PNGTextChunk(keyword: "parameters", text: "a cat\nSteps: 4, Seed: 1, Size: 40x30"),
                      PNGTextChunk(keyword: "darkroom", text: #"{"version":1}"#)]
        let first = try PNGCodec.encode(image, textChunks: chunks)
        let second = try PNGCodec.encode(image, textChunks: chunks)
        #expect(first == second)
        #expect(try PNGCodec.encode(image, compressionLevel: 9) == PNGCodec.encode(image, compressionLevel: 9))
    }

    @Test("Higher compression levels do not grow a smooth image")
    func compressionLevels() throws {
        let image = try PNGCodec.decode(try PNGFixtures.data("sample-sunset.png")).image
        let stored = try PNGCodec.encode(image, compressionLevel: 0).count
        let best = try PNGCodec.encode(image, compressionLevel: 9).count
        #expect(best < stored / 2)
    }

    @Test("The adaptive filter choice beats filter None on a diagonal gradient")
    func filterHeuristic() throws {
        // A diagonal gradient: rows differ, so unfiltered rows repeat little, while
        // Sub / Up turn it into near-constant bytes.
        var pixels: [UInt8] = []
        for y in 0..<64 { for x in 0..<64 { pixels += [UInt8(x * 4), UInt8(y * 4), UInt8((x * 3 + y * 5) & 0xFF)] } }
        let image = PixelImage(width: 64, height: 64, channels: 3, pixels: pixels)
        let encoded = try PNGCodec.encode(image, compressionLevel: 9)
        // Reference: every row filtered with None, compressed at the same level.
        var unfiltered: [UInt8] = []
        for y in 0..<image.height {
            unfiltered.append(0)
            unfiltered += image.pixels[(y * image.width * 3)..<((y + 1) * image.width * 3)]
        }
        let reference = try Zlib.deflate(unfiltered, level: 9)
        #expect(encoded.count < reference.count)
    }

    @Test("Text chunks: tEXt for Latin-1, iTXt for JSON and other Unicode, none on request")
    func textChunkTypes() throws {
        let image = makeTestImage(width: 4, height: 4, channels: 3)
        let chunks = [PNGTextChunk(keyword: "parameters", text: "crème brûlée\nSteps: 4"),
                      PNGTextChunk(keyword: "darkroom", text: #"{"prompt":"猫"}"#),
                      PNGTextChunk(keyword: "Comment", text: "雪の日"),
                      PNGTextChunk(keyword: "long", text: String(repeating: "ünïcödé ☃ ", count: 200))]
        let data = try PNGCodec.encode(image, textChunks: chunks)
        let types = try PNGChunk.readAll(from: [UInt8](data)).map(\.type)
        #expect(types == ["IHDR", "tEXt", "iTXt", "iTXt", "iTXt", "IDAT", "IEND"])
        #expect(try PNGCodec.decode(data).textChunks == chunks)
        let bare = try PNGCodec.encode(image)
        #expect(try PNGChunk.readAll(from: [UInt8](bare)).map(\.type) == ["IHDR", "IDAT", "IEND"])
    }

    @Test("Bad images and keywords are refused with clear errors")
    func invalidInput() {
        #expect(throws: PNGError.self) { try PNGCodec.encode(PixelImage(width: 2, height: 2, channels: 3, pixels: [1, 2, 3])) }
        #expect(throws: PNGError.self) { try PNGCodec.encode(PixelImage(width: 1, height: 1, channels: 2, pixels: [1, 2])) }
        #expect(throws: PNGError.absurdDimensions(width: 0, height: 5)) {
            try PNGCodec.encode(PixelImage(width: 0, height: 5, channels: 3, pixels: []))
        }
        let image = makeTestImage(width: 1, height: 1, channels: 3)
        for keyword in ["", " lead", "trail ", "two  spaces", String(repeating: "k", count: 80), "猫"] {
            #expect(throws: PNGError.invalidKeyword(keyword)) {
                try PNGCodec.encode(image, textChunks: [PNGTextChunk(keyword: keyword, text: "x")])
            }
        }
    }

    @Test("Large images split IDAT and round-trip")
    func largeImage() throws {
        let image = makeTestImage(width: 300, height: 300, channels: 4, seed: 9)
        let data = try PNGCodec.encode(image, compressionLevel: 0)
        let idats = try PNGChunk.readAll(from: [UInt8](data)).filter { $0.type == "IDAT" }
        #expect(idats.count > 1)
        #expect(idats.dropLast().allSatisfy { $0.data.count == PNGEncoder.maxIDATLength })
        #expect(try PNGCodec.decode(data).image == image)
    }
}
