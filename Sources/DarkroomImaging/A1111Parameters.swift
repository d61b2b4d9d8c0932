import Foundation

/// AUTOMATIC1111's `parameters` text: the prompt (possibly several lines), an
/// optional `Negative prompt: …` part, then one line of `Key: value` pairs.
///
/// Values holding `,`, `:` or a newline are written as JSON strings, as A1111
/// does; the last line counts as settings only when it holds at least three
/// pairs (otherwise the whole text is prompt).
enum A1111Parameters {
    /// The prefix that starts the negative prompt.
    static let negativePrefix = "Negative prompt:"

    // MARK: Writing

    /// The `parameters` text for `metadata`.
    static func format(_ metadata: GenerationMetadata) -> String {
        var parts: [String] = []
        if let prompt = metadata.prompt, !prompt.isEmpty { parts.append(prompt) }
        if let negative = metadata.negativePrompt, !negative.isEmpty { parts.append("\(negativePrefix) \(negative)") }
        var pairs: [(String, String)] = []
        if let steps = metadata.steps { pairs.append(("Steps", String(steps))) }
        if let sampler = metadata.sampler ?? metadata.scheduler.flatMap(SamplerNames.a1111Name(forSchedulerKind:)) {
            pairs.append(("Sampler", sampler))
        }
        if let guidance = metadata.guidance { pairs.append(("CFG scale", formatNumber(guidance))) }
        if let seed = metadata.seed { pairs.append(("Seed", String(seed))) }
        if let width = metadata.width, let height = metadata.height { pairs.append(("Size", "\(width)x\(height)")) }
        if let hash = metadata.modelHash { pairs.append(("Model hash", hash)) }
        if let model = metadata.modelName { pairs.append(("Model", model)) }
        if let seed = metadata.variationSeed { pairs.append(("Variation seed", String(seed))) }
        if let strength = metadata.variationStrength { pairs.append(("Variation seed strength", formatNumber(strength))) }
        if let strength = metadata.denoisingStrength { pairs.append(("Denoising strength", formatNumber(strength))) }
        if !metadata.loraHashes.isEmpty {
            pairs.append(("Lora hashes", metadata.loraHashes.map { "\($0.name): \($0.hash)" }.joined(separator: ", ")))
        }
        if let version = metadata.engineVersion {
            let darkroom = metadata.source == .darkroom && !version.lowercased().hasPrefix("darkroom")
            pairs.append(("Version", darkroom ? "darkroom \(version)" : version))
        }
        if !pairs.isEmpty {
            parts.append(pairs.map { "\($0.0): \(quote($0.1))" }.joined(separator: ", "))
        }
        return parts.joined(separator: "\n")
    }

    /// A number as A1111 shows it: integers without a fraction, others in the
    /// shortest form that reads back exactly.
    static func formatNumber(_ value: Double) -> String {
        if value.rounded() == value, abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// `value` as A1111 writes it: verbatim, or as a JSON string when it holds
    /// a comma, a colon or a newline.
    static func quote(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == ":" || $0 == "\n" || $0 == "\r\n" }) else { return value }
        return jsonString(value)
    }

    /// `value` as a JSON string literal, non-ASCII characters kept as they are.
    static func jsonString(_ value: String) -> String {
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    // MARK: Reading

    /// Parses `parameters` text. Always succeeds: text without a settings line is all prompt.
    static func parse(_ text: String) -> GenerationMetadata {
        var metadata = GenerationMetadata(source: .automatic1111)
        var lines = Self.lines(of: text)
        var pairs: [(key: String, value: String)] = []
        if let last = lines.last {
            let found = settingPairs(in: last)
            if found.count >= 3 {
                pairs = found
                lines.removeLast()
            }
        }
        var promptLines: [String] = [], negativeLines: [String] = []
        var inNegative = false
        for rawLine in lines {
            var line = rawLine.trimmingWhitespace()
            if !inNegative && line.hasPrefix(negativePrefix) {
                inNegative = true
                line = String(line.dropFirst(negativePrefix.count)).trimmingWhitespace()
            }
            if inNegative { negativeLines.append(line) } else { promptLines.append(line) }
        }
        let prompt = promptLines.joined(separator: "\n").trimmingWhitespace()
        metadata.prompt = prompt.isEmpty ? nil : prompt
        if inNegative { metadata.negativePrompt = negativeLines.joined(separator: "\n").trimmingWhitespace() }
        apply(pairs, to: &metadata)
        return metadata
    }

    /// The lines of `text` (ended by LF or CR LF), split in Swift: Foundation's string functions on
    /// Linux stop at a NUL, which would cut a prompt holding one without a trace.
    static func lines(of text: String) -> [String] {
        text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            String(line.last == "\r" ? line.dropLast() : line[...])
        }
    }

    /// Stores A1111 setting pairs in `metadata`: known keys into properties,
    /// the rest (and known keys whose value does not parse) into `extra`.
    static func apply(_ pairs: [(key: String, value: String)], to metadata: inout GenerationMetadata) {
        var scheduleType: String?
        for (key, value) in pairs {
            var understood = true
            switch key {
            case "Steps": metadata.steps = Int(value); understood = metadata.steps != nil
            case "Sampler": metadata.sampler = value
            case "Schedule type": scheduleType = value; understood = false
            case "CFG scale": metadata.guidance = Double(value); understood = metadata.guidance != nil
            case "Seed": metadata.seed = UInt64(value); understood = metadata.seed != nil
            case "Size":
                let sides = value.lowercased().split(separator: "x").compactMap { Int(String($0).trimmingWhitespace()) }
                understood = sides.count == 2
                if understood { metadata.width = sides[0]; metadata.height = sides[1] }
            case "Model hash": metadata.modelHash = value
            case "Model": metadata.modelName = value
            case "Version": metadata.engineVersion = value
            case "Variation seed": metadata.variationSeed = UInt64(value); understood = metadata.variationSeed != nil
            case "Variation seed strength":
                metadata.variationStrength = Double(value); understood = metadata.variationStrength != nil
            case "Denoising strength":
                metadata.denoisingStrength = Double(value); understood = metadata.denoisingStrength != nil
            case "Lora hashes":
                metadata.loraHashes = loraHashes(in: value); understood = !metadata.loraHashes.isEmpty
            default: understood = false
            }
            if !understood { metadata.extra[key] = value }
        }
        if let sampler = metadata.sampler {
            metadata.scheduler = SamplerNames.schedulerKind(forA1111Name: sampler, scheduleType: scheduleType)
        }
    }

    /// `name: hash, name: hash` as A1111 writes `Lora hashes` (inside its quotes); a name may hold `:`, the hash is after the last one.
    static func loraHashes(in value: String) -> [GenerationMetadata.LoRAHash] {
        value.split(separator: ",").compactMap { entry in
            guard let colon = entry.lastIndex(of: ":") else { return nil }
            let name = entry[..<colon].trimmingCharacters(in: .whitespaces)
            let hash = entry[entry.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            return name.isEmpty || hash.isEmpty ? nil : GenerationMetadata.LoRAHash(name: name, hash: hash)
        }
    }

    /// The `Key: value` pairs of a settings line, values unquoted.
    ///
    /// A key starts with a letter, digit or underscore and continues with
    /// those, spaces, `-` or `/`; a value is a JSON string followed by a comma
    /// or the end, or else everything up to the next comma. Text that is not
    /// a pair is skipped up to the next comma.
    static func settingPairs(in line: String) -> [(key: String, value: String)] {
        let chars = Array(line.unicodeScalars)
        var pairs: [(key: String, value: String)] = []
        var i = 0
        func isKeyStart(_ c: Unicode.Scalar) -> Bool { c.properties.isAlphabetic || c.properties.numericType != nil || c == "_" }
        func isKeyChar(_ c: Unicode.Scalar) -> Bool { isKeyStart(c) || c == " " || c == "-" || c == "/" }
        func skipToNextComma() { while i < chars.count && chars[i] != "," { i += 1 }; i += 1 }
        while i < chars.count {
            while i < chars.count && chars[i].properties.isWhitespace { i += 1 }
            guard i < chars.count else { break }
            let keyStart = i
            guard isKeyStart(chars[i]) else { skipToNextComma(); continue }
            while i < chars.count && isKeyChar(chars[i]) { i += 1 }
            guard i < chars.count, chars[i] == ":", i - keyStart >= 2 else { skipToNextComma(); continue }
            let key = String(String.UnicodeScalarView(chars[keyStart..<i])).trimmingWhitespace()
            i += 1
            while i < chars.count && chars[i].properties.isWhitespace { i += 1 }
            if i < chars.count && chars[i] == "\"", let end = closingQuote(chars, from: i) {
                var after = end + 1
                while after < chars.count && chars[after] == " " { after += 1 }
                if after == chars.count || chars[after] == "," {
                    let literal = String(String.UnicodeScalarView(chars[i...end]))
                    pairs.append((key, unquote(literal)))
                    i = after + 1
                    continue
                }
            }
            let valueStart = i
            while i < chars.count && chars[i] != "," { i += 1 }
            pairs.append((key, String(String.UnicodeScalarView(chars[valueStart..<i])).trimmingWhitespace()))
            i += 1
        }
        return pairs
    }

    /// The index of the quote closing the JSON string that opens at `start`.
    private static func closingQuote(_ chars: [Unicode.Scalar], from start: Int) -> Int? {
        var i = start + 1
        while i < chars.count {
            if chars[i] == "\\" { i += 2; continue }
            if chars[i] == "\"" { return i > start + 1 ? i : nil }
            i += 1
        }
        return nil
    }

    /// A JSON string literal's value, or the literal itself when it does not parse.
    static func unquote(_ literal: String) -> String {
        (try? JSONDecoder().decode(String.self, from: Data(literal.utf8))) ?? literal
    }
}
