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
}
