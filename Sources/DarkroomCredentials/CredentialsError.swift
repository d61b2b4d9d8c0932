/// What went wrong making or reading Content Credentials. Each case carries the facts; the
/// caller chooses the words.
public enum CredentialsError: Error, Sendable, Equatable {
    /// The key cannot sign C2PA claims (its type, or it does not match the certificate).
    case unsupportedKey(String)
    /// A certificate cannot be used (unreadable PEM/DER, or a profile C2PA forbids).
    case unusableCertificate(String)
    /// The file is not a PNG Darkroom can embed a manifest store in (the ``reason`` says why).
    case notEmbeddable(reason: String)
    /// The manifest store could not be built within a stable size (should never happen).
    case layoutDidNotConverge
}
