import Foundation

/// The embedded diffusion engine as an ``ImageGenerator``.
public struct EngineGenerator: ImageGenerator {
    /// The model folder's name.
    public let modelID: String

    /// Loads the diffusers model in `modelDirectory`.
    public static func load(modelDirectory: URL) throws -> EngineGenerator {
        throw LibraryError.generatorUnavailable(
            "the embedded diffusion engine is not part of this build yet, so \(modelDirectory.lastPathComponent) cannot run.")
    }

    /// Runs one job.
    public func generate(_ request: GenerationRequest) -> AsyncThrowingStream<GeneratorEvent, any Error> {
        AsyncThrowingStream { $0.finish(throwing: LibraryError.generatorUnavailable("no engine")) }
    }
}
