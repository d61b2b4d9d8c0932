/// What a model card says about a picture size.
public enum SizeVerdict: Sendable, Equatable {
    /// The model's native size.
    case native
    /// A valid size within the card's factor of native.
    case nearNative
    /// A valid size with a side more than the card's factor away from native.
    case farFromNative(factor: Double)
    /// A side is not a positive multiple of the size step.
    case notAMultiple(step: Int)
}

extension ModelCard {
    /// The lower-cased words of `text`: runs of letters and digits (so `five-pointed` is `five`, `pointed`).
    public static func words(_ text: String) -> [String] {
        text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }

    /// The words of `prompt` outside the declared vocabulary, each once, in prompt order; empty when the
    /// card declares no vocabulary (an open-domain model).
    public func unknownWords(in prompt: String) -> [String] {
        guard let vocabulary else { return [] }
        var seen = Set<String>()
        return Self.words(prompt).filter { !vocabulary.contains($0) && seen.insert($0).inserted }
    }

    /// The words of `prompt` the model reads but does not follow, each once, in prompt order.
    public func ignoredWords(in prompt: String) -> [String] {
        var seen = Set<String>()
        return Self.words(prompt).filter { ignoredWords.contains($0) && seen.insert($0).inserted }
    }

    /// How `width` x `height` relates to what the model can draw.
    public func verdict(width: Int, height: Int) -> SizeVerdict {
        guard width > 0, height > 0, width % sizeStep == 0, height % sizeStep == 0 else { return .notAMultiple(step: sizeStep) }
        if width == nativeWidth && height == nativeHeight { return .native }
        let ratios = [Double(width) / Double(nativeWidth), Double(height) / Double(nativeHeight)]
        let far = ratios.contains { $0 > maximumSizeFactor || $0 < 1 / maximumSizeFactor }
        return far ? .farFromNative(factor: maximumSizeFactor) : .nearNative
    }
}
