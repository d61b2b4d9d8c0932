import DarkroomImaging
import Foundation
import Testing

/// The folder of models, and what `rerun`/`verify`/`vary` do when the model a picture was made with is not here.
@Suite struct ModelFolderTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let tinyModel = root.appendingPathComponent("Fixtures/engine/sd-tiny-conv")

    @Test func aModelFolderIsListedAndPickedByName() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let models = cli.scratch.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: Self.tinyModel, to: models.appendingPathComponent("tiny"))
        #expect(try cli.run(["init"]).code == 0)
        #expect(try cli.run(["settings", "set", "generate.model_dir", models.path]).code == 0)
        let listed = try cli.run(["models", "--json"])
        #expect(listed.code == 0, "\(listed.stderr)")
        let entries = try #require(try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [[String: Any]])
        let tiny = try #require(entries.first { $0["name"] as? String == "tiny" })
        #expect(tiny["kind"] as? String == "diffusers" && (tiny["hash"] as? String)?.count == 64)
        #expect(entries.contains { $0["name"] as? String == "darkroom-shapes-v1" })
        let made = try cli.run(["generate", "a red chair", "--model", "tiny", "--seed", "3", "--steps", "2", "--size", "32x32",
                                "--scheduler", "ddim", "--any-size"])
        #expect(made.code == 0, "\(made.stderr)")
        let item = try #require(try cli.listJSON().first)
        #expect(item["model_hash"] as? String == tiny["hash"] as? String)
        // The model moves out of its recorded folder: rerun finds it in the model folder by its hash.
        let id = try #require(item["id"] as? String)
        let unknown = try cli.run(["generate", "a red chair", "--model", "no-such-model"])
        #expect(unknown.code == 9 && unknown.stderr.contains("no-such-model"), "\(unknown.stderr)")
        #expect(try cli.run(["verify", id]).code == 0)
        // Renamed inside the model folder: the recorded path is gone, the hash finds it.
        try FileManager.default.moveItem(at: models.appendingPathComponent("tiny"), to: models.appendingPathComponent("tiny-renamed"))
        let found = try cli.run(["verify", id])
        #expect(found.code == 0 && found.stdout.contains("identical"), "\(found.stdout) \(found.stderr)")
        // Gone altogether: never another model.
        try FileManager.default.removeItem(at: models.appendingPathComponent("tiny-renamed"))
        let gone = try cli.run(["rerun", id])
        #expect(gone.code == 21 && gone.stderr.contains("tiny"), "\(gone.stderr)")
    }

    @Test func aPictureFromAModelThatIsNotHereIsNeverRerunWithAnother() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let a1111 = try cli.writePNG("a1111.png", seed: 4, size: 64, chunks: [PNGTextChunk(keyword: "parameters", text: """
            a lighthouse at dusk <lora:filmgrain:0.7>
            Negative prompt: blurry
            Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 1234, Size: 512x512, Model hash: 6ce0161689, Model: v1-5-pruned-emaonly, Denoising strength: 0.6, Lora hashes: "filmgrain: 3a4b5c6d7e", Version: v1.10.1
            """)])
        #expect(try cli.run(["import", a1111.path]).code == 0)
        let item = try #require(try cli.listJSON().first)
        let id = try #require(item["id"] as? String)
        let inputs = try #require(item["inputs"] as? [String: Any])
        #expect(inputs["strength"] as? Double == 0.6)
        #expect((inputs["loras"] as? [[String: Any]])?.first?["sha256"] as? String == "3a4b5c6d7e")
        for command in [["rerun", id], ["verify", id]] {
            let result = try cli.run(command)
            #expect(result.code == 21, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("v1-5-pruned-emaonly") && result.stderr.contains("6ce0161689"), "\(result.stderr)")
        }
        let show = try cli.run(["show", id, "--image", "none"])
        #expect(show.stdout.contains("filmgrain") && show.stdout.contains("0.6"), "\(show.stdout)")
    }

    @Test func aMissingLoRAOrInputIsAClearErrorBeforeAnythingRuns() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        #expect(try cli.run(["init"]).code == 0)
        let lora = try cli.run(["generate", "a red circle", "--lora", "nowhere:0.5"])
        #expect(lora.code == 22 && lora.stderr.contains("nowhere"), "\(lora.stderr)")
        let tag = try cli.run(["generate", "a red circle <lora:nothere:1>"])
        #expect(tag.code == 22 && tag.stderr.contains("nothere"), "\(tag.stderr)")
        let input = try cli.run(["generate", "a red circle", "--init-image", "/no/such/file.png"])
        #expect(input.code == 2 && input.stderr.contains("/no/such/file.png"), "\(input.stderr)")
        let mask = try cli.run(["generate", "a red circle", "--mask", "m.png"])
        #expect(mask.code == 64 && mask.stderr.contains("--init-image"), "\(mask.stderr)")
        let strength = try cli.run(["generate", "a red circle", "--init-image", "x.png", "--strength", "0"])
        #expect(strength.code == 64, "\(strength.stderr)")
        #expect(try cli.listJSON().isEmpty)
        let pickle = cli.scratch.appendingPathComponent("model.ckpt")
        try Data("PK\u{3}\u{4}".utf8).write(to: pickle)
        let refused = try cli.run(["generate", "a red circle", "--model", pickle.path])
        #expect(refused.code == 9 && refused.stderr.contains("pickle") && refused.stderr.contains("safetensors"), "\(refused.stderr)")
    }

    /// A folder from `scripts/quantize-int8.py` generates; one whose int8 weight lost its scales (a header key
    /// renamed, as a damaged or hand-edited file would have it) is refused with the tensor named, and nothing is
    /// recorded.
    @Test func anInt8FolderGeneratesAndOneMissingScalesIsRefused() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let int8 = Self.root.appendingPathComponent("Fixtures/engine/sd-tiny-conv-int8")
        let made = try cli.run(["generate", "a red chair", "--model", int8.path, "--size", "32x32", "--steps", "2"])
        #expect(made.code == 0, "\(made.stderr)")
        let broken = cli.scratch.appendingPathComponent("broken-int8")
        try FileManager.default.copyItem(at: int8, to: broken)
        let weights = broken.appendingPathComponent("unet/diffusion_pytorch_model.safetensors")
        var bytes = try Data(contentsOf: weights)
        let key = Data("\"conv_in.weight_scale\"".utf8)
        let range = try #require(bytes.range(of: key))
        bytes.replaceSubrange(range, with: Data("\"conv_in.weight_scalX\"".utf8))
        try bytes.write(to: weights)
        let refused = try cli.run(["generate", "a red chair", "--model", broken.path, "--size", "32x32", "--steps", "2"])
        #expect(refused.code == 9 && refused.stderr.contains("conv_in.weight_scale"), "\(refused.stderr)")
        #expect(try cli.listJSON().count == 1)
    }
}
