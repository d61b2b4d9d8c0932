@testable import DarkroomImaging
import Foundation
import Testing

/// Issue 30, items 4 and 5: hostile text is printed harmlessly, NUL is never cut silently, seeds are
/// unsigned everywhere, and text is bounded before it is stored.
@Suite struct HostileTextTests {
    /// OSC 52 clipboard write, screen clear, window title, and a one-character C1 CSI.
    static let hostilePrompt = "a calm lake \u{1B}]52;c;cm0gLXJmIH4K\u{07} \u{1B}[2J \u{1B}]0;owned\u{07} \u{9B}31m red \u{7F}"
    static let model = GenerateCommandTests.engineFixtures.appendingPathComponent("sd-tiny-conv").path

    /// Bytes a terminal could act on: C0 controls other than line feed and tab, DEL, and C1 controls
    /// (raw, or as UTF-8 `C2 80`–`C2 9F`).
    static func terminalControls(in text: String) -> [String] {
        let bytes = Array(text.utf8)
        var found: [String] = []
        for (i, byte) in bytes.enumerated() {
            if (byte < 0x20 && byte != 0x0A && byte != 0x09) || byte == 0x7F { found.append(String(format: "%02X at %d", byte, i)) }
            if byte == 0xC2, i + 1 < bytes.count, (0x80...0x9F).contains(bytes[i + 1]) { found.append(String(format: "C2 %02X at %d", bytes[i + 1], i)) }
        }
        return found
    }

    @Test func listShowAndPromptsPrintNoTerminalControls() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let parameters = "\(Self.hostilePrompt)\nNegative prompt: \u{1B}[8mhidden\nSteps: 8, Sampler: DDIM, CFG scale: 4, Seed: 7, Size: 16x16"
        try cli.writePNG("in/hostile.png", seed: 1, chunks: [PNGTextChunk(keyword: "parameters", text: parameters)])
        #expect(try cli.run(["import", cli.scratch.appendingPathComponent("in").path]).code == 0)
        let item = try #require(try cli.listJSON().first)
        let id = try #require(item["id"] as? String)
        // JSON keeps the exact text, escaped.
        #expect(item["prompt"] as? String == Self.hostilePrompt)
        #expect(item["negative_prompt"] as? String == "\u{1B}[8mhidden")
        let tag = "\u{1B}]0;tag\u{07}", album = "\u{9B}2J album"
        #expect(try cli.run(["tag", "add", tag, id]).code == 0)
        #expect(try cli.run(["album", "add", "--create", album, id]).code == 0)

        let runs: [[String]] = [
            ["list"], ["list", "--json"], ["show", id, "--image", "none"], ["show", id, "--json"], ["prompts"], ["prompts", "--json"],
            ["tag", "list"], ["album", "list"], ["tag", "add", tag, id], ["album", "remove", album, id],
        ]
        for arguments in runs {
            let result = try cli.run(arguments)
            #expect(Self.terminalControls(in: result.stdout).isEmpty, "\(arguments) stdout: \(Self.terminalControls(in: result.stdout))")
            #expect(Self.terminalControls(in: result.stderr).isEmpty, "\(arguments) stderr: \(Self.terminalControls(in: result.stderr))")
        }
        // What the text holds is still shown, as visible escapes.
        let list = try cli.run(["list"]).stdout
        #expect(list.contains("a calm lake \\x1B]52;c;cm0gLXJmIH4K\\x07"), "\(list)")
        let show = try cli.run(["show", id, "--image", "none"]).stdout
        #expect(show.contains("\\x1B[2J") && show.contains("\\x9B31m"), "\(show)")
        #expect(try cli.run(["prompts"]).stdout.contains("\\x1B]0;owned\\x07"))
    }

    @Test func errorMessagesThatEchoUserTextPrintNoTerminalControls() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        #expect(try cli.run(["init"]).code == 0)
        for arguments in [["album", "rename", "\u{1B}]0;owned\u{07}", "x"], ["show", "\u{1B}[2J"], ["settings", "get", "\u{9B}2J"]] {
            let result = try cli.run(arguments)
            #expect(result.code != 0)
            #expect(Self.terminalControls(in: result.stdout + result.stderr).isEmpty, "\(arguments): \(Self.terminalControls(in: result.stderr))")
        }
    }

    @Test func aTableCellStaysOnOneLineAndShowIndentsLaterLines() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let json = DarkroomMetadataJSON(GenerationMetadata(prompt: "first line\nseed  42\tafter a tab\r\nlast", seed: 5)).encoded()
        try cli.writePNG("lines.png", seed: 2, chunks: [PNGTextChunk(keyword: DarkroomMetadataJSON.keyword, text: json)])
        #expect(try cli.run(["import", cli.scratch.appendingPathComponent("lines.png").path]).code == 0)
        let id = try #require(try cli.listJSON().first?["id"] as? String)
        let list = try cli.run(["list"]).stdout.split(separator: "\n")
        #expect(list.count == 2, "\(list)")
        #expect(list.last?.contains("first line seed  42 after a tab last") == true, "\(list)")
        let show = try cli.run(["show", id, "--image", "none"]).stdout.split(separator: "\n").map(String.init)
        let prompt = try #require(show.firstIndex { $0.hasPrefix("prompt ") })
        #expect(show[prompt + 1].hasPrefix(" ") && show[prompt + 1].contains("seed  42"), "\(show)")
        #expect(!show.contains { $0.hasPrefix("seed") && $0.contains("42") }, "a prompt line passed for the seed field: \(show)")
    }

    @Test func aNULInAPromptIsRefusedNeverCut() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let metadata = GenerationMetadata(prompt: "before\u{0}after the NUL", seed: 3)
        let chunk = PNGTextChunk(keyword: DarkroomMetadataJSON.keyword, text: DarkroomMetadataJSON(metadata).encoded())
        try cli.writePNG("in/json.png", seed: 3, chunks: [chunk])
        try cli.writePNG("in/a1111.png", seed: 4, chunks: [PNGTextChunk(keyword: "parameters", text: "left\u{0}right\nSteps: 4, Seed: 1")])
        let result = try cli.run(["import", cli.scratch.appendingPathComponent("in").path])
        #expect(result.code == 4, "\(result.stderr)")
        #expect(result.stderr.components(separatedBy: "NUL").count == 3, "\(result.stderr)")
        #expect(try cli.listJSON().isEmpty)
    }

    @Test func seedsAreUnsignedInTablesShowJSONAndSearch() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let maximum = "18446744073709551615"
        let made = try cli.run(["generate", "a grey stone", "--model", Self.model, "--seed", maximum, "--steps", "2",
                                "--scheduler", "ddim", "--size", "32x32"])
        #expect(made.code == 0, "\(made.stderr)")
        let id = try #require(try cli.listJSON().first?["id"] as? String)
        let vary = try cli.run(["vary", id, "--count", "1", "--variation-seed", maximum, "--strength", "0.3"])
        #expect(vary.code == 0, "\(vary.stderr)")

        let table = try cli.run(["list"]).stdout
        #expect(table.components(separatedBy: maximum).count == 3 && !table.contains(" -1 "), "\(table)")
        let show = try cli.run(["show", id, "--image", "none"]).stdout
        #expect(show.split(separator: "\n").contains { $0.hasPrefix("seed ") && $0.hasSuffix(" \(maximum)") }, "\(show)")
        let json = try cli.run(["list", "--json"]).stdout
        #expect(json.contains("\"seed\" : \(maximum)") && json.contains("\"variation_seed\" : \(maximum)"), "\(json)")
        let variation = try #require(try cli.listJSON().first { $0["id"] as? String != id }?["id"] as? String)
        #expect(try cli.run(["show", variation, "--image", "none"]).stdout.contains("variation"))

        #expect(try cli.listJSON(["seed:\(maximum)"]).count == 2)
        #expect(try cli.listJSON(["--seed", maximum]).count == 2)
        #expect(try cli.listJSON(["seed:18446744073709551614"]).isEmpty)
    }

    @Test func aHugeUncompressedTextChunkIsLeftOutQuickly() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        // A real picture with a 50 MB tEXt chunk before its pixels.
        let small = try cli.writePNG("small.png", seed: 5)
        let chunks = try PNGChunk.readAll(from: Array(try Data(contentsOf: small)))
        var file = PNGChunk.signature
        for chunk in chunks {
            if chunk.type == "IDAT" {
                var text = Array("parameters".utf8) + [0] + Array("a huge prompt ".utf8)
                text += [UInt8](repeating: 0x78, count: 50_000_000)
                PNGChunk.write(type: "tEXt", data: text, to: &file)
            }
            PNGChunk.write(type: chunk.type, data: Array(chunk.data), to: &file)
        }
        let huge = cli.scratch.appendingPathComponent("huge.png")
        try Data(file).write(to: huge)
        // A prompt over the prompt limit in an otherwise fine chunk, and a compressed chunk over the chunk limit.
        let longPrompt = String(repeating: "a long prompt ", count: 3000) + "end"
        let bomb = try Zlib.deflate([UInt8](repeating: 0x41, count: 3 << 20), level: 9)
        let long = try cli.writePNG("long.png", seed: 6, chunks: [
            PNGTextChunk(keyword: "parameters", text: longPrompt + "\nSteps: 8, CFG scale: 4, Seed: 1"),
        ])
        var withBomb = Array(try Data(contentsOf: long))
        var bombChunk: [UInt8] = []
        PNGChunk.write(type: "zTXt", data: Array("Comment".utf8) + [0, 0] + bomb, to: &bombChunk)
        withBomb.insert(contentsOf: bombChunk, at: withBomb.count - 12)  // before IEND
        try Data(withBomb).write(to: long)

        let started = Date()
        let imported = try cli.run(["import", huge.path, long.path])
        #expect(Date().timeIntervalSince(started) < 60)
        #expect(imported.code == 0, "\(imported.stderr)")
        #expect(imported.stderr.contains("text chunk 'parameters' (50000025 bytes in the file)"), "\(imported.stderr)")
        #expect(imported.stderr.contains("prompt shortened from \(longPrompt.utf8.count) to \(TextLimits.maxPromptBytes) bytes"), "\(imported.stderr)")
        #expect(imported.stderr.contains("text chunk 'Comment'"), "\(imported.stderr)")

        let items = try cli.listJSON()
        #expect(items.count == 2)
        for item in items {
            let id = try #require(item["id"] as? String)
            let shown = try cli.run(["show", id, "--json"])
            #expect(shown.stdout.utf8.count < 64 << 10)
            let object = try #require(try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any])
            #expect(((object["prompt"] as? String)?.utf8.count ?? 0) <= TextLimits.maxPromptBytes)
            let picture = try #require((object["image"] as? [String: Any])?["path"] as? String)
            let size = try #require(try FileManager.default.attributesOfItem(atPath: picture)[.size] as? Int)
            #expect(size < 1 << 20, "the library's copy keeps the oversized chunk: \(size) bytes")
        }
        let database = cli.library.appendingPathComponent("library.sqlite")
        let databaseBytes = try FileManager.default.attributesOfItem(atPath: database.path)[.size] as? Int ?? 0
        let walBytes = (try? FileManager.default.attributesOfItem(atPath: database.path + "-wal")[.size] as? Int) ?? 0
        #expect(databaseBytes + walBytes < 8 << 20)
        #expect(try cli.listJSON(["long"]).first?["prompt"] as? String == TextLimits.prefix(longPrompt, maxBytes: TextLimits.maxPromptBytes))
    }

    @Test func generateRefusesAnOverlongPromptBeforeWritingARow() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let prompt = String(repeating: "a red circle ", count: 2000)
        let result = try cli.run(["generate", prompt, "--model", Self.model, "--steps", "2", "--size", "32x32"])
        #expect(result.code == 11, "\(result.stderr)")
        #expect(result.stderr.contains("too long"), "\(result.stderr)")
        #expect(try cli.listJSON().isEmpty)
    }
}
