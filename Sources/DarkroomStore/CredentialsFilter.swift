import GRDB

/// A gallery filter on what pictures' Content Credentials say (`credentials:ai` in a search).
public enum CredentialsFilter: String, Sendable, Equatable, CaseIterable {
    /// A manifest that says a generative model made the picture (whether or not it verifies).
    case ai
    /// No manifest (or the picture's credentials were never read).
    case none
    /// A manifest that does not verify.
    case invalid
    /// A manifest that verifies and whose signer is trusted.
    case valid
    /// A manifest that verifies but whose signer is on no trust list.
    case untrusted
    /// Any manifest that verifies (valid or untrusted).
    case signed

    /// The condition on the generation `g`.
    var sql: SQL {
        let image: SQL = "SELECT 1 FROM image i WHERE i.hash = g.image_hash"
        switch self {
        case .ai: return "EXISTS (\(image) AND i.credentials_ai = 1)"
        case .none: return "NOT EXISTS (\(image) AND i.credentials IN ('valid', 'untrusted', 'invalid'))"
        case .invalid, .valid, .untrusted: return "EXISTS (\(image) AND i.credentials = \(rawValue))"
        case .signed: return "EXISTS (\(image) AND i.credentials IN ('valid', 'untrusted'))"
        }
    }
}
