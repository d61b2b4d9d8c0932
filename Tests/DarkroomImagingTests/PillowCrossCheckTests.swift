import Foundation
import Testing
@testable import DarkroomImaging

/// Files our encoder writes for `Fixtures/png/check_with_pillow.py`.
///
/// Always encodes and re-decodes them; when `DARKROOM_PNG_OUT` names a folder,
/// also writes each `NAME.png` with `NAME.raw` (the pixels) and `NAME.json`
/// (the text chunks) there, for the Python script to compare with what Pillow
/// decodes. CI does not run Python; see `Fixtures/png/README.md`.
@Suite("Encoder output for the Pillow cross-check")
struct PillowCrossCheckTests {
    static func cases() throws -> [(name: String, image: PixelImage, chunks: [PNGTextChunk], level: Int)] {
        let metadata = GenerationMetadata(
            prompt: "a lighthouse, \"quoted\"\n第二行 ☃", negativePrompt: "blurry", seed: 42, steps: 8, guidance: 7.5,
            scheduler: "dpmpp-2m-karras", width: 64, height: 64, modelName: "tiny-sd", modelHash: "ab12",
            engineVersion: "0.1.0", rngKind: "philox-cpu", generationID: "G", imageID: "I")
        let rings = try PNGCodec.decode(try PNGFixtures.data("sample-rings.png")).image
        return [
            ("darkroom-rgb", makeTestImage(width: 33, height: 17, channels: 3), [], 6),
            ("darkroom-rgba-level9", makeTestImage(width: 64, height: 31, channels: 4, seed: 7), [], 9),
            ("darkroom-stored", makeTestImage(width: 5, height: 5, channels: 4), [], 0),
            ("darkroom-metadata", rings, metadata.pngTextChunks(includePrompt: true), 6),
            ("darkroom-long-itxt", makeTestImage(width: 8, height: 8, channels: 3),
             [PNGTextChunk(keyword: "Comment", text: String(repeating: "long ünïcödé ☃ text ", count: 100))], 6),
            ("darkroom-thumbnail", Thumbnail.make(from: rings, maxSide: 24), [], 6),
        ]
    }

    @Test("Encoder outputs decode back, and are written for Pillow when asked")
    func writeForPillow() throws {
        let folder = ProcessInfo.processInfo.environment["DARKROOM_PNG_OUT"].map(URL.init(fileURLWithPath:))
        if let folder { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) }
        for item in try Self.cases() {
            let png = try PNGCodec.encode(item.image, textChunks: item.chunks, compressionLevel: item.level)
            let decoded = try PNGCodec.decode(png)
            #expect(decoded.image == item.image && decoded.textChunks == item.chunks)
            guard let folder else { continue }
            try png.write(to: folder.appendingPathComponent("\(item.name).png"))
            try Data(item.image.pixels).write(to: folder.appendingPathComponent("\(item.name).raw"))
            let chunks = item.chunks.map { ["keyword": $0.keyword, "text": $0.text] }
            let sidecar: [String: Any] = ["width": item.image.width, "height": item.image.height,
                                          "channels": item.image.channels, "text": chunks]
            try JSONSerialization.data(withJSONObject: sidecar, options: [.sortedKeys])
                .write(to: folder.appendingPathComponent("\(item.name).json"))
        }
    }
}
