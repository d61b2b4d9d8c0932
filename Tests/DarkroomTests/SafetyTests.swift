import Darkroom
import DarkroomImaging
import DarkroomStore
import Foundation
import Testing

@Suite struct SafetyTests {
    @Test func promptPolicyNamesTheRuleAndHonoursContext() {
        let policy = PromptPolicy.standard(extraTerms: ["Clown"])
        #expect(policy.violation(in: "a red circle above a blue square") == nil)
        #expect(policy.violation(in: "NSFW photo")?.name == "explicit-sexual-content")
        #expect(policy.violation(in: "a child flying a kite") == nil)
        #expect(policy.violation(in: "a naked child")?.name == "sexual-content-with-minors")
        #expect(policy.violation(in: "two clowns juggling")?.name == "user-blocklist")
        #expect(policy.violation(in: "gorelike")?.name == nil)  // whole words only
    }

    @Test func skinToneDetectorScoresAreaShare() {
        let detector = SkinToneAreaDetector()
        let peach = PixelImage(width: 2, height: 1, channels: 3, pixels: [224, 172, 140, 224, 172, 140])
        let blue = PixelImage(width: 2, height: 1, channels: 3, pixels: [0, 0, 255, 20, 40, 200])
        let half = PixelImage(width: 2, height: 1, channels: 3, pixels: [224, 172, 140, 0, 0, 255])
        #expect(detector.score(peach) == 1)
        #expect(detector.score(blue) == 0)
        #expect(detector.score(half) == 0.5)
    }

    @Test func refusedPromptIsRecordedAndNothingRuns() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        let (_, error) = await run(library, request("nsfw poster"), TestGenerator())
        #expect(error as? LibraryError == .promptRefused(rule: "explicit-sexual-content"))
        #expect(try await library.count(GalleryQuery()) == 0)
        let events = try await library.policyEvents()
        #expect(events.map(\.rule) == ["explicit-sexual-content"])
        #expect(events[0].prompt == "nsfw poster")
        try await library.setSafetyEnabled(false)
        #expect(await run(library, request("nsfw poster"), TestGenerator()).error == nil)
        #expect(try await library.policyEvents().first?.kind == .policyDisabled)
    }

    @Test func flaggedPictureIsHiddenNotDestroyedAndCanBeCleared() async throws {
        let temp = TemporaryLibrary(); defer { temp.cleanup() }
        let library = try await temp.open()
        _ = await run(library, request("a calm lake", seed: 1), TestGenerator())
        guard case .finished(let flagged) = await run(library, request("a portrait", seed: 2), TestGenerator(skinColoured: true)).events.last
        else { Issue.record("generation failed"); return }
        #expect(flagged.isFlagged && flagged.flaggedBy == ["skin-tone-area"])
        let flags = try await library.flags()
        #expect(flags.count == 1 && flags[0].score == 1 && flags[0].threshold == 0.55 && flags[0].detectorVersion == "2")
        // Hidden from the gallery, search and counts, but the picture is intact.
        #expect(try await library.items(GalleryQuery()).map(\.generation.prompt) == ["a calm lake"])
        #expect(try await library.items(GalleryQuery(text: "portrait")).isEmpty)
        var all = GalleryQuery(); all.includeFlagged = true
        #expect(try await library.count(all) == 2)
        var only = GalleryQuery(); only.flaggedOnly = true
        #expect(try await library.items(only).map(\.id) == [flagged.id])
        #expect(FileManager.default.fileExists(atPath: library.url(of: flagged.image!.path).path))
        // Clearing is recorded and the item shows again.
        #expect(try await library.unflag(flagged.id, by: "tester") == 1)
        #expect(try await library.count(GalleryQuery()) == 2)
        let history = try await library.flags(includeCleared: true)
        #expect(history.count == 1 && history[0].clearedBy == "tester" && history[0].clearedAt != nil)
    }
}
