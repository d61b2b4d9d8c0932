import Foundation

/// Why a search could not be read (``GalleryQuery/checkedParse(search:into:)``).
public enum SearchTermError: Error, Equatable, Sendable {
    /// What a field's value must be.
    public enum Expectation: Sendable, Equatable {
        /// A whole number from 0 to 18446744073709551615, compared with `:` only (`seed:7`).
        case unsignedInteger
        /// A whole number, with `:`, `=`, `<`, `<=`, `>` or `>=` (`steps>4`).
        case integer
        /// Any text, compared with `:` only (`tag:keeper`).
        case text
        /// One of these words, compared with `:` only (`status:failed`).
        case oneOf([String])
    }

    /// `term` names a field (`field`) that does not exist; `known` are the fields that do.
    case unknownField(term: String, field: String, known: [String])
    /// `term`'s value or comparison does not suit `field`, which takes `expected`.
    case invalidValue(term: String, field: String, expected: Expectation)
    /// `term` excludes a field term (`-tag:x`); only words and phrases can be excluded.
    case excludedField(term: String)
}

extension SearchTermError: CustomStringConvertible {
    /// The problem in words, with what would work instead.
    public var description: String {
        switch self {
        case let .unknownField(term, field, known):
            return "'\(field)' in '\(term)' is not a search field (fields: \(known.joined(separator: ", "))). "
                + "To search for the text itself, put it in double quotes."
        case let .invalidValue(term, field, expected):
            let takes: String
            switch expected {
            case .unsignedInteger: takes = "a whole number from 0 to 18446744073709551615 after ':'"
            case .integer: takes = "a whole number after :, =, <, <=, > or >="
            case .text: takes = "a name after ':' (quote names with spaces: \(field):\"Best of\")"
            case .oneOf(let words): takes = "one of \(words.joined(separator: ", ")) after ':'"
            }
            return "'\(term)': \(field) takes \(takes)."
        case let .excludedField(term):
            return "'\(term)': only words and \"phrases\" can be excluded with '-', not field terms."
        }
    }
}

extension GalleryQuery {
    /// The field terms a search understands, in the order the error messages list them.
    public static let searchFields = ["seed", "steps", "rating", "model", "tag", "album", "scheduler", "status", "credentials"]

    /// Splits a search string into field terms (see the type's table), words, quoted phrases and `-excluded`
    /// words. A term that cannot be read as a field (an unknown field, a bad value) stays a search word.
    public static func parse(search: String, into base: GalleryQuery = GalleryQuery()) -> GalleryQuery {
        (try? read(search, into: base, strict: false)) ?? base
    }

    /// ``parse(search:into:)``, refusing what it would otherwise search for as words: an unknown field
    /// (`foo:bar`), a value a field does not take (`seed:abc`, `status:done`) or an excluded field term.
    ///
    /// - Throws: ``SearchTermError``.
    public static func checkedParse(search: String, into base: GalleryQuery = GalleryQuery()) throws -> GalleryQuery {
        try read(search, into: base, strict: true)
    }

    private static func read(_ search: String, into base: GalleryQuery, strict: Bool) throws -> GalleryQuery {
        var query = base
        var words: [String] = []
        for token in SearchToken.split(search) {
            if token.excluded {
                if strict, let term = token.fieldTerm, searchFields.contains(term.key) {
                    throw SearchTermError.excludedField(term: token.source)
                }
                query.excludedText.append(token.ftsText)
                continue
            }
            if let (key, op, value) = token.fieldTerm {
                do {
                    if try query.apply(key: key, op: op, value: value, term: token.source) { continue }
                } catch let error as SearchTermError {
                    if strict { throw error }
                }
            }
            words.append(token.ftsText)
        }
        if !words.isEmpty { query.text = ((query.text.map { [$0] } ?? []) + words).joined(separator: " ") }
        return query
    }

    /// How the `seed` column stores an unsigned 64-bit seed: its bit pattern as `Int64`.
    public static func storedSeed(_ seed: UInt64) -> Int64 { Int64(bitPattern: seed) }

    /// Sets the filter `key op value`: true when set, false when the term is not a field term at all
    /// (`a<b`, `12:30`: searched as words); throws for an unknown `name:value` field or a bad value.
    private mutating func apply(key: String, op: Comparison, value: String, term: String) throws -> Bool {
        func invalid(_ expected: SearchTermError.Expectation) -> SearchTermError {
            .invalidValue(term: term, field: key, expected: expected)
        }
        switch key {
        case "seed":
            guard op == .equal, let v = UInt64(value) else { throw invalid(.unsignedInteger) }
            seed = Self.storedSeed(v)
        case "steps":
            guard let v = Int(value) else { throw invalid(.integer) }
            steps = NumberFilter(op, v)
        case "rating":
            guard let v = Int(value) else { throw invalid(.integer) }
            rating = NumberFilter(op, v)
        case "model":
            guard op == .equal, !value.isEmpty else { throw invalid(.text) }
            model = value
        case "tag":
            guard op == .equal, !value.isEmpty else { throw invalid(.text) }
            tag = value
        case "album":
            guard op == .equal, !value.isEmpty else { throw invalid(.text) }
            album = value
        case "scheduler", "sampler":
            guard op == .equal, !value.isEmpty else { throw invalid(.text) }
            scheduler = value
        case "status":
            let names = GenerationRecord.Status.allCases.map(\.rawValue)
            guard op == .equal, let s = GenerationRecord.Status(rawValue: value.lowercased()) else { throw invalid(.oneOf(names)) }
            statuses.append(s)
        case "credentials":
            guard op == .equal, let filter = CredentialsFilter(rawValue: value.lowercased()) else {
                throw invalid(.oneOf(CredentialsFilter.allCases.map(\.rawValue)))
            }
            credentials = filter
        default:
            // Only `name:value` with a plain name reads as a field; `a<b` or `12:30` are words.
            guard op == .equal, key.allSatisfy({ $0.isLetter || $0 == "_" }) else { return false }
            throw SearchTermError.unknownField(term: term, field: key, known: Self.searchFields)
        }
        return true
    }

    /// The FTS5 query for ``text``: each word quoted (so punctuation is literal), all required; a trailing
    /// `*` matches a prefix; a phrase in double quotes matches its words in order.
    public static func ftsPattern(_ text: String) -> String? {
        let terms = SearchToken.split(text).compactMap(\.ftsTerm)
        return terms.isEmpty ? nil : terms.joined(separator: " AND ")
    }

    /// The FTS5 query matching any of `texts` (each a word or a quoted phrase), or nil when there are none.
    static func ftsPattern(anyOf texts: [String]) -> String? {
        let terms = texts.flatMap { SearchToken.split($0).compactMap(\.ftsTerm) }
        return terms.isEmpty ? nil : terms.joined(separator: " OR ")
    }
}

/// One whitespace-separated piece of a search, with double quotes honoured: `album:"Best of"` is one
/// token whose value is `Best of`; `"red circle"` is a phrase; `-snow` is excluded.
struct SearchToken: Equatable {
    /// The token as typed (quotes included), for messages.
    var source: String
    /// The token's text without its quotes (and without a leading `-` when ``excluded``).
    var text: String
    /// How many characters of ``text`` come before its first quoted part (nil: nothing quoted).
    var quoteOffset: Int?
    /// True for `-word` or `-"a phrase"`.
    var excluded = false

    /// Splits `search` at whitespace outside double quotes. An unbalanced quote runs to the end.
    static func split(_ search: String) -> [SearchToken] {
        var tokens: [SearchToken] = []
        var current = SearchToken(source: "", text: "", quoteOffset: nil)
        var quoted = false
        func finish() {
            defer { current = SearchToken(source: "", text: "", quoteOffset: nil) }
            var token = current
            if token.text.hasPrefix("-"), token.text.count > 1, (token.quoteOffset ?? 1) > 0 {
                token.excluded = true
                token.text.removeFirst()
                token.quoteOffset = token.quoteOffset.map { $0 - 1 }
            }
            if !token.text.isEmpty { tokens.append(token) }
        }
        for character in search {
            if character == "\"" {
                quoted.toggle()
                if current.quoteOffset == nil { current.quoteOffset = current.text.count }
                current.source.append(character)
            } else if character.isWhitespace && !quoted {
                finish()
            } else {
                current.source.append(character)
                current.text.append(character)
            }
        }
        finish()
        return tokens
    }

    /// `key`, comparison and value when the token is a field term: an operator before any quote, with a
    /// key before it and a value (or a quoted value) after it.
    var fieldTerm: (key: String, op: GalleryQuery.Comparison, value: String)? {
        let unquoted = text.prefix(quoteOffset ?? text.count)
        for op in [">=", "<=", ":", ">", "<", "="] {
            guard let range = unquoted.range(of: op), range.lowerBound > text.startIndex else { continue }
            guard range.upperBound < text.endIndex else { continue }
            let comparison: GalleryQuery.Comparison = op == ":" ? .equal : GalleryQuery.Comparison(rawValue: op)!
            return (text[..<range.lowerBound].lowercased(), comparison, String(text[range.upperBound...]))
        }
        return nil
    }

    /// The token as ``GalleryQuery/text`` keeps it: a word as it is, a phrase in double quotes.
    var ftsText: String { quoteOffset == nil ? text : "\"\(text)\"" }

    /// The token as an FTS5 term: a quoted word, with `*` for a prefix; a quoted phrase.
    var ftsTerm: String? {
        var word = text
        let prefix = quoteOffset == nil && word.hasSuffix("*")
        if prefix { word.removeLast() }
        guard !word.isEmpty else { return nil }
        return "\"" + word.replacingOccurrences(of: "\"", with: "\"\"") + "\"" + (prefix ? "*" : "")
    }
}
