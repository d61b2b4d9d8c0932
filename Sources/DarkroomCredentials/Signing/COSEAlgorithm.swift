/// The COSE signature algorithms C2PA allows (RFC 9053 identifiers).
public enum COSEAlgorithm: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// ECDSA P-256 with SHA-256.
    case es256 = -7
    /// ECDSA P-384 with SHA-384.
    case es384 = -35
    /// ECDSA P-521 with SHA-512.
    case es512 = -36
    /// Ed25519.
    case edDSA = -8
    /// RSASSA-PSS with SHA-256.
    case ps256 = -37
    /// RSASSA-PSS with SHA-384.
    case ps384 = -38
    /// RSASSA-PSS with SHA-512.
    case ps512 = -39

    /// The name C2PA and COSE use (`ES256`, `Ed25519`, …).
    public var description: String {
        switch self {
        case .es256: "ES256"
        case .es384: "ES384"
        case .es512: "ES512"
        case .edDSA: "Ed25519"
        case .ps256: "PS256"
        case .ps384: "PS384"
        case .ps512: "PS512"
        }
    }
}
