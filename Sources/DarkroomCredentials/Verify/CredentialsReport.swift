/// What a file's Content Credentials say and whether they hold: the verdict, the validation codes
/// (C2PA's names), and what the active manifest claims.
public struct CredentialsReport: Sendable, Codable, Equatable {
    /// The verdict.
    public enum State: String, Sendable, Codable, CaseIterable {
        /// Every check passed and the signer chains to a trust anchor.
        case valid
        /// Every check passed but the signer is on no trust list (`signingCredential.untrusted`).
        case untrusted
        /// A check failed (see ``failures``).
        case invalid
        /// The file has no manifest store.
        case none
    }

    /// Who signed the claim, as the signing certificate names it.
    public struct Signer: Sendable, Codable, Equatable {
        /// The certificate subject's common name.
        public var commonName: String?
        /// The certificate subject's organisation.
        public var organization: String?
        /// The issuer's common name.
        public var issuer: String?
        /// The COSE algorithm (`ES256`, …).
        public var algorithm: String?

        /// `Organisation / Common name`, or whichever is known.
        public var displayName: String {
            [organization, commonName].compactMap { $0 }.joined(separator: " / ")
        }
    }

    /// One ingredient of the active manifest.
    public struct Ingredient: Sendable, Codable, Equatable {
        /// Its `dc:title`.
        public var title: String?
        /// Its relationship (`parentOf`, `componentOf`, `inputTo`).
        public var relationship: String?
    }

    /// The verdict.
    public var state: State
    /// C2PA failure codes (`assertion.dataHash.mismatch`, `claimSignature.mismatch`, `signingCredential.untrusted`, …).
    public var failures: [String] = []
    /// The failures in a few words of fact (which assertion, which check), for the edge to show.
    public var details: [String] = []
    /// The active manifest's label.
    public var manifest: String?
    /// The signer.
    public var signer: Signer?
    /// The claim generator, `name/version`.
    public var claimGenerator: String?
    /// The asset's title in the claim.
    public var title: String?
    /// The action names, in order.
    public var actions: [String] = []
    /// The first action's IPTC digital source type.
    public var digitalSourceType: String?
    /// The ingredients.
    public var ingredients: [Ingredient] = []
    /// Every assertion label the claim lists.
    public var assertionLabels: [String] = []
    /// Darkroom's generation assertion (`app.darkroom.generation`) as text fields, when present.
    public var generation: [String: String]?

    /// Whether the active manifest says a generative model made the picture (whatever the verdict).
    public var aiGenerated: Bool { digitalSourceType.map(DigitalSourceType.generative.contains) ?? false }

    /// A report for a file without credentials.
    public static let noCredentials = CredentialsReport(state: .none)

    /// A report with the verdict only.
    public init(state: State) { self.state = state }
}
