import Foundation

/// The text preparation of CLIP's tokenizer before BPE, as transformers'
/// `CLIPTokenizer` (tokenizers backend) performs it on each stretch of text
/// between special tokens:
/// 1. normalise: Unicode NFC, every run of white space becomes one space,
///    then each scalar is lower-cased on its own (no context rules);
/// 2. split into words with CLIP's pattern
///    `<|startoftext|>|<|endoftext|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+`
///    (leftmost alternative first, white space dropped), implemented here as
///    a scanner rather than a regular expression engine.
///
/// The two literal special-token alternatives never match in the reference
/// (the `tokenizers` library's split leaves `<|startoftext|>` written in other
/// letter case as `<|`, letters, `|>`; verified by the goldens); special
/// tokens are found before normalisation by ``CLIPTokenizer`` instead. The
/// scanner therefore starts at the contractions.
enum CLIPTextSplitter {
    private static let contractions: [[Unicode.Scalar]] = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d"].map { Array($0.unicodeScalars) }

    /// The normalised text, as scalars.
    static func normalize(_ text: String) -> [Unicode.Scalar] {
        let composed = text.precomposedStringWithCanonicalMapping
        var output: [Unicode.Scalar] = []
        output.reserveCapacity(composed.unicodeScalars.count)
        var inWhitespace = false
        for scalar in composed.unicodeScalars {
            if isWhitespace(scalar) {
                if !inWhitespace { output.append(" ") }
                inWhitespace = true
                continue
            }
            inWhitespace = false
            output.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
        }
        return output
    }

    /// The words of normalised text, in order.
    static func words(_ scalars: [Unicode.Scalar]) -> [String] {
        var words: [String] = []
        var index = 0
        let count = scalars.count
        func emit(_ range: Range<Int>) {
            var word = String.UnicodeScalarView()
            word.append(contentsOf: scalars[range])
            words.append(String(word))
        }
        while index < count {
            if let literal = contractions.first(where: { matches($0, in: scalars, at: index) }) {
                emit(index..<(index + literal.count))
                index += literal.count
                continue
            }
            let scalar = scalars[index]
            if isWhitespace(scalar) {
                index += 1
            } else if isLetter(scalar) {
                var end = index + 1
                while end < count, isLetter(scalars[end]) { end += 1 }
                emit(index..<end)
                index = end
            } else if isNumber(scalar) {
                emit(index..<(index + 1))
                index += 1
            } else {
                var end = index + 1
                while end < count, !isWhitespace(scalars[end]), !isLetter(scalars[end]), !isNumber(scalars[end]) { end += 1 }
                emit(index..<end)
                index = end
            }
        }
        return words
    }

    private static func matches(_ literal: [Unicode.Scalar], in scalars: [Unicode.Scalar], at index: Int) -> Bool {
        guard index + literal.count <= scalars.count else { return false }
        for offset in 0..<literal.count where scalars[index + offset] != literal[offset] { return false }
        return true
    }

    /// `\s`: the Unicode White_Space property.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace
    }

    /// `\p{L}`: general categories Lu, Ll, Lt, Lm, Lo.
    static func isLetter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: true
        default: false
        }
    }

    /// `\p{N}`: general categories Nd, Nl, No.
    static func isNumber(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: true
        default: false
        }
    }
}
