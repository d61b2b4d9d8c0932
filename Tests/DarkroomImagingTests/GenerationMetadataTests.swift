import Foundation
import Testing
@testable import DarkroomImaging

/// Metadata read from a fixture's text chunks.
private func metadata(of fixture: String) throws -> GenerationMetadata {
    let chunks = try PNGCodec.decode(try PNGFixtures.data(fixture)).textChunks
    return try #require(GenerationMetadata.parse(textChunks: chunks))
}

private let sample = GenerationMetadata(
    source: .darkroom, prompt: "a cat, sitting: on a mat\nsecond line", negativePrompt: "blurry, dark",
    seed: 42, steps: 8, guidance: 7, sampler: "DPM++ 2M", scheduler: "dpmpp-2m", width: 512, height: 512,
    modelName: "tiny-sd", modelHash: "0a1b2c3d", engineVersion: "0.1.0", rngKind: "philox-cpu",
    variationSeed: 99, variationStrength: 0.25, generationID: "G1", imageID: "I1", batchID: "B1", parentID: "P0",
    extra: ["note": "x"])

@Suite("Generation metadata in PNG")
struct GenerationMetadataTests {
    @Test("A1111 parameters text is written in A1111's layout")
    func a1111Layout() {
        let text = sample.a1111Parameters
        let lines = text.components(separatedBy: "\n")
        #expect(lines.count == 4)
        #expect(lines[0] == "a cat, sitting: on a mat")
        #expect(lines[2] == "Negative prompt: blurry, dark")
        #expect(lines[3] == "Steps: 8, Sampler: DPM++ 2M, CFG scale: 7, Seed: 42, Size: 512x512, Model hash: 0a1b2c3d, "
                + "Model: tiny-sd, Variation seed: 99, Variation seed strength: 0.25, Version: darkroom 0.1.0")
        var noNegative = sample
        noNegative.negativePrompt = ""
        noNegative.modelName = "odd, name: \"v2\""
        #expect(!noNegative.a1111Parameters.contains("Negative prompt"))
        #expect(noNegative.a1111Parameters.contains(#"Model: "odd, name: \"v2\"""#))
    }

    @Test("Darkroom chunks round-trip every field through a PNG file")
    func darkroomRoundTrip() throws {
        let image = makeTestImage(width: 8, height: 8, channels: 3)
        let png = try PNGCodec.encode(image, textChunks: sample.pngTextChunks(includePrompt: true))
        let decoded = try PNGCodec.decode(png)
        var parsed = try #require(GenerationMetadata.parse(textChunks: decoded.textChunks))
        #expect(parsed.rawChunks == decoded.textChunks)
        parsed.rawChunks = []
        #expect(parsed == sample)
    }

    @Test("The darkroom JSON is versioned, key-sorted and stable")
    func darkroomJSON() throws {
        let chunks = sample.pngTextChunks(includePrompt: true)
        #expect(chunks.map(\.keyword) == ["parameters", "darkroom"])
        let json = chunks[1].text
        #expect(json.hasPrefix(#"{"batch_id":"B1","engine_version":"0.1.0","extra":{"note":"x"},"generation_id":"G1""#))
        #expect(json.contains(#""version":1"#))
        #expect(json == sample.pngTextChunks(includePrompt: true)[1].text)
        let object = try #require(JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object.keys.sorted() == ["batch_id", "engine_version", "extra", "generation_id", "guidance", "height",
                                         "image_id", "model_hash", "model_name", "negative_prompt", "parent_id", "prompt",
                                         "rng_kind", "sampler", "scheduler", "seed", "steps", "variation_seed",
                                         "variation_strength", "version", "width"])
    }

    @Test("includePrompt: false leaves the prompt out of both chunks")
    func withoutPrompt() throws {
        let chunks = sample.pngTextChunks(includePrompt: false)
        for chunk in chunks {
            #expect(!chunk.text.contains("a cat"))
            #expect(!chunk.text.contains("blurry"))
        }
        let parsed = try #require(GenerationMetadata.parse(textChunks: chunks))
        #expect(parsed.prompt == nil && parsed.negativePrompt == nil)
        #expect(parsed.seed == 42 && parsed.steps == 8)
        let a1111 = try #require(GenerationMetadata.parse(textChunks: [chunks[0]]))
        #expect(a1111.source == .automatic1111 && a1111.prompt == nil && a1111.seed == 42)
    }

    @Test("Our A1111 text reads back through the A1111 parser")
    func a1111RoundTrip() throws {
        var written = sample
        written.modelName = "odd, name: \"v2\"\nnext"
        let parsed = try #require(GenerationMetadata.parse(textChunks: [PNGTextChunk(keyword: "parameters", text: written.a1111Parameters)]))
        #expect(parsed.source == .automatic1111)
        #expect(parsed.prompt == written.prompt)
        #expect(parsed.negativePrompt == written.negativePrompt)
        #expect(parsed.modelName == written.modelName)
        #expect(parsed.seed == 42 && parsed.steps == 8 && parsed.guidance == 7 && parsed.width == 512 && parsed.height == 512)
        #expect(parsed.sampler == "DPM++ 2M" && parsed.scheduler == "dpmpp-2m")
        #expect(parsed.variationSeed == 99 && parsed.variationStrength == 0.25)
        #expect(parsed.engineVersion == "darkroom 0.1.0")
    }

    @Test("A1111 file: multi-line prompt and negative, quoted value, unknown keys")
    func a1111Fixture() throws {
        let m = try metadata(of: "meta-a1111.png")
        #expect(m.source == .automatic1111)
        #expect(m.prompt == "a lighthouse on a cliff, golden hour,\ndramatic clouds, (masterpiece:1.2)")
        #expect(m.negativePrompt == "blurry, low quality,\nwatermark")
        #expect(m.steps == 20 && m.seed == 965400086 && m.guidance == 7.5)
        #expect(m.sampler == "DPM++ 2M Karras" && m.scheduler == "dpmpp-2m-karras")
        #expect(m.width == 512 && m.height == 768)
        #expect(m.modelHash == "45dee52b" && m.modelName == "v1-5-pruned-emaonly" && m.engineVersion == "v1.6.0")
        #expect(m.extra == ["Clip skip": "2"])
        #expect(m.loraHashes == [.init(name: "detail", hash: "1a2b3c"), .init(name: "style", hash: "4d5e6f")])
        #expect(m.rawChunks.map(\.keyword) == ["parameters"])
    }

    @Test("A1111 edge cases: short last line is prompt; Schedule type; no negative")
    func a1111EdgeCases() {
        let short = A1111Parameters.parse("a dog\nSteps: 4, Seed: 3")
        #expect(short.prompt == "a dog\nSteps: 4, Seed: 3" && short.steps == nil)
        let split = A1111Parameters.parse("x\nSteps: 4, Sampler: DPM++ 2M, Schedule type: Karras, Seed: 3")
        #expect(split.scheduler == "dpmpp-2m-karras" && split.extra["Schedule type"] == "Karras")
        #expect(split.negativePrompt == nil)
        let junk = A1111Parameters.parse("p\nSteps: many, Seed: -1, Size: big, CFG scale: 5")
        #expect(junk.steps == nil && junk.seed == nil && junk.guidance == 5)
        #expect(junk.extra == ["Steps": "many", "Seed": "-1", "Size": "big"])
        let pairs = A1111Parameters.settingPairs(in: #"Alpha: "q\"x, y", Beta: 2,, ???, X: 1, Gamma-ray/s: 3"#)
        #expect(pairs.map(\.key) == ["Alpha", "Beta", "Gamma-ray/s"])
        #expect(pairs.map(\.value) == ["q\"x, y", "2", "3"])
    }

    @Test("ComfyUI file: graph followed to sampler, texts, size and checkpoint")
    func comfyFixture() throws {
        let m = try metadata(of: "meta-comfyui.png")
        #expect(m.source == .comfyui)
        #expect(m.seed == 156680208700286 && m.steps == 20 && m.guidance == 8)
        #expect(m.sampler == "euler" && m.scheduler == "euler" && m.extra["comfyui_scheduler"] == "normal")
        #expect(m.prompt == "beautiful scenery nature glass bottle landscape, purple galaxy bottle,")
        #expect(m.negativePrompt == "text, watermark")
        #expect(m.width == 512 && m.height == 512)
        #expect(m.modelName == "v1-5-pruned-emaonly.safetensors")
        #expect(m.rawChunks.map(\.keyword) == ["prompt", "workflow"])
    }

    @Test("InvokeAI files: invokeai_metadata and legacy sd-metadata")
    func invokeFixtures() throws {
        let m = try metadata(of: "meta-invokeai.png")
        #expect(m.source == .invokeai)
        #expect(m.prompt == "a cozy cabin in snowy woods, ☃ warm light" && m.negativePrompt == "people")
        #expect(m.seed == 3954321 && m.steps == 30 && m.guidance == 6.5 && m.width == 768 && m.height == 512)
        #expect(m.sampler == "dpmpp_2m_k" && m.scheduler == "dpmpp-2m-karras")
        #expect(m.modelName == "Juggernaut XL v9" && m.modelHash == "blake3:abcdef0123")
        #expect(m.extra["generation_mode"] == "txt2img" && m.extra["rand_device"] == "cpu")
        let legacy = try metadata(of: "meta-invokeai-legacy.png")
        #expect(legacy.source == .invokeai && legacy.prompt == "an astronaut riding a horse")
        #expect(legacy.seed == 42424242 && legacy.steps == 50 && legacy.guidance == 7.5)
        #expect(legacy.scheduler == "euler-a" && legacy.modelName == "stable-diffusion-1.5" && legacy.modelHash == "cc6cb27103")
        #expect(legacy.engineVersion == "2.3.5")
    }

    @Test("Draw Things file: XMP UserComment JSON, XML entities resolved")
    func drawThingsFixture() throws {
        let m = try metadata(of: "meta-drawthings.png")
        #expect(m.source == .drawThings)
        #expect(m.prompt == "a red fox in the snow, <portrait>")
        #expect(m.negativePrompt == "lowres & \"bad\" anatomy")
        #expect(m.seed == 1337 && m.steps == 8 && m.guidance == 4.5 && m.width == 640 && m.height == 448)
        #expect(m.sampler == "DPM++ 2M Karras" && m.scheduler == "dpmpp-2m-karras")
        #expect(m.modelName == "sd_xl_turbo_1.0_f16.ckpt")
        #expect(m.extra["seed_mode"] == "Scale Alike" && m.extra["strength"] == "1")
    }

    @Test("Draw Things without JSON falls back to the description; other XMP is not metadata")
    func drawThingsFallback() {
        let xmp = #"<x:xmpmeta><rdf:Description><xmp:CreatorTool>Draw Things</xmp:CreatorTool><dc:description><rdf:Alt><rdf:li xml:lang="x-default">a boat&#xA;Steps: 5, Seed: 9, Size: 64x64</rdf:li></rdf:Alt></dc:description></rdf:Description></x:xmpmeta>"#
        let m = DrawThingsMetadata.parse(xmp: xmp)
        #expect(m?.source == .drawThings && m?.prompt == "a boat" && m?.seed == 9)
        let screenshot = #"<x:xmpmeta><exif:UserComment>Screenshot</exif:UserComment></x:xmpmeta>"#
        #expect(DrawThingsMetadata.parse(xmp: screenshot) == nil)
        let parsed = GenerationMetadata.parse(textChunks: [PNGTextChunk(keyword: DrawThingsMetadata.keyword, text: screenshot)])
        #expect(parsed?.source == .unknown)
    }

    @Test("Darkroom JSON takes priority over parameters")
    func darkroomFixture() throws {
        let m = try metadata(of: "meta-darkroom.png")
        #expect(m.source == .darkroom)
        #expect(m.prompt == "isometric tiny island, Ω" && m.negativePrompt == "")
        #expect(m.seed == 7 && m.steps == 4 && m.guidance == 1.5 && m.scheduler == "lcm" && m.sampler == "LCM")
        #expect(m.rngKind == "philox-cpu" && m.engineVersion == "0.1.0" && m.modelHash == "0123456789abcdef")
        #expect(m.generationID == "6F1D2C3A-0000-4000-8000-000000000001" && m.imageID == "abc123")
        #expect(m.extra == ["note": "hand-written fixture"])
        #expect(m.rawChunks.count == 2)
    }

    @Test("Unparseable or foreign chunks give .unknown with raw chunks; no chunks give nil")
    func unknownAndNil() throws {
        let m = try metadata(of: "meta-unknown.png")
        #expect(m.source == .unknown && m.prompt == nil)
        #expect(m.rawChunks.map(\.keyword) == ["Software", "Comment"])
        #expect(GenerationMetadata.parse(textChunks: []) == nil)
        #expect(try PNGCodec.decode(try PNGFixtures.data("rgb.png")).textChunks.isEmpty)
        let garbage = ["darkroom": "{not json", "prompt": "[1,2", "invokeai_metadata": "nope", "sd-metadata": "",
                       "XML:com.adobe.xmp": "<<<"].map { PNGTextChunk(keyword: $0.key, text: $0.value) }
        let parsed = try #require(GenerationMetadata.parse(textChunks: garbage))
        #expect(parsed.source == .unknown && parsed.rawChunks == garbage)
    }

    @Test("Text chunks can be read without decoding pixels")
    func textChunksOnly() throws {
        for name in ["meta-a1111.png", "meta-comfyui.png", "meta-drawthings.png", "rgb.png"] {
            let data = try PNGFixtures.data(name)
            #expect(try PNGCodec.textChunks(in: data) == PNGCodec.decode(data).textChunks)
        }
        #expect(throws: PNGError.badCRC(chunk: "IDAT")) { try PNGCodec.textChunks(in: try PNGFixtures.data("broken-crc.png")) }
    }

    @Test("A newer darkroom JSON version is read as far as known")
    func newerVersion() throws {
        let chunk = PNGTextChunk(keyword: "darkroom", text: #"{"version":2,"seed":5,"future_field":[1]}"#)
        let m = try #require(GenerationMetadata.parse(textChunks: [chunk]))
        #expect(m.source == .darkroom && m.seed == 5 && m.extra["darkroom_json_version"] == "2")
    }

    @Test("Sample pictures carry A1111 metadata")
    func samplePictures() throws {
        for name in ["sample-sunset.png", "sample-rings.png", "sample-sphere.png", "sample-plasma.png"] {
            let m = try metadata(of: name)
            #expect(m.source == .automatic1111 && m.width == 64 && m.height == 64 && m.seed != nil && m.prompt != nil, "\(name)")
        }
    }

    @Test("Sampler names map both ways")
    func samplerNames() {
        for (kind, name) in SamplerNames.a1111Names {
            #expect(SamplerNames.a1111Name(forSchedulerKind: kind) == name)
            #expect(SamplerNames.schedulerKind(forA1111Name: name) == kind)
            #expect(SamplerNames.schedulerKind(forA1111Name: name.uppercased()) == kind)
        }
        #expect(SamplerNames.a1111Name(forSchedulerKind: "unipc") == nil)
        #expect(SamplerNames.schedulerKind(forA1111Name: "Heun") == nil)
        #expect(SamplerNames.schedulerKind(forA1111Name: "DPM++ 2M", scheduleType: "Karras") == "dpmpp-2m-karras")
        #expect(SamplerNames.schedulerKind(comfySampler: "euler_ancestral", comfyScheduler: "normal") == "euler-a")
        #expect(SamplerNames.schedulerKind(invokeAIName: "k_dpmpp_2_k") == "dpmpp-2m-karras")
    }

    @Test("Metadata is Codable for the store")
    func codable() throws {
        var withChunks = sample
        withChunks.rawChunks = [PNGTextChunk(keyword: "k", text: "v")]
        let data = try JSONEncoder().encode(withChunks)
        #expect(try JSONDecoder().decode(GenerationMetadata.self, from: data) == withChunks)
    }
}
