import Foundation

/// Failures of the facade's operations that are not database failures
/// (those are ``DarkroomStore/StoreError``).
public enum LibraryError: Error, Equatable, Sendable {
    /// A file or folder given by the user does not exist.
    case fileNotFound(path: String)
    /// A file exists but cannot be read.
    case unreadableFile(path: String, reason: String)
    /// A file is not a picture Darkroom can read (not a PNG, or a damaged one).
    case notAnImage(path: String, reason: String)
    /// No image generator is available: no model installed or the engine cannot load it.
    case generatorUnavailable(String)
    /// The generator failed while running a job (the job row records the reason).
    case generationFailed(id: GenerationID, reason: String)
    /// The job was cancelled (the job row says so).
    case cancelled(id: GenerationID)
    /// A picture file the database references is missing from the library folder.
    case missingImageFile(path: String)
    /// A value given by the user is not acceptable.
    case invalidArgument(String)
    /// The safety policy refused the prompt (the refusal is recorded).
    case promptRefused(rule: String)
    /// The keys or certificates to sign Content Credentials with cannot be used (the text says which and why).
    case credentialsUnavailable(String)
    /// The model a generation was made with is not available here (not at its recorded path, not in the model folder).
    case modelUnavailable(name: String?, hash: String?)
    /// `path` is neither a diffusers model folder nor a checkpoint, and no model of that name is in `modelDirectory`
    /// (the `generate.model_dir` setting; nil when it is unset).
    case modelNotFound(path: String, modelDirectory: String?)
    /// A stored job names a scheduler this engine does not have (a picture another tool made, say).
    case unknownScheduler(name: String)
    /// A LoRA (or textual-inversion embedding) is not a file here, nor in the folder `directory` (`generate.lora_dir`).
    case loraNotFound(name: String, directory: String?)
}

extension LibraryError: CustomStringConvertible, LocalizedError {
    public var description: String {
        switch self {
        case .fileNotFound(let path): return "No such file or folder: \(path)."
        case .unreadableFile(let path, let reason): return "Cannot read \(path): \(reason)."
        case .notAnImage(let path, let reason): return "\(path) is not a picture Darkroom can import: \(reason)."
        case .generatorUnavailable(let reason): return "Cannot generate: \(reason)"
        case .generationFailed(let id, let reason): return "Generation \(id.prefix(8)) failed: \(reason)"
        case .cancelled(let id): return "Generation \(id.prefix(8)) was cancelled; nothing was written."
        case .missingImageFile(let path): return "The picture file \(path) is missing from the library folder."
        case .invalidArgument(let message): return message
        case .credentialsUnavailable(let reason): return "Cannot sign Content Credentials: \(reason)"
        case .unknownScheduler(let name):
            return "Unknown scheduler '\(name)': the engine has \(SchedulerKind.allCases.map(\.rawValue).joined(separator: ", "))."
        case let .loraNotFound(name, directory):
            return "No LoRA '\(name)' here\(directory.map { " (looked in \($0), the generate.lora_dir setting)" } ?? " (give a .safetensors file, or set generate.lora_dir to the folder of LoRAs)")."
        case let .modelNotFound(path, directory):
            let name = (path as NSString).lastPathComponent
            return "\(path) is not a diffusers model folder (it has no model_index.json)"
                + (directory.map { " and no model called '\(name)' is in \($0) (generate.model_dir)." }
                   ?? "; to pick a model by name, set generate.model_dir to a folder of models.")
        case let .modelUnavailable(name, hash):
            return "The model this was made with (\(name ?? "unnamed")\(hash.map { ", hash \($0.prefix(12))" } ?? "")) is not available here: it is not in the folder the generate.model_dir setting names."
        case .promptRefused(let rule):
            return "The prompt was refused by the safety policy (rule: \(rule)). Nothing was generated. See docs/safety.md."
        }
    }

    public var errorDescription: String? { description }
}
