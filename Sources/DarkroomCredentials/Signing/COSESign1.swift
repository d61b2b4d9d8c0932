import _CryptoExtras
import Crypto
import X509

/// A COSE_Sign1 structure (RFC 9052) with a detached payload, as C2PA uses for claim signatures:
/// the algorithm and the `x5chain` certificate chain in the protected header, no payload inside.
public struct COSESign1: Sendable, Equatable {
    /// The protected header as its encoded CBOR map (signed as these exact bytes).
    public var protectedHeader: [UInt8]
    /// The unprotected header map.
    public var unprotectedHeader: CBOR
    /// The signature: `r || s` for ECDSA, 64 bytes for Ed25519, the modulus size for RSA-PSS.
    public var signature: [UInt8]

    /// COSE header labels this type reads or writes.
    enum Label {
        static let algorithm = 1
        static let x5chain = 33
    }

    /// The COSE_Sign1 tag.
    static let tag: UInt64 = 18

    /// Signs `payload` (detached: the claim's bytes) with `identity`, putting the algorithm and the chain in the
    /// protected header.
    public static func sign(payload: [UInt8], identity: SigningIdentity) throws -> COSESign1 {
        let chain = try identity.chainDER()
        let chainValue: CBOR = chain.count == 1 ? .bytes(chain[0]) : .array(chain.map { .bytes($0) })
        let protected = CBOR.map([CBOR.Pair(CBOR(Label.algorithm), CBOR(identity.key.algorithm.rawValue)),
                                  CBOR.Pair(CBOR(Label.x5chain), chainValue)]).encoded()
        let signature = try identity.key.sign(toBeSigned(protectedHeader: protected, payload: payload))
        return COSESign1(protectedHeader: protected, unprotectedHeader: .map([]), signature: signature)
    }

    /// The `Sig_structure` that is signed: `["Signature1", protected, external_aad = h'', payload]`.
    static func toBeSigned(protectedHeader: [UInt8], payload: [UInt8]) -> [UInt8] {
        CBOR.array([.text("Signature1"), .bytes(protectedHeader), .bytes([]), .bytes(payload)]).encoded()
    }

    /// The tagged COSE_Sign1 array with a nil payload.
    public func encoded() -> [UInt8] {
        CBOR.tagged(Self.tag, .array([.bytes(protectedHeader), unprotectedHeader, .null, .bytes(signature)])).encoded()
    }

    /// Reads a COSE_Sign1 (tagged or not) whose payload is nil (detached).
    ///
    /// - Throws: ``CredentialsVerdict/Failure`` `.malformed` details as ``COSEError``.
    public init(decoding bytes: [UInt8]) throws {
        var value = try CBOR.decode(bytes)
        if case .tagged(let tag, let inner) = value {
            guard tag == Self.tag else { throw COSEError.malformed("tag \(tag) is not COSE_Sign1 (18)") }
            value = inner
        }
        guard let items = value.arrayValue, items.count == 4 else { throw COSEError.malformed("not a four-element COSE_Sign1 array") }
        guard let protected = items[0].bytesValue, let signature = items[3].bytesValue, items[1].mapValue != nil else {
            throw COSEError.malformed("the headers or the signature have the wrong types")
        }
        guard items[2].isNull else { throw COSEError.malformed("the payload is not detached") }
        if !protected.isEmpty, (try? CBOR.decode(protected))?.mapValue == nil {
            throw COSEError.malformed("the protected header is not a CBOR map")
        }
        self.init(protectedHeader: protected, unprotectedHeader: items[1], signature: signature)
    }

    /// Creates the structure from its parts.
    public init(protectedHeader: [UInt8], unprotectedHeader: CBOR, signature: [UInt8]) {
        self.protectedHeader = protectedHeader
        self.unprotectedHeader = unprotectedHeader
        self.signature = signature
    }

    private var protectedMap: CBOR { (try? CBOR.decode(protectedHeader)) ?? .map([]) }

    /// The algorithm named in the protected header, if C2PA allows it.
    public var algorithm: COSEAlgorithm? { protectedMap[intKey: Label.algorithm]?.intValue.flatMap(COSEAlgorithm.init(rawValue:)) }

    /// The `x5chain` certificates (DER, signer first), from the protected header, else the unprotected one.
    public var certificateChainDER: [[UInt8]] {
        for header in [protectedMap, unprotectedHeader] {
            guard let value = header[intKey: Label.x5chain] ?? header["x5chain"] else { continue }
            if let single = value.bytesValue { return [single] }
            return value.arrayValue?.compactMap(\.bytesValue) ?? []
        }
        return []
    }

    /// Whether `signature` is `payload`'s signature under `publicKey` with the header's algorithm.
    public func isValidSignature(payload: [UInt8], publicKey: Certificate.PublicKey) -> Bool {
        guard let algorithm else { return false }
        let message = Self.toBeSigned(protectedHeader: protectedHeader, payload: payload)
        switch algorithm {
        case .es256:
            guard let key = P256.Signing.PublicKey(publicKey),
                  let signature = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(signature, for: message)
        case .es384:
            guard let key = P384.Signing.PublicKey(publicKey),
                  let signature = try? P384.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(signature, for: message)
        case .es512:
            guard let key = P521.Signing.PublicKey(publicKey),
                  let signature = try? P521.Signing.ECDSASignature(rawRepresentation: signature) else { return false }
            return key.isValidSignature(signature, for: message)
        case .edDSA:
            guard let key = Curve25519.Signing.PublicKey(publicKey) else { return false }
            return key.isValidSignature(signature, for: message)
        case .ps256, .ps384, .ps512:
            guard let key = _RSA.Signing.PublicKey(publicKey) else { return false }
            let rsaSignature = _RSA.Signing.RSASignature(rawRepresentation: signature)
            switch algorithm {
            case .ps256: return key.isValidSignature(rsaSignature, for: SHA256.hash(data: message), padding: .PSS)
            case .ps384: return key.isValidSignature(rsaSignature, for: SHA384.hash(data: message), padding: .PSS)
            default: return key.isValidSignature(rsaSignature, for: SHA512.hash(data: message), padding: .PSS)
            }
        }
    }
}

/// A COSE structure that cannot be read.
public enum COSEError: Error, Sendable, Equatable {
    /// The bytes are not a COSE_Sign1 C2PA can use; the text says what is wrong.
    case malformed(String)
}
