import Foundation
import SwiftASN1
import X509

/// The certificate profile C2PA requires of a claim signer, and the trust check.
enum SignerProfile {
    /// Extended key usages C2PA accepts for a claim signer.
    static let acceptedUsages: Set<ASN1ObjectIdentifier> = [
        ASN1ObjectIdentifier.ExtendedKeyUsage.emailProtection,
        [1, 3, 6, 1, 5, 5, 7, 3, 36],          // id-kp-documentSigning
        [1, 3, 6, 1, 4, 1, 62558, 2, 1],       // c2pa-kp-claimSigning
        [1, 3, 6, 1, 4, 1, 311, 76, 59, 1, 9], // Microsoft document signing, which C2PA lists
    ]

    /// Why `certificate` may not sign C2PA claims at `now`, or nil when it may.
    static func problem(with certificate: Certificate, now: Date) -> String? {
        guard certificate.version == .v3 else { return "the signing certificate is not X.509 version 3" }
        guard certificate.notValidBefore <= now, now <= certificate.notValidAfter else {
            return "the signing certificate is not valid now (valid \(certificate.notValidBefore) to \(certificate.notValidAfter))"
        }
        if let constraints = try? certificate.extensions.basicConstraints, case .isCertificateAuthority = constraints {
            return "the signing certificate is a certificate authority"
        }
        if let usage = try? certificate.extensions.keyUsage, !usage.digitalSignature, !usage.nonRepudiation {
            return "the signing certificate's key usage allows neither digitalSignature nor nonRepudiation"
        }
        guard let extended = try? certificate.extensions.extendedKeyUsage else {
            return "the signing certificate has no extended key usage"
        }
        let oids = Set(extended.map { ASN1ObjectIdentifier($0) })
        if oids.contains(ASN1ObjectIdentifier.ExtendedKeyUsage.any) { return "the signing certificate allows any extended key usage" }
        if oids.isDisjoint(with: acceptedUsages) {
            return "the signing certificate's extended key usage is not one C2PA accepts (emailProtection, documentSigning, claimSigning)"
        }
        return nil
    }

    /// Whether `signer` chains through `intermediates` to one of `anchors` (RFC 5280 path validation at `now`).
    static func chainsToAnchor(_ signer: Certificate, intermediates: [Certificate], anchors: [Certificate], now: Date) async -> Bool {
        guard !anchors.isEmpty else { return false }
        var verifier = Verifier(rootCertificates: CertificateStore(anchors)) { RFC5280Policy(validationTime: now) }
        let result = await verifier.validate(leaf: signer, intermediates: CertificateStore(intermediates))
        if case .validCertificate = result { return true }
        return false
    }
}

/// Equality of byte strings in time that depends only on their lengths.
enum ConstantTimeBytes {
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
