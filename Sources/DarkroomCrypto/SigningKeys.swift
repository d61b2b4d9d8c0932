import CSodium
import Foundation

/// An Ed25519 public key: verifies detached signatures made by the matching `SigningKeyPair`.
public struct SigningPublicKey: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Length of an Ed25519 public key, in bytes.
    public static let byteCount = 32
    /// Length of a detached Ed25519 signature, in bytes.
    public static let signatureByteCount = 64

    /// The 32 public key bytes.
    public let bytes: Data

    /// A public key from its 32 bytes.
    public init(bytes: Data) throws {
        try Sodium.requireLength(bytes, Self.byteCount, "Ed25519 public key")
        self.bytes = Data(bytes)
    }

    /// Decodes from a base64 string and checks the length.
    public init(from decoder: Decoder) throws {
        let data = try decoder.singleValueContainer().decode(Data.self)
        try self.init(bytes: data)
    }

    /// Encodes as base64 (Foundation's default for `Data`).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(bytes)
    }

    /// Whether `signature` is a valid Ed25519 signature of `message` by this key.
    public func isValidSignature(_ signature: Data, for message: Data) -> Bool {
        guard signature.count == Self.signatureByteCount else { return false }
        Sodium.ensureInitialized()
        return Sodium.withPointer(signature) { sig, _ in
            Sodium.withPointer(message) { m, mlen in
                Sodium.withPointer(bytes) { pk, _ in
                    crypto_sign_verify_detached(sig, m, UInt64(mlen), pk) == 0
                }
            }
        }
    }

    /// Throws `CryptoError.invalidSignature` unless `signature` is valid for `message`.
    public func verify(_ signature: Data, for message: Data) throws {
        guard isValidSignature(signature, for: message) else { throw CryptoError.invalidSignature }
    }

    /// Lower-case hex of the key bytes (public keys are not secret).
    public var description: String { ContentHash.hex([UInt8](bytes)) }
}

/// An Ed25519 key pair that signs messages (detached signatures). The secret half is
/// zeroed when released and never printed.
public struct SigningKeyPair: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Length of the seed a key pair is derived from, in bytes.
    public static let seedByteCount = 32

    /// The public half, safe to share.
    public let publicKey: SigningPublicKey
    let secret: SecureBytes  // 64 bytes: seed || public key, libsodium's layout

    /// A new random key pair.
    public init() {
        try! self.init(seed: SecureBytes(randomCount: Self.seedByteCount))
    }

    /// The key pair derived from a 32-byte seed (RFC 8032's "secret key").
    public init(seed: Data) throws {
        try Sodium.requireLength(seed, Self.seedByteCount, "Ed25519 seed")
        try self.init(seed: seed.withUnsafeBytes { SecureBytes(copying: $0) })
    }

    private init(seed: SecureBytes) throws {
        Sodium.ensureInitialized()
        var pk = Data(count: SigningPublicKey.byteCount)
        let sk = seed.withUnsafeBytes { seedPtr in
            SecureBytes(count: 64) { skPtr in
                pk.withUnsafeMutableBytes { pkRaw in
                    _ = crypto_sign_seed_keypair(pkRaw.bindMemory(to: UInt8.self).baseAddress!, skPtr, seedPtr)
                }
            }
        }
        secret = sk
        publicKey = try SigningPublicKey(bytes: pk)
    }

    /// The 32-byte seed this pair derives from. Use only to seal it under another key.
    public func exportedSeed() -> Data { secret.copyToData().prefix(Self.seedByteCount) }

    /// A detached Ed25519 signature (64 bytes) of `message`.
    public func sign(_ message: Data) -> Data {
        var sig = Data(count: SigningPublicKey.signatureByteCount)
        sig.withUnsafeMutableBytes { sigRaw in
            Sodium.withPointer(message) { m, mlen in
                secret.withUnsafeBytes { sk in
                    _ = crypto_sign_detached(sigRaw.bindMemory(to: UInt8.self).baseAddress!, nil, m, UInt64(mlen), sk)
                }
            }
        }
        return sig
    }

    /// Shows only the public key.
    public var description: String { "SigningKeyPair(public: \(publicKey), secret: redacted)" }
    /// Shows only the public key.
    public var debugDescription: String { description }
}
