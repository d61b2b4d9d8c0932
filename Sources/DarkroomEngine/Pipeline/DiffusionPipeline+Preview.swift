import Foundation

extension DiffusionPipeline {
    /// The preview map for this model: the card's calibrated `latent_preview` when `card` has one, else a
    /// map fitted now from a few decoder calls (``LatentPreview/calibrated(for:count:size:seed:)``), else
    /// SD-1.x colours.
    public func previewMap(card: ModelCard?) -> LatentPreview {
        if let map = card?.latentPreview, map.channels == decoder.latentChannels { return map }
        return LatentPreview.calibrated(for: decoder) ?? .stableDiffusion1
    }

    /// ``generate(_:)`` with each step's preview drawn by `preview` (see ``previewMap(card:)``).
    public func generate(_ parameters: GenerationParameters, preview: LatentPreview) -> AsyncThrowingStream<PipelineEvent, Error> {
        AsyncThrowingStream { continuation in
            let task = Task.detached(priority: .userInitiated) {
                do {
                    let result = try await LatentPreview.$current.withValue(preview) {
                        try await self.run(parameters) { continuation.yield($0) }
                    }
                    continuation.yield(.finished(result))
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
