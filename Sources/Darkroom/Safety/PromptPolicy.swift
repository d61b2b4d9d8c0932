import Foundation

/// The prompt half of the safety policy: a blocklist of terms and patterns that refuses a prompt
/// before anything runs, naming the rule that matched.
///
/// Matching is case-insensitive on whole words (a trailing plural `s` also matches); a rule may also
/// require a word from a second list in the same prompt (e.g. an age word *and* a sexual word).
/// The shipped default list (``defaultRules``) is deliberately small and documented in `docs/safety.md`;
/// users add terms with the `safety.blocklist` setting.
public struct PromptPolicy: Sendable, Equatable {
    /// One rule.
    public struct Rule: Sendable, Equatable {
        /// Name shown to the user (`explicit-sexual`).
        public var name: String
        /// Words that trigger the rule.
        public var terms: Set<String>
        /// When non-empty, the rule triggers only if a word from this list is also present.
        public var requiresAlso: Set<String>

        /// A rule from word lists.
        public init(name: String, terms: Set<String>, requiresAlso: Set<String> = []) {
            self.name = name
            self.terms = terms
            self.requiresAlso = requiresAlso
        }
    }

    /// The rules, checked in order.
    public var rules: [Rule]

    /// A policy with these rules.
    public init(rules: [Rule]) { self.rules = rules }

    /// The shipped rules: explicit sexual content, sexual content with minors, and graphic gore.
    public static let defaultRules: [Rule] = [
        Rule(name: "sexual-content-with-minors",
             terms: ["child", "children", "kid", "minor", "underage", "teen", "preteen", "loli", "shota", "schoolgirl", "schoolboy"],
             requiresAlso: ["nude", "naked", "nsfw", "sexual", "sexy", "erotic", "lewd", "porn", "topless", "undressed"]),
        Rule(name: "explicit-sexual-content",
             terms: ["nsfw", "porn", "porno", "pornographic", "hentai", "xxx", "genitals", "genitalia", "intercourse"]),
        Rule(name: "graphic-gore", terms: ["gore", "dismembered", "dismemberment", "decapitated", "disembowelled"]),
    ]

    /// The default policy plus `extraTerms` (the `safety.blocklist` setting) as a `user-blocklist` rule.
    public static func standard(extraTerms: [String] = []) -> PromptPolicy {
        var rules = defaultRules
        let extra = Set(extraTerms.map { $0.lowercased().trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty })
        if !extra.isEmpty { rules.append(Rule(name: "user-blocklist", terms: extra)) }
        return PromptPolicy(rules: rules)
    }

    /// The first rule `prompt` breaks, or nil when it is allowed.
    public func violation(in prompt: String) -> Rule? {
        let words = Self.words(prompt)
        return rules.first { rule in
            let hit = rule.terms.contains { Self.contains(words, term: $0) }
            guard hit else { return false }
            return rule.requiresAlso.isEmpty || rule.requiresAlso.contains { Self.contains(words, term: $0) }
        }
    }

    /// Lower-cased words of `text` (letters and digits), plus each adjacent pair joined by a space so
    /// two-word terms match.
    static func words(_ text: String) -> Set<String> {
        let tokens = text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
        var set = Set(tokens)
        for i in tokens.indices.dropLast() { set.insert(tokens[i] + " " + tokens[i + 1]) }
        return set
    }

    static func contains(_ words: Set<String>, term: String) -> Bool {
        words.contains(term) || words.contains(term + "s") || words.contains(term + "es")
    }
}
