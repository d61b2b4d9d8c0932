import Foundation

extension ModelCard {
    /// The card of a model that has no card file of its own (a single-file checkpoint): named `name`, sizes in steps
    /// of the loaded pipeline's ``DiffusionPipeline/sizeMultiple``, no declared native size (far sizes only warn).
    public static func plain(name: String, pipeline: DiffusionPipeline, nativeSide: Int = 512) -> ModelCard {
        ModelCard(name: name, summary: nil, documentation: nil, nativeWidth: nativeSide, nativeHeight: nativeSide,
                  declaresNativeSize: false, sizeStep: pipeline.sizeMultiple, maximumSizeFactor: 2, vocabulary: nil,
                  ignoredWords: [], promptNotes: [], examples: [], latentPreview: nil, file: nil)
    }
}
