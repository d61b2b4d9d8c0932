import Crypto
import Foundation
import SwiftASN1
import X509

/// Issues the certificates Darkroom signs with: a self-made certificate authority for a library
/// and an end-entity signing certificate for each device, both with the profile C2PA validators
/// require (X.509 v3, ECDSA P-256 with SHA-256, key usages, extended key usage, key identifiers).
///
/// The authority signs only device certificates; the device certificate signs only C2PA claims.
/// Neither is, or is derived from, the sync signing key.
public enum CredentialsAuthority {
    /// `id-kp-documentSigning` (RFC 9336), an extended key usage C2PA accepts for claim signers.
    public static let documentSigningUsage = ExtendedKeyUsage.Usage(oid: [1, 3, 6, 1, 5, 5, 7, 3, 36])

    /// How long an authority is valid.
    public static let authorityLifetime: TimeInterval = 30 * 365 * 24 * 3600
    /// How long a device certificate is valid: long, because a picture without a time stamp is
    /// checked against the certificate's validity at the time it is read.
    public static let deviceLifetime: TimeInterval = 20 * 365 * 24 * 3600

    /// A new authority: a P-256 key and its self-signed certificate (CA, path length 0,
    /// key usage keyCertSign and cRLSign, both critical).
    public static func makeAuthority(commonName: String, organization: String, now: Date = Date()) throws -> SigningIdentity {
        let key = SigningKey.generateP256()
        let name = try DistinguishedName {
            CommonName(commonName)
            OrganizationName(organization)
        }
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
            Critical(KeyUsage(keyCertSign: true, cRLSign: true))
            SubjectKeyIdentifier(hash: key.publicKey)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(authorityLifetime),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
            issuerPrivateKey: key.certificateKey)
        return SigningIdentity(key: key, chain: [certificate])
    }

    /// A new device signing identity issued by `authority`: end entity (not a CA), key usage
    /// digitalSignature (critical), extended key usage documentSigning and emailProtection,
    /// subject and authority key identifiers. Its chain is `[device, authority]`.
    public static func issueDevice(by authority: SigningIdentity, commonName: String, organization: String,
                                   now: Date = Date()) throws -> SigningIdentity {
        guard let issuer = authority.chain.first else { throw CredentialsError.unusableCertificate("the authority has no certificate") }
        let key = SigningKey.generateP256()
        let subject = try DistinguishedName {
            CommonName(commonName)
            OrganizationName(organization)
        }
        let issuerKeyID = try issuer.extensions.subjectKeyIdentifier?.keyIdentifier
            ?? SubjectKeyIdentifier(hash: issuer.publicKey).keyIdentifier
        let extensions = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Critical(KeyUsage(digitalSignature: true))
            try ExtendedKeyUsage([documentSigningUsage, .emailProtection])
            SubjectKeyIdentifier(hash: key.publicKey)
            AuthorityKeyIdentifier(keyIdentifier: issuerKeyID)
        }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: key.publicKey,
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(deviceLifetime),
            issuer: issuer.subject, subject: subject, signatureAlgorithm: .ecdsaWithSHA256, extensions: extensions,
            issuerPrivateKey: authority.key.certificateKey)
        return SigningIdentity(key: key, chain: [certificate] + authority.chain)
    }
}

/// A key and the certificate chain that vouches for it, signer first.
public struct SigningIdentity: Sendable {
    /// The private key.
    public var key: SigningKey
    /// The signer's certificate first, then the certificates that issued it.
    public var chain: [Certificate]

    /// Pairs a key with its chain.
    public init(key: SigningKey, chain: [Certificate]) {
        self.key = key
        self.chain = chain
    }

    /// Reads a chain (PEM, signer first) and a PEM private key, checking that the key is the
    /// signer certificate's.
    ///
    /// - Throws: ``CredentialsError/unusableCertificate(_:)`` or ``CredentialsError/unsupportedKey(_:)``.
    public init(certificatesPEM: String, keyPEM: String) throws {
        try self.init(certificatesPEM: certificatesPEM, key: try SigningKey(pemEncoded: keyPEM))
    }

    /// Reads a chain (PEM, signer first) for `key`, checking that the key is the signer certificate's.
    public init(certificatesPEM: String, key: SigningKey) throws {
        let documents: [PEMDocument]
        do { documents = try PEMDocument.parseMultiple(pemString: certificatesPEM) } catch {
            throw CredentialsError.unusableCertificate("the certificate file is not PEM: \(error)")
        }
        let chain: [Certificate]
        do { chain = try documents.filter { $0.discriminator == "CERTIFICATE" }.map { try Certificate(pemDocument: $0) } } catch {
            throw CredentialsError.unusableCertificate("a certificate cannot be read: \(error)")
        }
        guard let signer = chain.first else { throw CredentialsError.unusableCertificate("the certificate file holds no certificate") }
        guard key.publicKey == signer.publicKey else {
            throw CredentialsError.unsupportedKey("the private key does not belong to the first certificate")
        }
        self.init(key: key, chain: chain)
    }

    /// The chain as DER, signer first (the COSE `x5chain` header).
    public func chainDER() throws -> [[UInt8]] {
        try chain.map { certificate in
            var serializer = DER.Serializer()
            try serializer.serialize(certificate)
            return serializer.serializedBytes
        }
    }

    /// The chain as PEM text, signer first.
    public func chainPEM() throws -> String {
        try chain.map { try $0.serializeAsPEM().pemString }.joined(separator: "\n")
    }
}
