import Crypto
import Foundation
import X509

/// A private key that signs C2PA claims, with the COSE algorithm it signs with.
///
/// Darkroom makes P-256 keys (ES256). An organisation's key given by the user may also be
/// P-384 (ES384), P-521 (ES512) or Ed25519 (EdDSA).
public enum SigningKey: Sendable {
    case p256(P256.Signing.PrivateKey)
    case p384(P384.Signing.PrivateKey)
    case p521(P521.Signing.PrivateKey)
    case ed25519(Curve25519.Signing.PrivateKey)

    /// A new random P-256 key.
    public static func generateP256() -> SigningKey { .p256(P256.Signing.PrivateKey()) }

    /// Reads a PEM private key (PKCS#8 or SEC1 for EC keys, PKCS#8 for Ed25519).
    ///
    /// - Throws: ``CredentialsError/unsupportedKey(_:)`` for RSA and other key types.
    public init(pemEncoded pem: String) throws {
        if let key = try? P256.Signing.PrivateKey(pemRepresentation: pem) { self = .p256(key); return }
        if let key = try? P384.Signing.PrivateKey(pemRepresentation: pem) { self = .p384(key); return }
        if let key = try? P521.Signing.PrivateKey(pemRepresentation: pem) { self = .p521(key); return }
        if let key = try? Certificate.PrivateKey(pemEncoded: pem), let ed = Self.ed25519(from: key) { self = .ed25519(ed); return }
        throw CredentialsError.unsupportedKey("the key is not a PEM P-256, P-384, P-521 or Ed25519 private key")
    }

    private static func ed25519(from key: Certificate.PrivateKey) -> Curve25519.Signing.PrivateKey? {
        guard let der = try? key.serializeAsPEM().derBytes, der.count >= 32,
              let raw = try? Curve25519.Signing.PrivateKey(rawRepresentation: der.suffix(32)),
              Certificate.PublicKey(raw.publicKey) == key.publicKey else { return nil }
        return raw
    }

    /// Re-creates a key from ``rawRepresentation`` and its ``algorithm``.
    public init(algorithm: COSEAlgorithm, rawRepresentation raw: Data) throws {
        switch algorithm {
        case .es256: self = .p256(try P256.Signing.PrivateKey(rawRepresentation: raw))
        case .es384: self = .p384(try P384.Signing.PrivateKey(rawRepresentation: raw))
        case .es512: self = .p521(try P521.Signing.PrivateKey(rawRepresentation: raw))
        case .edDSA: self = .ed25519(try Curve25519.Signing.PrivateKey(rawRepresentation: raw))
        default: throw CredentialsError.unsupportedKey("\(algorithm) keys cannot be stored")
        }
    }

    /// The COSE algorithm this key signs with.
    public var algorithm: COSEAlgorithm {
        switch self {
        case .p256: .es256
        case .p384: .es384
        case .p521: .es512
        case .ed25519: .edDSA
        }
    }

    /// The private key's bytes (kept only sealed; see `CredentialsKeystore` in the facade).
    public var rawRepresentation: Data {
        switch self {
        case .p256(let key): key.rawRepresentation
        case .p384(let key): key.rawRepresentation
        case .p521(let key): key.rawRepresentation
        case .ed25519(let key): key.rawRepresentation
        }
    }

    /// The key as swift-certificates' type (for issuing certificates).
    public var certificateKey: Certificate.PrivateKey {
        switch self {
        case .p256(let key): Certificate.PrivateKey(key)
        case .p384(let key): Certificate.PrivateKey(key)
        case .p521(let key): Certificate.PrivateKey(key)
        case .ed25519(let key): Certificate.PrivateKey(key)
        }
    }

    /// The public half, as it appears in a certificate.
    public var publicKey: Certificate.PublicKey { certificateKey.publicKey }

    /// Signs `message` in COSE's encoding: `r || s` (each the curve's size) for ECDSA, 64 bytes for Ed25519.
    public func sign(_ message: [UInt8]) throws -> [UInt8] {
        switch self {
        case .p256(let key): [UInt8](try key.signature(for: message).rawRepresentation)
        case .p384(let key): [UInt8](try key.signature(for: message).rawRepresentation)
        case .p521(let key): [UInt8](try key.signature(for: message).rawRepresentation)
        case .ed25519(let key): [UInt8](try key.signature(for: message))
        }
    }

    /// The length of every signature this key makes (fixed, so a manifest's size is known before signing).
    public var signatureLength: Int {
        switch self {
        case .p256: 64
        case .p384: 96
        case .p521: 132
        case .ed25519: 64
        }
    }
}
