import Darkroom
import Foundation

/// The fields `darkroom show` prints, in two layouts: ``full`` (one field a line) and ``compact`` (related
/// fields grouped on a line, for a terminal too short for the full list and a picture). Both show every field.
struct ShowDetails {
    let item: GalleryItem
    let library: Library
    let ancestors: [GenerationRecord]
    let children: [GenerationRecord]
    let flags: [SafetyFlagRecord]
    /// What the picture's Content Credentials said when read (nil: never read, e.g. a picture from before they existed).
    let credentials: CredentialsReport?

    private var g: GenerationRecord { item.generation }
    private var size: String { g.width.flatMap { w in g.height.map { "\(w)x\($0)" } } ?? "-" }

    /// One field a line, as scripts and tests have always read it.
    var full: [(String, String)] {
        var lines: [(String, String)] = [
            ("id", g.id.rawValue), ("status", g.status.rawValue + (g.error.map { " — \($0)" } ?? "")), ("source", g.source.rawValue),
            ("prompt", g.prompt), ("negative prompt", g.negativePrompt),
            ("seed", g.unsignedSeed.map(String.init) ?? "-"), ("steps", g.steps.map(String.init) ?? "-"),
            ("guidance", g.guidance.map { String($0) } ?? "-"), ("scheduler", g.scheduler ?? "-"), ("size", size),
            ("model", g.modelID ?? "-"), ("model hash", g.modelHash ?? "-"), ("engine", g.engineVersion ?? "-"),
            ("rng", g.rngKind ?? "-"), ("favourite", g.favorite ? "yes" : "no"), ("rating", "\(g.rating)/5"),
            ("tags", item.tags.joined(separator: ", ")), ("albums", item.albums.joined(separator: ", ")),
            ("created", "\(g.createdAt)"), ("queued", "\(g.queuedAt)"),
            ("finished", g.finishedAt.map { "\($0)" } ?? "-"), ("duration", g.durationMs.map { "\($0) ms" } ?? "-"),
            ("device", g.deviceID ?? "-"),
        ]
        lines += extras
        if let image = item.image {
            lines.append(("picture", library.url(of: image.path).path))
            lines.append(("picture hash", image.hash))
            lines.append(("picture size", "\(image.width)x\(image.height), \(image.byteSize) bytes"))
        }
        return lines + lineage
    }

    /// Related fields on one line each: what a 24-row terminal has room for above a picture.
    var compact: [(String, String)] {
        func join(_ parts: [String?]) -> String { parts.compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " · ") }
        var lines: [(String, String)] = [
            ("id", join([g.id.rawValue, g.status.rawValue + (g.error.map { " — \($0)" } ?? ""), g.source.rawValue])),
            ("prompt", g.prompt.isEmpty ? "(none)" : g.prompt),
        ]
        if !g.negativePrompt.isEmpty { lines.append(("negative", g.negativePrompt)) }
        lines.append(("settings", join(["seed \(g.unsignedSeed.map(String.init) ?? "-")", g.steps.map { "\($0) steps" },
                                        g.guidance.map { "guidance \($0)" }, g.scheduler, size, g.rngKind.map { "rng \($0)" }])))
        lines.append(("model", join([g.modelID ?? "-", g.modelHash.map { "hash \($0.prefix(12))" },
                                     g.engineVersion.map { "engine \($0)" }])))
        lines.append(("marks", join([g.favorite ? "★ favourite" : "not a favourite", "rating \(g.rating)/5",
                                     item.tags.isEmpty ? nil : "tags " + item.tags.joined(separator: ", "),
                                     item.albums.isEmpty ? nil : "albums " + item.albums.joined(separator: ", ")])))
        lines.append(("times", join(["created \(TimestampFormat.shortLocal(g.createdAt))",
                                     g.finishedAt.map { "finished \(TimestampFormat.shortLocal($0))" },
                                     g.durationMs.map { "\($0) ms" }, g.deviceID.map { "device \($0.prefix(8))" }])))
        lines += extras
        if let image = item.image {
            lines.append(("picture", join(["\(image.width)x\(image.height)", ByteSize.text(image.byteSize),
                                           "sha256 \(image.hash.prefix(12))", library.url(of: image.path).path])))
        }
        return lines + lineage
    }

    /// Fields only some items have: variation, batch, metadata source, trash, safety flags.
    private var extras: [(String, String)] {
        var lines: [(String, String)] = []
        if let variation = g.unsignedVariationSeed {
            lines.append(("variation", "seed \(variation), strength \(g.variationStrength.map { String($0) } ?? "-")"))
        }
        if let batch = g.batchID { lines.append(("batch", "\(batch) #\(g.batchIndex ?? 0)")) }
        if let source = g.metadataSource { lines.append(("metadata from", source)) }
        if let trashed = g.trashedAt { lines.append(("trashed", "\(trashed)")) }
        for flag in flags {
            let state = flag.clearedAt.map { "cleared \($0) by \(flag.clearedBy ?? "?")" } ?? "active: hidden"
            lines.append(("safety flag", "\(flag.detector) v\(flag.detectorVersion): \(flag.reason) (\(state))"))
        }
        if let inputs = GenerationInputs(storedJSON: g.inputs) {
            if let picture = inputs.initImage { lines.append(("started from", "\(picture.generationID.prefix(8)) (picture \(picture.hash.prefix(12)))")) }
            if let mask = inputs.mask { lines.append(("mask", "\(mask.generationID.prefix(8)) (picture \(mask.hash.prefix(12)))")) }
            if let strength = inputs.strength { lines.append(("strength", String(strength))) }
            for lora in inputs.loras { lines.append(("lora", "\(lora.name) × \(lora.scale) (sha256 \(lora.sha256.prefix(10)))")) }
            for embedding in inputs.embeddings { lines.append(("embedding", "\(embedding.name) (sha256 \(embedding.sha256.prefix(10)))")) }
            if inputs.tiledDecoding == true { lines.append(("decoding", "tiled")) }
        }
        if item.image != nil { lines.append(("credentials", credentials.map(CredentialsText.summary) ?? "not read")) }
        return lines
    }

    /// Ancestors and children.
    private var lineage: [(String, String)] {
        var lines: [(String, String)] = []
        if !ancestors.isEmpty {
            lines.append(("lineage", ancestors.map { String($0.id.prefix(8)) }.reversed().joined(separator: " → ") + " → this"))
        }
        if !children.isEmpty { lines.append(("children", children.map { String($0.id.prefix(8)) }.joined(separator: ", "))) }
        return lines
    }

    /// The fields as aligned `key  value` lines. A value's later lines are indented under it, so text in a
    /// prompt cannot pass for a field of its own. With `columns`, a grouped value (parts joined by " · ")
    /// wider than the space left is broken between its parts onto indented lines.
    func render(_ lines: [(String, String)], columns: Int? = nil) -> String {
        let width = lines.map(\.0.count).max() ?? 0
        let indent = "\n" + String(repeating: " ", count: width + 2)
        return lines.map { key, value in
            var shown = TerminalText.sanitize(value)
            if let columns { shown = Self.pack(shown, into: columns - width - 2) }
            shown = shown.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: indent)
            return key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + shown
        }.joined(separator: "\n")
    }

    /// `value`'s " · "-separated parts on as few lines of at most `room` columns as fit (a part wider
    /// than that keeps a line of its own).
    static func pack(_ value: String, into room: Int) -> String {
        guard !value.contains("\n"), TerminalWidth.of(value) > room, room > 10 else { return value }
        var lines: [String] = [], current = ""
        for part in value.components(separatedBy: " · ") {
            let candidate = current.isEmpty ? part : current + " · " + part
            if current.isEmpty || TerminalWidth.of(candidate) <= room { current = candidate } else { lines.append(current); current = part }
        }
        return (lines + [current]).joined(separator: "\n")
    }
}
