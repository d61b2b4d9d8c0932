import DarkroomImaging
import Foundation
import Testing

@Suite struct SafetyCommandTests {
    @Test func refusedPromptFlaggedImportAndUnflag() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let refused = try cli.run(["generate", "hentai poster"])
        #expect(refused.code == 13 && refused.stderr.contains("explicit-sexual-content"))
        #expect(try cli.run(["flags", "--events"]).stdout.contains("prompt_refused"))

        // A flat peach picture trips the skin-tone detector on import.
        let url = cli.scratch.appendingPathComponent("peach.png")
        let pixels: [UInt8] = (0..<64).flatMap { _ -> [UInt8] in [224, 172, 140] }
        try PNGCodec.encode(PixelImage(width: 8, height: 8, channels: 3, pixels: pixels)).write(to: url)
        try cli.writePNG("plain.png", seed: 1, noise: true)
        #expect(try cli.run(["import", url.path, cli.scratch.appendingPathComponent("plain.png").path]).code == 0)
        let visible = try cli.run(["list", "--json"])
        let visibleItems = try JSONSerialization.jsonObject(with: Data(visible.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(visibleItems.count == 1)
        let flaggedItems = try cli.listJSON(["--flagged"])
        #expect(flaggedItems.count == 1 && flaggedItems[0]["flagged"] as? Bool == true)
        let id = try #require(flaggedItems[0]["id"] as? String)
        #expect(try cli.run(["flags"]).stdout.contains("skin-tone-area"))
        let show = try cli.run(["show", id, "--image", "blocks"])
        #expect(show.stdout.contains("safety flag") && !show.stdout.contains("▀"))
        #expect(try cli.run(["show", id, "--image", "blocks", "--include-flagged"]).stdout.contains("▀"))
        let out = cli.scratch.appendingPathComponent("out")
        let export = try cli.run(["export", "--all", "--to", out.path])
        #expect(export.stdout.split(separator: "\n").count == 1)
        #expect(try cli.run(["unflag", String(id.prefix(8)), "--by", "alice"]).stdout.contains("Cleared 1"))
        #expect(try cli.run(["flags", "--all"]).stdout.contains("cleared by alice"))
        let after = try JSONSerialization.jsonObject(with: Data(try cli.run(["list", "--json"]).stdout.utf8)) as? [[String: Any]] ?? []
        #expect(after.count == 2)
        let off = try cli.run(["settings", "set", "safety.enabled", "false"])
        #expect(off.code == 0 && off.stderr.contains("OFF"))
    }
}
