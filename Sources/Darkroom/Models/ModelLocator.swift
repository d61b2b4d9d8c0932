import DarkroomEngine
import Foundation

/// Finds model folders: the one the user names (a folder, a checkpoint file, or a name in the model folder), and
/// the one a recorded generation was made with. Where the shipped default model lives is the client's to say
/// (the CLI looks beside its executable and in `$DARKROOM_MODELS`; an app in its bundle).
public enum ModelLocator {
    /// The folder name of the shipped default model.
    public static let defaultModelName = "darkroom-shapes-v1"

    /// The model `explicit` names: a diffusers folder, a single-file checkpoint, or the name of a model in
    /// `modelDirectory`.
    ///
    /// - Throws: ``LibraryError/modelNotFound(path:modelDirectory:)`` naming what is missing and where it looked.
    public static func locate(explicit: String, modelDirectory: URL? = nil) throws -> URL {
        let url = URL(fileURLWithPath: (explicit as NSString).expandingTildeInPath)
        if FileManager.default.fileExists(atPath: url.appendingPathComponent("model_index.json").path) { return url }
        if let refusal = refusal(for: url) { throw refusal }
        if ModelFileKind.detect(url) == .singleFileCheckpoint { return url }
        if !explicit.contains("/"), let modelDirectory, let entry = try? ModelCatalog.entry(named: explicit, in: modelDirectory) {
            return URL(fileURLWithPath: entry.path)
        }
        throw LibraryError.modelNotFound(path: url.path, modelDirectory: modelDirectory?.path)
    }

    /// The model a recorded generation was made with, for `rerun`, `verify` and `vary`: its recorded folder when it
    /// still holds that model, else the model in `modelDirectory` with the recorded hash (or, without a hash, name),
    /// else the shipped model (`shipped`, when the client has it) when that is what was recorded. Never another model.
    ///
    /// - Throws: ``LibraryError/modelUnavailable(name:hash:)`` when the model is nowhere here.
    public static func locateRecorded(name: String?, hash: String?, path: String?, modelDirectory: URL?, shipped: URL?) throws -> URL {
        if let path {
            let url = URL(fileURLWithPath: path)
            let kind = ModelFileKind.detect(url)
            var current: String?
            switch kind {
            case .diffusersFolder: current = try? ModelHash.ofFolder(url)
            case .singleFileCheckpoint: current = try? ModelHash.ofFile(url)
            default: current = nil
            }
            if let current, hash == nil || hash == current { return url }
        }
        if let modelDirectory {
            if let hash, let entry = try? ModelCatalog.entry(hash: hash, in: modelDirectory) { return URL(fileURLWithPath: entry.path) }
            if hash == nil, let name, let entry = try? ModelCatalog.entry(named: name, in: modelDirectory) { return URL(fileURLWithPath: entry.path) }
        }
        if name == nil || name == defaultModelName, let shipped,
           hash.map({ recorded in (try? ModelHash.ofFolder(shipped)) == recorded }) ?? true {
            return shipped
        }
        throw LibraryError.modelUnavailable(name: name, hash: hash)
    }

    /// Whether `url` is a single-file checkpoint (rather than a diffusers folder).
    public static func isCheckpoint(_ url: URL) -> Bool { ModelFileKind.detect(url) == .singleFileCheckpoint }

    /// Why a model file cannot be used, when it is one Darkroom refuses (a pickle).
    static func refusal(for url: URL) -> LibraryError? {
        guard ["ckpt", "pt", "pth", "bin"].contains(url.pathExtension.lowercased()),
              FileManager.default.fileExists(atPath: url.path) else { return nil }
        return .generatorUnavailable("""
            \(url.path) is a PyTorch pickle checkpoint, which Darkroom refuses to load: unpickling runs whatever code the file \
            holds. Convert it once, in a sandbox, to .safetensors (which holds only tensors) — for example with diffusers' \
            convert_original_stable_diffusion_to_diffusers.py --from_safetensors false --to_safetensors, or \
            `python3 -c "import torch, safetensors.torch as s; s.save_file(torch.load('IN.ckpt', weights_only=True)['state_dict'], 'OUT.safetensors')"` — \
            and pass the .safetensors file or the diffusers folder instead.
            """)
    }
}
