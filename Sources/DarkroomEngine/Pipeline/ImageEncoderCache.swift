import Foundation
import Synchronization

/// The VAE encoder a pipeline needs only for image input, loaded on first use so text-to-image runs
/// never pay for it. Thread-safe; a failed load is remembered as the error to report.
final class ImageEncoderCache: Sendable {
    private let source: String
    private let loader: @Sendable () throws(ModelLoadError) -> any LatentEncoder
    private let expectedChannels: Int
    private let expectedFactor: Int
    private let state = Mutex<Result<any LatentEncoder, GenerationError>?>(nil)

    /// An encoder to load from the `vae` folder `directory` (or, when it is a file, the single-file
    /// checkpoint it names), which must agree with the decoder's latent channels and downsampling factor.
    convenience init(directory: URL, latentChannels: Int, downsamplingFactor: Int) {
        self.init(source: directory.path, latentChannels: latentChannels, downsamplingFactor: downsamplingFactor) {
            () throws(ModelLoadError) in try LatentEncoderLoader.load(source: directory)
        }
    }

    /// An encoder made by `load` on first use (for weights that are not a diffusers `vae` folder, such as a
    /// single-file checkpoint); `source` names where it comes from in error messages.
    init(source: String, latentChannels: Int, downsamplingFactor: Int,
         load: @escaping @Sendable () throws(ModelLoadError) -> any LatentEncoder) {
        self.source = source
        loader = load
        expectedChannels = latentChannels
        expectedFactor = downsamplingFactor
    }

    /// The encoder, or `.unsupportedForImageInput` saying why this VAE cannot encode.
    func encoder() throws(GenerationError) -> any LatentEncoder {
        let result = state.withLock { cached -> Result<any LatentEncoder, GenerationError> in
            if let cached { return cached }
            let loaded = load()
            cached = loaded
            return loaded
        }
        return try result.get()
    }

    private func load() -> Result<any LatentEncoder, GenerationError> {
        let encoder: any LatentEncoder
        do {
            encoder = try loader()
        } catch {
            return .failure(.unsupportedForImageInput(
                reason: "its VAE (\(source)) has no usable encoder (\(error)); use a VAE folder that holds the encoder weights"))
        }
        guard encoder.latentChannels == expectedChannels, encoder.downsamplingFactor == expectedFactor else {
            return .failure(.unsupportedForImageInput(
                reason: "its VAE encoder makes \(encoder.latentChannels)-channel latents at 1/\(encoder.downsamplingFactor) scale but the decoder expects \(expectedChannels) channels at 1/\(expectedFactor)"))
        }
        return .success(encoder)
    }
}
