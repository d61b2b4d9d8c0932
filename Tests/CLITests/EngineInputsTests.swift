import DarkroomEngine
import DarkroomImaging
import Foundation
import Testing

/// LoRA, image-to-image and inpainting through the CLI, equal to diffusers (goldens made by the scripts beside them).
@Suite struct EngineInputsTests {
    static let engine = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/engine")

    /// Share of pixel values within 1/255 of the golden.
    static func closeness(_ file: URL, golden: URL, tensor: String) throws -> Double {
        let made = try PNGCodec.decode(Data(contentsOf: file)).image
        let reference = try SafeTensorsFile(url: golden).tensor(named: tensor)
        guard made.pixels.count == reference.count else { return 0 }
        return Double(zip(made.pixels, reference.scalars).filter { abs(Int($0) - Int($1)) <= 1 }.count) / Double(reference.count)
    }

    @Test func twoLoRAsAtDifferentScalesEqualDiffusersAndARerunReproducesThem() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let loras = Self.engine.appendingPathComponent("lora")
        #expect(try cli.run(["init"]).code == 0)
        #expect(try cli.run(["settings", "set", "generate.lora_dir", loras.path]).code == 0)
        let output = cli.scratch.appendingPathComponent("both.png")
        // One LoRA by A1111's prompt syntax (diffusers/PEFT format), one by --lora (kohya format), as the golden "both".
        let result = try cli.run(["generate", "a red chair in the garden <lora:peft:0.8>", "--lora", "kohya:0.5",
                                  "--negative", "blurry, dark", "--model", Self.engine.appendingPathComponent("sd-tiny-conv").path,
                                  "--seed", "11", "--steps", "4", "--guidance", "4.5", "--scheduler", "ddim", "--size", "32x32",
                                  "--any-size", "--output", output.path])
        #expect(result.code == 0, "\(result.stderr)")
        #expect(try Self.closeness(output, golden: loras.appendingPathComponent("goldens.safetensors"), tensor: "image.both") >= 0.999)
        let item = try #require(try cli.listJSON().first)
        let recorded = try #require((item["inputs"] as? [String: Any])?["loras"] as? [[String: Any]])
        #expect(recorded.map { $0["name"] as? String } == ["kohya", "peft"] || recorded.map { $0["name"] as? String } == ["peft", "kohya"])
        #expect(recorded.allSatisfy { ($0["sha256"] as? String)?.count == 64 })
        let parameters = try PNGCodec.decode(Data(contentsOf: output)).textChunks.first { $0.keyword == "parameters" }?.text ?? ""
        #expect(parameters.contains("Lora hashes: \"") && parameters.contains("peft: "), "\(parameters)")
        let id = try #require(item["id"] as? String)
        let verify = try cli.run(["verify", id])
        #expect(verify.code == 0 && verify.stdout.contains("identical"), "\(verify.stdout) \(verify.stderr)")
        // Without its LoRA folder, a rerun says which LoRA is missing instead of running without it.
        #expect(try cli.run(["settings", "set", "generate.lora_dir", "null"]).code == 0)
        let missing = try cli.run(["rerun", id])
        #expect(missing.code == 22 && (missing.stderr.contains("kohya") || missing.stderr.contains("peft")), "\(missing.stderr)")
    }

    static let goldens = engine.appendingPathComponent("goldens/img2img.safetensors")

    /// The golden's input picture and mask written as PNG files, as a person would give them.
    static func inputs(in cli: CLIHarness) throws -> (picture: URL, mask: URL) {
        let file = try SafeTensorsFile(url: goldens)
        let image = try file.tensor(named: "input.image"), mask = try file.tensor(named: "input.mask")
        let picture = cli.scratch.appendingPathComponent("start.png"), maskFile = cli.scratch.appendingPathComponent("mask.png")
        try PNGCodec.encode(PixelImage(width: 32, height: 32, channels: 3, pixels: image.scalars.map { UInt8($0) })).write(to: picture)
        let grey = mask.scalars.flatMap { [UInt8($0), UInt8($0), UInt8($0)] }
        try PNGCodec.encode(PixelImage(width: 32, height: 32, channels: 3, pixels: grey)).write(to: maskFile)
        return (picture, maskFile)
    }

    @Test(arguments: [("ddim", "100", ""), ("euler", "101", "blurry, dark"), ("dpmpp-2m", "103", "blurry, dark")])
    func imageToImageEqualsDiffusers(scheduler: String, seed: String, negative: String) throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let (picture, _) = try Self.inputs(in: cli)
        let output = cli.scratch.appendingPathComponent("out.png")
        let result = try cli.run(["generate", "a red chair in the garden", "--negative", negative, "--init-image", picture.path,
                                  "--strength", "0.6", "--model", Self.engine.appendingPathComponent("sd-tiny-conv").path,
                                  "--seed", seed, "--steps", "5", "--guidance", "4.5", "--scheduler", scheduler, "--any-size",
                                  "--output", output.path])
        #expect(result.code == 0, "\(result.stderr)")
        #expect(try Self.closeness(output, golden: Self.goldens, tensor: "image.img2img.sd-tiny-conv.\(scheduler).0.6") >= 0.999)
        // The starting picture is in the gallery, and the result records it as its input and parent.
        let items = try cli.listJSON()
        #expect(items.count == 2)
        let made = try #require(items.first { $0["source"] as? String == "generate" })
        let start = try #require(items.first { $0["source"] as? String == "import" })
        #expect(made["parent_id"] as? String == start["id"] as? String)
        let inputs = try #require(made["inputs"] as? [String: Any])
        #expect((inputs["init_image"] as? [String: Any])?["generation_id"] as? String == start["id"] as? String && inputs["strength"] as? Double == 0.6)
        let id = try #require(made["id"] as? String)
        let verify = try cli.run(["verify", id])
        #expect(verify.code == 0 && verify.stdout.contains("identical"), "\(verify.stdout) \(verify.stderr)")
        if let verdict = try C2PAJudge.verdict(output) {
            #expect(verdict["state"] as? String == "Valid", "\(verdict)")
            #expect((verdict["ingredients"] as? [[String: Any]])?.first?["relationship"] as? String == "inputTo")
        }
    }

    @Test(arguments: [("sd-tiny-inpaint", "400", "image.inpaint.sd-tiny-inpaint.ddim.0.75"),
                      ("sd-tiny-conv", "300", "image.inpaint.sd-tiny-conv.ddim.0.75")])
    func inpaintingEqualsDiffusersWithNineAndFourChannelModels(model: String, seed: String, golden: String) throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let (picture, mask) = try Self.inputs(in: cli)
        let output = cli.scratch.appendingPathComponent("out.png")
        let result = try cli.run(["generate", "a red chair in the garden", "--init-image", picture.path, "--mask", mask.path,
                                  "--model", Self.engine.appendingPathComponent(model).path, "--seed", seed, "--steps", "4",
                                  "--guidance", "4.5", "--scheduler", "ddim", "--any-size", "--output", output.path])
        #expect(result.code == 0, "\(result.stderr)")
        #expect(try Self.closeness(output, golden: Self.goldens, tensor: golden) >= 0.999)
        let made = try #require(try cli.listJSON().first { $0["source"] as? String == "generate" })
        let inputs = try #require(made["inputs"] as? [String: Any])
        #expect(inputs["mask"] != nil && inputs["strength"] as? Double == 0.75)
        let id = try #require(made["id"] as? String)
        #expect(try cli.run(["verify", id]).stdout.contains("identical"))
        let show = try cli.run(["show", id, "--image", "none"])
        #expect(show.stdout.contains("started from") && show.stdout.contains("mask"), "\(show.stdout)")
        if let verdict = try C2PAJudge.verdict(output) {
            #expect(verdict["state"] as? String == "Valid", "\(verdict)")
            #expect(verdict["actions"] as? [String] == ["c2pa.opened", "c2pa.edited"], "\(verdict)")
        }
    }

    @Test(arguments: [("ddim", "5", "3"), ("euler", "6", "4"), ("dpmpp-2m", "7", "4")])
    func aSingleFileCheckpointEqualsDiffusersFromSingleFile(scheduler: String, seed: String, steps: String) throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let folder = Self.engine.appendingPathComponent("checkpoint")
        let checkpoint = folder.appendingPathComponent("sd-tiny-heldout.fp16.safetensors")
        let output = cli.scratch.appendingPathComponent("out.png")
        let arguments = ["generate", "a castle in the mountains at night", "--negative", "blurry", "--model", checkpoint.path,
                         "--scheduler", scheduler, "--seed", seed, "--steps", steps, "--guidance", "5", "--size", "32x32",
                         "--any-size", "--output", output.path]
        // A checkpoint has no tokenizer: without one, the error says what is missing and how to give it.
        let without = try cli.run(arguments)
        #expect(without.code == 9 && without.stderr.contains("tokenizer"), "\(without.stderr)")
        let result = try cli.run(arguments + ["--tokenizer", Self.engine.appendingPathComponent("sd-tiny-conv/tokenizer").path])
        #expect(result.code == 0, "\(result.stderr)")
        #expect(try Self.closeness(output, golden: folder.appendingPathComponent("goldens.safetensors"), tensor: "image.\(scheduler)") >= 0.999)
        let item = try #require(try cli.listJSON().first)
        #expect(item["model_id"] as? String == "sd-tiny-heldout.fp16" && (item["model_hash"] as? String)?.count == 64)
        // rerun and verify need the tokenizer too: from the setting.
        #expect(try cli.run(["settings", "set", "generate.tokenizer", Self.engine.appendingPathComponent("sd-tiny-conv/tokenizer").path]).code == 0)
        let id = try #require(item["id"] as? String)
        let verify = try cli.run(["verify", id])
        #expect(verify.code == 0 && verify.stdout.contains("identical"), "\(verify.stdout) \(verify.stderr)")
    }

    @Test func textualInversionEmbeddingsNamedInThePromptEqualDiffusers() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        let embeddings = Self.engine.appendingPathComponent("embeddings")
        #expect(try cli.run(["init"]).code == 0)
        #expect(try cli.run(["settings", "set", "generate.embeddings_dir", embeddings.path]).code == 0)
        let output = cli.scratch.appendingPathComponent("out.png")
        let result = try cli.run(["generate", "shinystyle, a red chair and shinystyle again", "--model",
                                  Self.engine.appendingPathComponent("sd-tiny-conv").path, "--scheduler", "ddim", "--seed", "14",
                                  "--steps", "4", "--guidance", "4.5", "--size", "32x32", "--any-size", "--output", output.path])
        #expect(result.code == 0, "\(result.stderr)")
        #expect(try Self.closeness(output, golden: embeddings.appendingPathComponent("goldens.safetensors"), tensor: "case1.image") >= 0.999)
        let item = try #require(try cli.listJSON().first)
        let recorded = try #require((item["inputs"] as? [String: Any])?["embeddings"] as? [[String: Any]])
        #expect(recorded.map { $0["name"] as? String } == ["shinystyle"])
        let id = try #require(item["id"] as? String)
        #expect(try cli.run(["verify", id]).stdout.contains("identical"))
    }
}
