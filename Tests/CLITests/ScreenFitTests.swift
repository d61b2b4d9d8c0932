import DarkroomImaging
import Foundation
import Testing

/// Screens that fit (issue 32, item 6): `show` puts its fields first and scales the picture into the rows
/// left of an 80×24 terminal (or leaves it out when there is no room); `list` cuts the prompt column to the
/// width instead of wrapping; table cells stay on one line.
@Suite(.enabled(if: TerminalSession.available)) struct ScreenFitTests {
    /// A library with a 64×64 picture whose metadata fills every field of `show`.
    func richItem(_ cli: CLIHarness) throws -> String {
        let parameters = """
            a lighthouse on a cliff at dusk, golden hour, dramatic clouds over a stormy sea, oil painting in the style of the old masters, highly detailed
            Negative prompt: blurry, low quality, text, watermark
            Steps: 20, Sampler: DPM++ 2M Karras, CFG scale: 7, Seed: 965400086, Size: 64x64, Model hash: 45dee52b, Model: sd15-base, Version: v1.6.0
            """
        try cli.writePNG("in/lighthouse.png", seed: 3, size: 64, chunks: [PNGTextChunk(keyword: "parameters", text: parameters)])
        #expect(try cli.run(["import", cli.scratch.appendingPathComponent("in/lighthouse.png").path]).code == 0)
        let id = try #require(try cli.listJSON().first?["id"] as? String)
        #expect(try cli.run(["tag", "add", "seascape", id]).code == 0)
        #expect(try cli.run(["album", "add", "--create", "Best of", id]).code == 0)
        #expect(try cli.run(["rate", id, "4"]).code == 0)
        return id
    }

    @Test func showFitsFieldsAndPictureIn80x24() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let id = try richItem(cli)
        let screen = try TerminalSession(columns: 80, rows: 24).run(cli, ["show", id])
        #expect(screen.code == 0)
        // Everything, with the shell's next prompt, fits the 24 rows: nothing scrolls away.
        let rows = screen.lines.reduce(0) { $0 + max(1, (TerminalSession.width($1) + 79) / 80) }
        #expect(rows <= 23, "\(rows) rows:\n\(screen.lines.joined(separator: "\n"))")
        let text = screen.lines.joined(separator: "\n")
        for field in ["lighthouse on a cliff", "blurry, low quality", "965400086", "20 steps", "sd15-base", "seascape", "Best of",
                      "rating 4/5", "automatic1111", id] {
            #expect(text.contains(field), "missing \(field):\n\(text)")
        }
        // The fields come first, then the picture (half blocks), scaled to the rows left.
        let firstBlock = try #require(screen.lines.firstIndex { $0.contains("▀") }, "no picture:\n\(text)")
        #expect(screen.lines[..<firstBlock].contains { $0.hasPrefix("prompt") })
        let pictureRows = screen.lines.filter { $0.contains("▀") }.count
        #expect(pictureRows >= 6 && pictureRows <= 24 - firstBlock - 1, "\(pictureRows) picture rows after \(firstBlock) lines")
    }

    @Test func showLeavesThePictureOutWhenTheTerminalIsTooSmallAndUsesItAllWhenTall() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let id = try richItem(cli)
        let small = try TerminalSession(columns: 80, rows: 12).run(cli, ["show", id])
        #expect(small.code == 0)
        #expect(!small.raw.contains("▀") && small.raw.contains("terminal is too small"), "\(small.lines)")
        // An explicit --image still draws, in the least room a picture takes.
        #expect(try TerminalSession(columns: 80, rows: 12).run(cli, ["show", id, "--image", "blocks"]).raw.contains("▀"))
        // A tall terminal gets one field a line and a larger picture.
        let tall = try TerminalSession(columns: 160, rows: 50).run(cli, ["show", id])
        #expect(tall.lines.contains { $0.hasPrefix("negative prompt") } && tall.lines.contains { $0.hasPrefix("seed ") })
        let rows = tall.lines.reduce(0) { $0 + max(1, (TerminalSession.width($1) + 159) / 160) }
        #expect(rows <= 49 && tall.lines.filter { $0.contains("▀") }.count > 10, "\(tall.lines.joined(separator: "\n"))")
    }

    @Test func listCutsThePromptColumnToTheWidth() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let prompts = [
            "a very long prompt about a red circle above a blue square on a beige background with soft light and a gradient",
            "夕暮れの灯台と嵐の海、油絵、とても詳細な雲と光の表現",
            "first line\nsecond line of a prompt with a line break in it and more words after it",
        ]
        for (i, prompt) in prompts.enumerated() {
            let parameters = "\(prompt)\nSteps: 8, Sampler: Euler a, CFG scale: 3, Seed: \(UInt64.max - UInt64(i)), Size: 16x16"
            try cli.writePNG("in/\(i).png", seed: i, chunks: [PNGTextChunk(keyword: "parameters", text: parameters)])
        }
        #expect(try cli.run(["import", cli.scratch.appendingPathComponent("in").path]).code == 0)
        for tag in ["keeper", "seascape"] { _ = try cli.run(["tag", "add", tag] + (try cli.listJSON().compactMap { $0["id"] as? String })) }
        // Piped with COLUMNS=80, and on an 80-column terminal.
        let piped = try cli.run(["list"], environment: ["COLUMNS": "80"]).stdout.split(separator: "\n").map(String.init)
        let terminal = try TerminalSession(columns: 80, rows: 24).run(cli, ["list"]).lines
        for lines in [piped, terminal] {
            #expect(lines.count == 4, "one line per item and the header: \(lines)")
            for line in lines { #expect(TerminalSession.width(line) <= 80, "\(TerminalSession.width(line)) columns: \(line)") }
            #expect(lines.dropFirst().allSatisfy { $0.hasSuffix("…") }, "\(lines)")
            #expect(lines.contains { $0.contains(String(UInt64.max)) }, "the seed column stays whole: \(lines)")
        }
        // Wide terminals keep whole prompts; the prompts table keeps a multi-line prompt on one line.
        #expect(try cli.run(["list"], environment: ["COLUMNS": "300"]).stdout.contains(prompts[0]))
        let history = try cli.run(["prompts"], environment: ["COLUMNS": "80"]).stdout.split(separator: "\n")
        #expect(history.count == 4 && history.allSatisfy { TerminalSession.width(String($0)) <= 80 }, "\(history)")
    }
}
