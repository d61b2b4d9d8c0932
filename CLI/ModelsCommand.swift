import ArgumentParser
import Darkroom
import Foundation

struct ModelsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "models",
        abstract: "List the models in the model folder (setting generate.model_dir) and the shipped one.",
        discussion: """
            A model is a diffusers folder (holding model_index.json) or a single-file .safetensors checkpoint in
            the original Stable Diffusion layout. `generate --model NAME` picks one by its folder or file name;
            `rerun`, `verify` and `vary` find the model a picture was made with here by its recorded hash.
            HASH is what generations record: Darkroom's hash of a folder's weights, or a checkpoint's SHA-256
            (whose first 10 characters are A1111's "Model hash").

            Example:
              darkroom settings set generate.model_dir ~/models
              darkroom models
            """)

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the models as JSON (name, path, kind, hash, byte_size).")
    var json = false

    func run() async throws {
        let library = try await global.open()
        let defaults = try await GenerationDefaults.load(from: library)
        var models: [ModelEntry] = []
        if let shipped = try? ShippedModel.folder() {
            models += try ModelCatalog.entries(in: shipped.deletingLastPathComponent(), cachingHashes: false)
                .filter { $0.name == ModelLocator.defaultModelName }
        }
        if let folder = defaults.modelDirectory { models += try ModelCatalog.entries(in: folder) }
        if json {
            try Console.printJSON(models)
            return
        }
        if defaults.modelDirectory == nil {
            Console.note("No model folder: set one with `darkroom settings set generate.model_dir DIR`.")
        }
        let rows = models.map { [$0.name, $0.kind.rawValue, ByteSize.text(Int($0.byteSize)), String($0.hash.prefix(12)), $0.path] }
        Console.print(Console.table(["NAME", "KIND", "SIZE", "HASH", "PATH"], rows))
    }
}
