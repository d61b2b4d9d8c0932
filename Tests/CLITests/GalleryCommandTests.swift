import DarkroomImaging
import Foundation
import Testing

@Suite struct GalleryCommandTests {
    @Test func initListShowAndJSONSchema() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let missing = try cli.run(["list"])
        #expect(missing.code == 2)
        #expect(missing.stderr.contains("darkroom init"))
        #expect(try cli.run(["init"]).stdout.contains("Created a library"))
        #expect(try cli.run(["init"]).stdout.contains("already exists"))
        let empty = try cli.run(["list"])
        #expect(empty.code == 0 && empty.stdout.isEmpty && empty.stderr.contains("Nothing matches"))

        let a1111 = PNGTextChunk(keyword: "parameters", text: "a blue heron\nNegative prompt: fog\nSteps: 12, Sampler: Euler a, CFG scale: 6, Seed: 31337, Size: 16x16")
        try cli.writePNG("in/heron.png", seed: 1, chunks: [a1111])
        try cli.writePNG("in/plain.png", seed: 2)
        let imported = try cli.run(["import", cli.scratch.appendingPathComponent("in").path])
        #expect(imported.code == 0, "\(imported.stderr)")
        #expect(imported.stderr.contains("2 imported, 0 duplicate(s), 0 failed"))

        let items = try cli.listJSON()
        #expect(items.count == 2)
        for key in ["id", "status", "prompt", "negative_prompt", "seed", "favorite", "rating", "tags", "albums", "created_at"] {
            #expect(items[0][key] != nil || items[0].keys.contains(key), "missing key \(key)")
        }
        let heron = try #require(items.first { ($0["prompt"] as? String) == "a blue heron" })
        #expect(heron["seed"] as? Int == 31337)
        #expect(heron["negative_prompt"] as? String == "fog")
        #expect(heron["status"] as? String == "succeeded")
        let id = try #require(heron["id"] as? String)

        let global = try cli.run(["--library", cli.library.path, "list", "--json"], withLibrary: false)
        #expect(global.code == 0 && global.stdout.contains("a blue heron"))
        let fromEnvironment = try cli.run(["list"], withLibrary: false, environment: ["DARKROOM_LIBRARY": cli.library.path])
        #expect(fromEnvironment.stdout.contains("a blue heron"))
        let table = try cli.run(["list"])
        #expect(table.stdout.contains("ID") && table.stdout.contains(String(id.prefix(8))) && table.stdout.contains("a blue heron"))
        let search = try cli.listJSON(["heron"])
        #expect(search.count == 1)
        #expect(try cli.listJSON(["seed:31337"]).count == 1)
        #expect(try cli.listJSON(["--seed", "31337"]).count == 1)
        #expect(try cli.listJSON(["--since", "1h"]).count == 2)
        #expect(try cli.listJSON(["--limit", "1", "--offset", "1"]).count == 1)

        let show = try cli.run(["show", String(id.prefix(6)), "--image", "none"])
        #expect(show.code == 0)
        #expect(show.stdout.contains("prompt") && show.stdout.contains("a blue heron") && show.stdout.contains("31337"))
        let blocks = try cli.run(["show", id, "--image", "blocks"])
        #expect(blocks.stdout.contains("▀"))
        let json = try cli.run(["show", id, "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(object?["id"] as? String == id)
        #expect((object?["image"] as? [String: Any])?["width"] as? Int == 16)
        // Not a TTY: auto draws nothing.
        #expect(!(try cli.run(["show", id]).stdout.contains("▀")))
    }

    @Test func marksTagsAlbumsTrashAndPrompts() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        for i in 0..<3 {
            try cli.writePNG("in/\(i).png", seed: i, chunks: [PNGTextChunk(keyword: "parameters", text: "picture number \(i)\nSteps: 8, Sampler: DDIM, CFG scale: 4, Seed: \(i), Size: 16x16")])
        }
        try cli.run(["import", cli.scratch.appendingPathComponent("in").path])
        let ids = try cli.listJSON().compactMap { $0["id"] as? String }
        #expect(ids.count == 3)
        #expect(try cli.run(["fav", ids[0]]).code == 0)
        #expect(try cli.listJSON(["--favorites"]).map { $0["id"] as? String } == [ids[0]])
        #expect(try cli.run(["unfav", ids[0]]).code == 0)
        #expect(try cli.listJSON(["--favorites"]).isEmpty)
        #expect(try cli.run(["rate", ids[1], "4"]).code == 0)
        #expect(try cli.run(["rate", ids[1], "9"]).code == 64)
        #expect(try cli.listJSON(["rating>=4"]).map { $0["id"] as? String } == [ids[1]])
        #expect(try cli.run(["tag", "add", "keeper", ids[0], ids[1]]).code == 0)
        #expect(try cli.listJSON(["--tag", "keeper"]).count == 2)
        #expect(try cli.run(["tag", "remove", "keeper", ids[0]]).code == 0)
        #expect(try cli.listJSON(["--tag", "keeper"]).count == 1)
        #expect(try cli.run(["tag", "list"]).stdout.contains("keeper"))
        #expect(try cli.run(["album", "create", "Trip"]).code == 0)
        #expect(try cli.run(["album", "create", "trip"]).code == 11)
        #expect(try cli.run(["album", "add", "Trip", ids[2]]).code == 0)
        #expect(try cli.run(["album", "add", "Nope", ids[2]]).code == 2)
        #expect(try cli.listJSON(["--album", "trip"]).count == 1)
        #expect(try cli.run(["album", "rename", "Trip", "Journey"]).code == 0)
        #expect(try cli.listJSON(["journey"]).count == 1)
        #expect(try cli.run(["album", "list"]).stdout.contains("Journey"))
        #expect(try cli.run(["album", "remove", "Journey", ids[2]]).code == 0)
        #expect(try cli.listJSON(["--album", "Journey"]).isEmpty)
        #expect(try cli.run(["album", "delete", "Journey"]).code == 0)

        #expect(try cli.run(["trash", ids[0]]).code == 0)
        #expect(try cli.listJSON().count == 2)
        #expect(try cli.listJSON(["--trashed"]).count == 1)
        #expect(try cli.run(["trash", "list"]).stdout.contains(String(ids[0].prefix(8))))
        #expect(try cli.run(["restore", ids[0]]).code == 0)
        #expect(try cli.listJSON().count == 3)
        try cli.run(["trash", ids[0]])
        #expect(try cli.run(["trash", "empty", "--older-than", "1"]).stdout.contains("Deleted 0"))
        #expect(try cli.run(["trash", "empty"]).stdout.contains("Deleted 1"))
        #expect(try cli.listJSON(["--trashed"]).isEmpty)

        // Emptying the trash removed item 2 and, with it, its prompt from the history.
        #expect(!(try cli.run(["prompts"]).stdout.contains("picture number 2")))
        let prompts = try cli.run(["prompts", "--search", "number 1"])
        #expect(prompts.stdout.contains("picture number 1") && !prompts.stdout.contains("picture number 0"))
        #expect(try cli.run(["settings", "set", "generate.steps", "12"]).code == 0)
        #expect(try cli.run(["settings", "get", "generate.steps"]).stdout == "12\n")
        #expect(try cli.run(["settings", "set", "generate.steps", "6", "--device"]).code == 0)
        let settings = try cli.run(["settings", "list"])
        #expect(settings.stdout.contains("generate.steps") && settings.stdout.contains("device"))
        #expect(try cli.run(["settings", "get", "no.such"]).code == 2)
        let stats = try cli.run(["stats", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(stats.stdout.utf8)) as? [String: Any]
        #expect(object?["generations"] as? Int == 2)
        let doctor = try cli.run(["doctor"])
        #expect(doctor.code == 0 && doctor.stdout.contains("database: ok"))
    }

    @Test func exportWithAndWithoutPrompt() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        try cli.writePNG("in/a.png", seed: 5, chunks: [PNGTextChunk(keyword: "parameters", text: "my private idea\nSteps: 8, Sampler: DDIM, CFG scale: 4, Seed: 5, Size: 16x16")])
        try cli.run(["import", cli.scratch.appendingPathComponent("in/a.png").path])
        let id = try #require(try cli.listJSON().first?["id"] as? String)
        let full = cli.scratch.appendingPathComponent("full"), bare = cli.scratch.appendingPathComponent("bare")
        #expect(try cli.run(["export", id, "--to", full.path, "--sidecar"]).code == 0)
        #expect(try cli.run(["export", "--all", "--to", bare.path, "--no-prompt"]).code == 0)
        let name = "darkroom-\(id.prefix(12))"
        #expect(try Data(contentsOf: full.appendingPathComponent("\(name).png")) == (try Data(contentsOf: cli.scratch.appendingPathComponent("in/a.png"))))
        #expect(FileManager.default.fileExists(atPath: full.appendingPathComponent("\(name).json").path))
        let stripped = try Data(contentsOf: bare.appendingPathComponent("\(name).png"))
        #expect(stripped.range(of: Data("private".utf8)) == nil)
        #expect(try cli.run(["export", "--to", bare.path]).code == 64)
    }
}
