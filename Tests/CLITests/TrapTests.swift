import DarkroomImaging
import Foundation
import Testing

/// The small traps of issue 32 (item 7) and the hidden counts (item 1's visibility part), through the CLI.
@Suite struct TrapTests {
    /// Three A1111 pictures: two foxes (one in snow, DDIM) and a circle, the forest fox in the album "Best of".
    func foxes(_ cli: CLIHarness) throws -> [String: String] {
        let pictures = [("snow", "a red fox in the snow", "DDIM"), ("forest", "a red fox in a forest", "Euler a"),
                        ("circle", "a red circle", "Euler a")]
        for (i, (name, prompt, sampler)) in pictures.enumerated() {
            try cli.writePNG("in/\(name).png", seed: i + 1, noise: true, chunks: [PNGTextChunk(keyword: "parameters", text: """
                \(prompt)
                Negative prompt: blurry
                Steps: 20, Sampler: \(sampler), CFG scale: 7, Seed: \(i + 1), Size: 16x16, Model: sd15, Version: v1.6.0, Clip skip: 2
                """)])
        }
        #expect(try cli.run(["import", cli.scratch.appendingPathComponent("in").path]).code == 0)
        var ids: [String: String] = [:]
        for item in try cli.listJSON() { ids[String((item["prompt"] as? String ?? "").split(separator: " ").last!)] = item["id"] as? String }
        #expect(try cli.run(["album", "add", "--create", "Best of", ids["forest"]!]).code == 0)
        #expect(try cli.run(["tag", "add", "keeper", ids["circle"]!, ids["forest"]!]).code == 0)
        return ids
    }

    func prompts(_ cli: CLIHarness, _ arguments: [String]) throws -> Set<String> {
        Set(try cli.listJSON(arguments).compactMap { $0["prompt"] as? String })
    }

    @Test func searchFlagsValuesQuotesExclusionAndUnknownFields() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        _ = try foxes(cli)
        #expect(try prompts(cli, ["fox", "-snow"]) == ["a red fox in a forest"])
        #expect(try prompts(cli, ["--search", "fox -snow"]) == ["a red fox in a forest"], "list takes --search as prompts does")
        #expect(try prompts(cli, ["scheduler:DDIM"]) == ["a red fox in the snow"])
        #expect(try prompts(cli, ["album:\"Best of\""]) == ["a red fox in a forest"])
        #expect(try prompts(cli, ["album:\"best of\"", "fox"]) == ["a red fox in a forest"])
        #expect(try prompts(cli, ["\"red fox\""]) == ["a red fox in the snow", "a red fox in a forest"])
        let unknown = try cli.run(["list", "foo:bar"])
        #expect(unknown.code == 64 && unknown.stderr.contains("'foo'") && !unknown.stderr.contains("Nothing matches"), "\(unknown.stderr)")
        let typo = try cli.run(["list", "sed:1"])
        #expect(typo.code == 64 && typo.stderr.contains("Did you mean 'seed:'?"), "\(typo.stderr)")
        let option = try cli.run(["list", "--favourites"])
        #expect(option.code == 64 && option.stderr.contains("--favorites"), "\(option.stderr)")
    }

    @Test func didYouMeanForCommands() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        #expect(try cli.run(["init"]).code == 0)
        let lsit = try cli.run(["lsit"])
        #expect(lsit.code == 64 && lsit.stderr.contains("Did you mean 'list'?"), "\(lsit.stderr)")
        let gen = try cli.run(["genrate", "a cat"])
        #expect(gen.code == 64 && gen.stderr.contains("'generate'"), "\(gen.stderr)")
        let empty = try cli.run(["trash", "emtpy"])
        #expect(empty.code == 64 && empty.stderr.contains("darkroom trash empty"), "\(empty.stderr)")
        #expect(try cli.run(["--library", cli.library.path, "list"], withLibrary: false).code == 0)
    }

    @Test(.enabled(if: TerminalSession.available)) func emptyingTheTrashAsksOnATerminal() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let ids = try foxes(cli)
        #expect(try cli.run(["trash", ids["snow"]!, ids["circle"]!]).code == 0)
        let declined = try TerminalSession().run(cli, ["trash", "empty"], input: "n\n")
        #expect(declined.raw.contains("Delete 2 item(s) from the trash for good") && declined.raw.contains("Nothing deleted"), "\(declined.raw)")
        #expect(try cli.listJSON(["--trashed"]).count == 2)
        let agreed = try TerminalSession().run(cli, ["trash", "empty"], input: "y\n")
        #expect(agreed.raw.contains("Deleted 2 item(s)"), "\(agreed.raw)")
        #expect(try cli.listJSON(["--trashed"]).isEmpty)
        #expect(try cli.run(["trash", ids["forest"]!]).code == 0)
        let yes = try TerminalSession().run(cli, ["trash", "empty", "--yes"])
        #expect(!yes.raw.contains("[y/N]") && yes.raw.contains("Deleted 1 item(s)"), "\(yes.raw)")
    }

    @Test func exportBySelectionNeverClobbersAndKeepsTheToolsMetadata() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let ids = try foxes(cli)
        let folder = cli.scratch.appendingPathComponent("out")
        func files() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() }
        let album = try cli.run(["export", "--album", "Best of", "--to", folder.path])
        #expect(try album.code == 0 && files() == ["darkroom-\(ids["forest"]!.prefix(12)).png"], "\(album.stderr)")
        #expect(try cli.run(["export", "--tag", "keeper", "--search", "circle", "--to", folder.path]).code == 0)
        #expect(try files().count == 2)
        #expect(try cli.run(["export", "--search", "foo:bar", "--to", folder.path]).code == 64)
        #expect(try cli.run(["export", ids["snow"]!, "--all", "--to", folder.path]).code == 64)

        // The same export again writes nothing; a different file of the same name is kept, the new one renamed.
        let forest = folder.appendingPathComponent("darkroom-\(ids["forest"]!.prefix(12)).png")
        let original = try Data(contentsOf: forest)
        let again = try cli.run(["export", "--album", "Best of", "--to", folder.path])
        #expect(again.stdout.contains("already there") && again.stderr.contains("1 already there"), "\(again.stdout)\(again.stderr)")
        #expect(try files().count == 2)
        let bare = try cli.run(["export", ids["forest"]!, "--to", folder.path, "--no-prompt"])
        #expect(try bare.code == 0 && Data(contentsOf: forest) == original, "the first export was overwritten")
        let renamed = folder.appendingPathComponent("darkroom-\(ids["forest"]!.prefix(12))-2.png")
        #expect(bare.stdout.contains(renamed.path) && FileManager.default.fileExists(atPath: renamed.path), "\(bare.stdout)")

        // The prompt-free copy keeps A1111's own settings line: its version, its extra fields, no prompt.
        let chunks = try PNGCodec.decode(try Data(contentsOf: renamed)).textChunks
        let parameters = try #require(chunks.first { $0.keyword == "parameters" }?.text)
        #expect(parameters.contains("Version: v1.6.0") && parameters.contains("Clip skip: 2") && !parameters.contains("darkroom"), "\(parameters)")
        #expect(!parameters.contains("fox") && !parameters.contains("blurry") && chunks.count == 1, "\(chunks)")
        #expect(try cli.run(["export", ids["forest"]!, "--to", folder.path, "--no-prompt", "--overwrite"]).code == 0)
        #expect(try Data(contentsOf: forest) != original && files().count == 3)
    }

    @Test func everyViewThatHidesSomethingSaysHowMany() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        _ = try foxes(cli)
        // A flat peach picture trips the skin-tone detector on import (as in SafetyCommandTests).
        let peach = cli.scratch.appendingPathComponent("peach.png")
        try PNGCodec.encode(PixelImage(width: 8, height: 8, channels: 3, pixels: (0..<64).flatMap { _ in [224, 172, 140] as [UInt8] }))
            .write(to: peach)
        #expect(try cli.run(["import", peach.path]).code == 0)
        let flagged = try #require(try cli.listJSON(["--flagged"]).first?["id"] as? String)
        let line = "1 hidden by the safety policy (see `darkroom flags`)"
        let list = try cli.run(["list"])
        #expect(list.stderr.contains(line) && !list.stdout.contains(String(flagged.prefix(8))), "\(list.stderr)")
        let json = try cli.run(["list", "--json"])
        #expect(json.stderr.contains(line), "list --json says it on stderr")
        #expect((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])?.count == 3, "stdout stays an array")
        #expect(try cli.run(["list", "--lineage", flagged]).stderr.contains(line))
        #expect(!(try cli.run(["list", "circle"]).stderr.contains("hidden")), "the count follows the search")
        #expect(!(try cli.run(["list", "--include-flagged"]).stderr.contains("hidden")))
        let stats = try cli.run(["stats"])
        #expect(stats.stdout.contains("1 hidden by the safety policy") && stats.stderr.contains(line), "\(stats.stdout)")
        let statsJSON = try JSONSerialization.jsonObject(with: Data(try cli.run(["stats", "--json"]).stdout.utf8)) as? [String: Any]
        #expect(statsJSON?["hidden_by_safety_policy"] as? Int == 1)
        let export = try cli.run(["export", "--all", "--to", cli.scratch.appendingPathComponent("all").path])
        #expect(export.stderr.contains(line) && export.stdout.split(separator: "\n").count == 3, "\(export.stderr)")
    }

    @Test func statsAreReadable() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        #expect(try cli.run(["init"]).code == 0)
        let empty = try cli.run(["stats"]).stdout
        #expect(!empty.contains("Zero") && empty.contains("Pictures      0 (0 bytes)"), "\(empty)")
        _ = try foxes(cli)
        let stats = try cli.run(["stats"]).stdout
        for label in ["Generations   3", "by status:", "succeeded  3", "by source:", "import", "Favourites", "In trash", "Pictures      3 ("] {
            #expect(stats.contains(label), "missing \(label):\n\(stats)")
        }
        #expect(stats.contains(" KB)") || stats.contains(" bytes)"))
    }
}
