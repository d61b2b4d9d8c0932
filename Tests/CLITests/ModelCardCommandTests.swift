import Foundation
import Testing

/// `generate` says what the model can do before it runs: unknown words, sizes far from native or off
/// the size step; and `generate --help` shows prompts the shipped model draws well.
@Suite struct ModelCardCommandTests {
    @Test func unknownWordsAreNamedBeforeTheRun() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let cat = try cli.run(["generate", "a cat in the centre", "--seed", "1", "--progress", "json"])
        #expect(cat.code == 0, "\(cat.stderr)")
        #expect(cat.stderr.contains("warning: darkroom-shapes-v1 does not know \"cat\""), "\(cat.stderr)")
        #expect(cat.stderr.contains("darkroom.json"))
        // Said before anything runs: before the first progress line.
        let warning = try #require(cat.stderr.range(of: "does not know"))
        let loading = try #require(cat.stderr.range(of: "loading model"))
        #expect(warning.lowerBound < loading.lowerBound)
        let sunset = try cli.run(["generate", "a sunset over the sea", "--seed", "1", "--negative", "blurry"])
        #expect(sunset.stderr.contains("\"sunset\", \"sea\""), "\(sunset.stderr)")
        #expect(sunset.stderr.contains("negative prompt's \"blurry\""))
        let known = try cli.run(["generate", "a crimson five-pointed star above a blue square", "--seed", "1"])
        #expect(known.code == 0 && !known.stderr.contains("warning"), "\(known.stderr)")
    }

    @Test func sizesTheModelCannotDrawAreRefusedBeforeAnyRow() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        try cli.run(["init"])
        for (size, words) in [("100x100", "multiples of 16"), ("512x512", "trained at 64x64"), ("16x64", "trained at 64x64")] {
            for extra in [[], ["--queue"]] {
                let refused = try cli.run(["generate", "a red circle in the centre", "--size", size] + extra)
                #expect(refused.code == 11 && refused.stderr.contains(words), "\(size) \(extra): \(refused.stderr)")
                #expect(try cli.listJSON().isEmpty, "\(size) \(extra) left a row")
            }
        }
        #expect(try cli.run(["generate", "x", "--size", "100x100"]).stderr.contains("Try 96x96"))
        // Near native: accepted (queued here, nothing runs); far with --any-size: accepted with a warning.
        #expect(try cli.run(["generate", "a red circle in the centre", "--size", "128x96", "--queue"]).code == 0)
        let forced = try cli.run(["generate", "a red circle in the centre", "--size", "256x256", "--any-size", "--queue"])
        #expect(forced.code == 0 && forced.stderr.contains("warning: darkroom-shapes-v1 was made for 64x64"), "\(forced.stderr)")
        #expect(try cli.listJSON().count == 2)
    }

    @Test func helpShowsPromptsTheModelDrawsAndWhereItsCardIs() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let help = try cli.run(["generate", "--help"], withLibrary: false)
        #expect(help.code == 0)
        #expect(help.stdout.contains("two blue circles side by side") && help.stdout.contains("a red circle above a blue square"))
        #expect(help.stdout.contains("docs/model.md") && help.stdout.contains("darkroom.json"))
        #expect(help.stdout.contains("\"a\", \"an\", \"one\" and \"single\""))
        #expect(!help.stdout.contains("\"a cat\""))
    }
}
