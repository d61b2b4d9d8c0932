/// Reads the XMP packet Draw Things embeds in an `iTXt` chunk with keyword
/// `XML:com.adobe.xmp`.
///
/// Draw Things puts its settings as JSON in `exif:UserComment` (inside
/// `rdf:Alt/rdf:li`, XML-escaped): `c` prompt, `uc` negative prompt, `seed`,
/// `steps`, `scale` (guidance), `sampler` (A1111-style name), `size`
/// (`WxH`), `model` (file name); other scalar keys (`strength`, `seed_mode`,
/// `shift`, …) go to `extra`. `xmp:CreatorTool` is `Draw Things`. When the
/// JSON is missing but the creator is Draw Things, the A1111-like text in
/// `dc:description` is parsed instead. XMP from other programs gives nil.
enum DrawThingsMetadata {
    /// The chunk keyword holding XMP.
    static let keyword = "XML:com.adobe.xmp"

    private static let knownKeys: Set<String> = ["c", "uc", "seed", "steps", "scale", "sampler", "size", "model"]

    /// Parses an XMP packet; nil when it holds no Draw Things settings.
    static func parse(xmp: String) -> GenerationMetadata? {
        let creator = element("xmp:CreatorTool", in: xmp).map(xmlUnescaped)
        if let comment = element("exif:UserComment", in: xmp).map(firstListItem).map(xmlUnescaped),
           let object = JSONFields.object(comment.trimmingWhitespace()), object["c"] != nil || creator?.contains("Draw Things") == true {
            var metadata = GenerationMetadata(source: .drawThings)
            metadata.prompt = JSONFields.string(object["c"])
            metadata.negativePrompt = JSONFields.string(object["uc"])
            metadata.seed = JSONFields.uint64(object["seed"])
            metadata.steps = JSONFields.int(object["steps"])
            metadata.guidance = JSONFields.double(object["scale"])
            if let sampler = JSONFields.string(object["sampler"]) {
                metadata.sampler = sampler
                metadata.scheduler = SamplerNames.schedulerKind(forA1111Name: sampler)
            }
            if let size = JSONFields.string(object["size"]) {
                let sides = size.lowercased().split(separator: "x").compactMap { Int(String($0).trimmingWhitespace()) }
                if sides.count == 2 { metadata.width = sides[0]; metadata.height = sides[1] }
            }
            metadata.modelName = JSONFields.string(object["model"])
            metadata.extra = JSONFields.unmodelledScalars(of: object, known: knownKeys)
            return metadata
        }
        guard creator?.contains("Draw Things") == true,
              let description = element("dc:description", in: xmp).map(firstListItem).map(xmlUnescaped) else { return nil }
        var metadata = A1111Parameters.parse(description)
        metadata.source = .drawThings
        return metadata
    }

    /// The content of the first `<name …>…</name>` element, or nil.
    static func element(_ name: String, in xml: String) -> String? {
        guard let open = xml.range(of: "<\(name)") else { return nil }
        guard let openEnd = xml[open.upperBound...].firstIndex(of: ">") else { return nil }
        if xml[xml.index(before: openEnd)] == "/" { return "" }
        let contentStart = xml.index(after: openEnd)
        guard let close = xml.range(of: "</\(name)>", range: contentStart..<xml.endIndex) else { return nil }
        return String(xml[contentStart..<close.lowerBound])
    }

    /// The content of the first `rdf:li` in `content`, or `content` itself when
    /// it is a simple value.
    static func firstListItem(_ content: String) -> String {
        element("rdf:li", in: content) ?? content
    }

    /// XML text with the five predefined entities and numeric references resolved.
    static func xmlUnescaped(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semi = rest[amp...].firstIndex(of: ";"), rest.distance(from: amp, to: semi) <= 10 else {
                out += "&"
                rest = rest[rest.index(after: amp)...]
                continue
            }
            let entity = rest[rest.index(after: amp)..<semi]
            var replacement: String?
            switch entity {
            case "amp": replacement = "&"
            case "lt": replacement = "<"
            case "gt": replacement = ">"
            case "quot": replacement = "\""
            case "apos": replacement = "'"
            default:
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    replacement = UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init).map { String($0) }
                } else if entity.hasPrefix("#") {
                    replacement = UInt32(entity.dropFirst()).flatMap(Unicode.Scalar.init).map { String($0) }
                }
            }
            if let replacement {
                out += replacement
                rest = rest[rest.index(after: semi)...]
            } else {
                out += "&"
                rest = rest[rest.index(after: amp)...]
            }
        }
        return out + rest
    }
}
