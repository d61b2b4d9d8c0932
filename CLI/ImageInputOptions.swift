import ArgumentParser
import Darkroom
import Foundation

/// What `generate` starts from besides the prompt: a picture (image-to-image), a mask (inpainting), LoRAs, and the
/// tokenizer a single-file checkpoint needs.
struct ImageInputOptions: ParsableArguments {
    @Option(name: .customLong("init-image"),
            help: ArgumentHelp("Start from this picture (image-to-image): a PNG file (imported into the library) or a library id.",
                               valueName: "file|id"))
    var initImage: String?

    @Option(help: ArgumentHelp("How far to move from --init-image, more than 0 up to 1 (default 0.75; 1 repaints it all).",
                               valueName: "s"))
    var strength: Double?

    @Option(help: ArgumentHelp("Inpainting mask for --init-image: a PNG file or a library id; white = repaint, black = keep.",
                               valueName: "file|id"))
    var mask: String?

    @Option(name: .customLong("lora"),
            help: ArgumentHelp("Apply a LoRA: a .safetensors file, or a NAME in the generate.lora_dir folder, with an optional :SCALE (default 1). Repeatable. Also <lora:NAME:SCALE> in the prompt.",
                               valueName: "file[:scale]"))
    var loras: [String] = []

    @Option(help: ArgumentHelp("Tokenizer folder for a single-file checkpoint (default: the generate.tokenizer setting).", valueName: "dir"))
    var tokenizer: String?

    func validate() throws {
        if let strength, !(strength > 0 && strength <= 1) { throw ValidationError("--strength must be more than 0 and at most 1; got \(strength).") }
        if strength != nil, initImage == nil { throw ValidationError("--strength needs --init-image (the picture to start from).") }
        if mask != nil, initImage == nil { throw ValidationError("--mask needs --init-image (the picture to repaint).") }
    }

    /// A file when one exists at `text` or it looks like a path (a `/` or a `.png` ending), else a library item whose id
    /// starts with `text`.
    static func source(_ text: String, in library: Library) async throws -> InputPictureSource {
        let looksLikePath = text.contains("/") || text.lowercased().hasSuffix(".png")
        if FileManager.default.fileExists(atPath: text) || looksLikePath { return .file(URL(fileURLWithPath: text)) }
        return .item(try await library.resolveIDs([text])[0])
    }

    /// The LoRAs from `--lora` and the prompt's `<lora:NAME:SCALE>` tags, found in `generate.lora_dir`.
    func loraSelections(prompt: String, defaults: GenerationDefaults) throws -> [LoRASelection] {
        try loras.map { try LoRASelection.resolve($0, directory: defaults.loraDirectory) }
            + LoRAPromptTags.tags(in: prompt).map { try LoRASelection.resolve(name: $0.name, scale: $0.scale, directory: defaults.loraDirectory) }
    }

    /// The tokenizer folder for a single-file checkpoint: `--tokenizer`, else the `generate.tokenizer` setting.
    func tokenizerFolder(defaults: GenerationDefaults) -> URL? {
        tokenizer.map { URL(fileURLWithPath: ($0 as NSString).expandingTildeInPath) } ?? defaults.tokenizer
    }

    /// The recorded inputs (importing input files into the library) and the size the starting picture has.
    func inputs(in library: Library, loras: [LoRASelection], embeddings: [EmbeddingSelection]) async throws -> (inputs: GenerationInputs?, size: (Int, Int)?) {
        var inputs = GenerationInputs(loras: loras.map(\.recorded), embeddings: embeddings.map(\.recorded))
        var size: (Int, Int)?
        if let initImage {
            let picture = try await library.inputPicture(Self.source(initImage, in: library))
            inputs.initImage = picture
            inputs.strength = strength ?? GenerationInputs.defaultStrength
            if let image = try await library.item(picture.generationID).image { size = (image.width, image.height) }
        }
        if let mask { inputs.mask = try await library.inputPicture(Self.source(mask, in: library)) }
        return (inputs.isEmpty ? nil : inputs, size)
    }
}
