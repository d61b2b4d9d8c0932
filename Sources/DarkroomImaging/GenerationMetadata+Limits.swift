extension GenerationMetadata {
    /// The metadata within ``TextLimits``, and what was shortened or left out to get there.
    ///
    /// Prompts are cut to ``TextLimits/maxPromptBytes``, every other text field to
    /// ``TextLimits/maxFieldBytes`` (at character boundaries); extra fields longer than that, and those past
    /// ``TextLimits/maxExtraFields`` in key order, are left out. The raw chunks are not touched (the PNG
    /// decoder already bounded them).
    public func bounded() -> (metadata: GenerationMetadata, notes: [TextLimitNote]) {
        var copy = self
        var notes: [TextLimitNote] = []
        func cut(_ value: inout String?, _ field: TextField, _ limit: Int) {
            guard let text = value, text.utf8.count > limit else { return }
            value = TextLimits.prefix(text, maxBytes: limit)
            notes.append(.fieldShortened(field: field, bytes: text.utf8.count, limit: limit))
        }
        cut(&copy.prompt, .prompt, TextLimits.maxPromptBytes)
        cut(&copy.negativePrompt, .negativePrompt, TextLimits.maxPromptBytes)
        for (path, field) in Self.shortFields { cut(&copy[keyPath: path], field, TextLimits.maxFieldBytes) }
        let fitting = extra.filter { $0.key.utf8.count <= TextLimits.maxFieldBytes && $0.value.utf8.count <= TextLimits.maxFieldBytes }
        let kept = fitting.keys.sorted().prefix(TextLimits.maxExtraFields)
        if kept.count < extra.count {
            copy.extra = Dictionary(uniqueKeysWithValues: kept.map { ($0, extra[$0]!) })
            notes.append(.extraFieldsLeftOut(count: extra.count - kept.count))
        }
        return (copy, notes)
    }

    /// The first field that would become a library column and holds a NUL character, or nil.
    ///
    /// SQLite text bound from a Swift string ends at its first NUL, so such text would be cut silently;
    /// imports refuse it instead (``TextLimitViolation/containsNUL(field:)``).
    public var fieldHoldingNUL: TextField? {
        let fields: [(String?, TextField)] = [(prompt, .prompt), (negativePrompt, .negativePrompt)]
            + Self.shortFields.map { (self[keyPath: $0.0], $0.1) }
        return fields.first { $0.0?.unicodeScalars.contains("\0") == true }?.1
    }

    /// The text fields other than the prompts, bounded by ``TextLimits/maxFieldBytes``.
    private static var shortFields: [(WritableKeyPath<GenerationMetadata, String?>, TextField)] {
        [(\.sampler, .sampler), (\.scheduler, .scheduler), (\.modelName, .modelName), (\.modelHash, .modelHash),
         (\.engineVersion, .engineVersion), (\.rngKind, .rngKind), (\.generationID, .generationID),
         (\.imageID, .imageID), (\.batchID, .batchID), (\.parentID, .parentID)]
    }
}
