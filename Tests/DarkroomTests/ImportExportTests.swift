import Darkroom
import DarkroomImaging
import DarkroomStore
import Foundation
import Testing

@Suite struct ImportExportTests {
    func writePNG(_ folder: URL, _ name: String, seed: UInt64, chunks: [PNGTextChunk] = []) throws -> URL {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent(name)
        try PNGCodec.encode(TestGenerator.paint(request(seed: seed)), textChunks: chunks).write(to: url)
        return url
    }

    @Test func importReadsA1111MetadataReportsDuplicatesAndSkipsBadFiles() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        let inbox = temp.url.deletingLastPathComponent().appendingPathComponent("inbox-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: inbox) }
        let a1111 = PNGTextChunk(keyword: "parameters", text: """
            a lighthouse at dusk, oil painting
            Negative prompt: blurry, text
            Steps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 965400086, Size: 16x12, Model hash: 45dee52b, Model: sd15
            """)
        let withMetadata = try writePNG(inbox, "a.png", seed: 1, chunks: [a1111])
        _ = try writePNG(inbox, "b.png", seed: 2)
        let copy = inbox.appendingPathComponent("copy-of-a.png")
        try FileManager.default.copyItem(at: withMetadata, to: copy)
        let notPNG = inbox.appendingPathComponent("c.png")
        try Data("definitely not a png".utf8).write(to: notPNG)
        try Data("notes".utf8).write(to: inbox.appendingPathComponent("readme.txt"))

        let report = try await library.importImages(at: [inbox])
        #expect(report.importedIDs.count == 2)
        #expect(report.duplicateCount == 1)
        #expect(report.failureCount == 1)
        #expect(report.skippedNonPNG.count == 1)
        guard case .failed(let path, let message) = report.outcomes.first(where: { if case .failed = $0 { return true }; return false })
        else { return }
        #expect(path == notPNG.path && message.contains("not a picture"))

        let items = try await library.items(GalleryQuery(text: "lighthouse"))
        let item = try #require(items.first)
        let g = item.generation
        #expect(g.source == .import && g.status == .succeeded)
        #expect(g.prompt == "a lighthouse at dusk, oil painting")
        #expect(g.negativePrompt == "blurry, text")
        #expect(g.seed == 965400086 && g.steps == 20 && g.guidance == 7)
        #expect(g.metadataSource == "automatic1111")
        // Stored byte for byte.
        #expect(try Data(contentsOf: library.url(of: item.image!.path)) == (try Data(contentsOf: withMetadata)))
        let plainItem = try #require(try await library.items(GalleryQuery()).first { $0.generation.prompt.isEmpty })
        #expect(plainItem.generation.metadataSource == nil && plainItem.image?.width == 16)

        // A missing path fails before anything is imported.
        await #expect(throws: LibraryError.fileNotFound(path: "/no/such/file.png")) {
            try await library.importImages(at: [URL(fileURLWithPath: "/no/such/file.png")])
        }
    }

    @Test func exportCopiesOriginalsOrStripsThePromptAndWritesSidecars() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        guard case .finished(let item) = await run(library, request("a secret garden"), TestGenerator()).events.last else { return }
        let out = temp.url.deletingLastPathComponent().appendingPathComponent("out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }

        let full = try await library.export([item], to: out.appendingPathComponent("full"), sidecar: true)
        #expect(try Data(contentsOf: full[0].picture) == (try Data(contentsOf: library.url(of: item.image!.path))))
        let sidecar = try JSONSerialization.jsonObject(with: Data(contentsOf: try #require(full[0].sidecar))) as? [String: Any]
        #expect(sidecar?["prompt"] as? String == "a secret garden")
        #expect(sidecar?["id"] as? String == item.id.rawValue)

        let stripped = try await library.export([item], to: out.appendingPathComponent("private"), includePrompt: false, sidecar: true)
        let bytes = try Data(contentsOf: stripped[0].picture)
        #expect(bytes.range(of: Data("secret".utf8)) == nil)
        #expect(try Data(contentsOf: stripped[0].sidecar!).range(of: Data("secret".utf8)) == nil)
        let decoded = try PNGCodec.decode(bytes)
        #expect(decoded.image.pixels == TestGenerator.paint(request("a secret garden")).pixels)
        let metadata = try #require(GenerationMetadata.parse(textChunks: decoded.textChunks))
        #expect(metadata.seed == 7 && (metadata.prompt ?? "").isEmpty)
    }
}

/// Exports that never clobber, keep the original tool's metadata without prompts, and leave a pixel hash
/// by which a prompt-free copy is recognised (issue 32, item 7).
@Suite struct ExportTrapTests {
    @Test(arguments: ["meta-a1111.png", "meta-comfyui.png", "meta-invokeai.png", "meta-drawthings.png"])
    func aPromptFreeExportKeepsTheToolsSettingsAndIsKnownByItsPixels(file: String) async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        guard case .imported(_, let id, _) = try await library.importImage(at: fixturesFolder.appendingPathComponent("png/\(file)")) else {
            Issue.record("not imported"); return
        }
        let item = try await library.item(id)
        let original = try #require(GenerationMetadata.parse(textChunks: PNGCodec.decode(Data(contentsOf: library.url(of: item.image!.path))).textChunks))
        let out = temp.url.deletingLastPathComponent().appendingPathComponent("out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        // Every stored picture is known by its pixels from the moment it is stored.
        #expect(try await library.generation(showingPixels: PNGCodec.decode(Data(contentsOf: library.url(of: item.image!.path))).image) == id)
        let exported = try await library.export([item], to: out, includePrompt: false)
        let decoded = try PNGCodec.decode(Data(contentsOf: exported[0].picture))
        // Nothing holds the prompt; nothing says Darkroom made it; the tool's settings are there.
        #expect(decoded.textChunks.allSatisfy { !$0.text.contains(item.generation.prompt) } && !item.generation.prompt.isEmpty)
        #expect(!decoded.textChunks.contains { $0.keyword == "darkroom" })
        let written = try #require(GenerationMetadata.parse(textChunks: decoded.textChunks))
        #expect((written.prompt ?? "").isEmpty && written.seed == original.seed && written.steps == original.steps)
        if let version = original.engineVersion { #expect(written.engineVersion == version, "\(decoded.textChunks)") }
        #expect(!(written.engineVersion ?? "").lowercased().hasPrefix("darkroom"))
        // The copy's bytes differ from the original's, but its pixels are the same picture.
        #expect(try Data(contentsOf: exported[0].picture) != Data(contentsOf: library.url(of: item.image!.path)))
        #expect(try await library.generation(showingPixels: decoded.image) == id)
        // Imported back, it is the same picture, not a second copy.
        guard case .duplicate(_, let existing) = try await library.importImage(at: exported[0].picture) else {
            Issue.record("a prompt-free export was imported as a new item"); return
        }
        #expect(existing == id)
    }

    @Test func reExportingIntoTheSameFolderNeverOverwrites() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        guard case .finished(let item) = await run(library, request("a quiet lake"), TestGenerator()).events.last else { return }
        let out = temp.url.deletingLastPathComponent().appendingPathComponent("out-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let first = try await library.export([item], to: out, sidecar: true)
        let again = try await library.export([item], to: out, sidecar: true)
        #expect(!first[0].alreadyThere && again[0].alreadyThere && again[0].picture == first[0].picture)
        // Someone else's file under the name is kept; the export takes the next name.
        try Data("not ours".utf8).write(to: first[0].picture)
        let third = try await library.export([item], to: out, sidecar: true)
        #expect(third[0].picture.lastPathComponent == "darkroom-\(item.id.prefix(12))-2.png" && third[0].sidecar?.lastPathComponent == "darkroom-\(item.id.prefix(12))-2.json")
        #expect(try Data(contentsOf: first[0].picture) == Data("not ours".utf8))
        let replaced = try await library.export([item], to: out, overwrite: true)
        #expect(try replaced[0].picture == first[0].picture && Data(contentsOf: first[0].picture) != Data("not ours".utf8))
    }
}

@Suite struct ForeignMetadataImportTests {
    /// Files written by other programs (made with Pillow by Fixtures/png/make_fixtures.py) import with their metadata.
    @Test(arguments: [
        ("meta-a1111.png", "automatic1111"), ("meta-comfyui.png", "comfyui"), ("meta-invokeai.png", "invokeai"),
        ("meta-invokeai-legacy.png", "invokeai"), ("meta-drawthings.png", "drawThings"), ("meta-darkroom.png", "darkroom"),
        ("meta-unknown.png", "unknown"), ("rgb.png", nil),
    ] as [(String, String?)])
    func importRecordsWhatItParsed(file: String, source: String?) async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        let outcome = try await library.importImage(at: fixturesFolder.appendingPathComponent("png/\(file)"))
        guard case .imported(_, let id, let recorded) = outcome else { Issue.record("\(outcome)"); return }
        #expect(recorded == source)
        let item = try await library.item(id)
        if source != nil && source != "unknown" {
            #expect(!item.generation.prompt.isEmpty, "\(file) should carry a prompt")
        }
    }

    @Test(arguments: ["broken-crc.png", "broken-truncated.png", "broken-notpng.png", "broken-huge.png", "broken-noidat.png"])
    func brokenFilesAreRefusedWithoutWriting(file: String) async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        await #expect(throws: LibraryError.self) {
            try await library.importImage(at: fixturesFolder.appendingPathComponent("png/\(file)"))
        }
        #expect(files(under: temp.url.appendingPathComponent("images")).isEmpty)
    }
}
