import CSodium
import Foundation

/// An X25519 public key: anyone can seal a message to it (`crypto_box_seal`).
public struct BoxPublicKey: Sendable, Hashable, Codable, CustomStringConvertible {
    /// Length of an X25519 public key, in bytes.
    public static let byteCount = 32

    /// The 32 public key bytes.
    public let bytes: Data

    /// A public key from its 32 bytes.
    public init(bytes: Data) throws {
        try Sodium.requireLength(bytes, Self.byteCount, "X25519 public key")
        self.bytes = Data(bytes)
    }

    /// Decodes from base64 and checks the length.
    public init(from decoder: Decoder) throws {
        try self.init(bytes: try decoder.singleValueContainer().decode(Data.self))
    }

    /// Encodes as base64.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(bytes)
    }

    /// Encrypts `message` anonymously to this key (X25519 sealed box: an ephemeral key pair,
    /// XSalsa20-Poly1305). Only the holder of the matching secret key can open it; the
    /// output is `crypto_box_sealbytes()` (48) bytes longer than the message.
    public func seal(_ message: Data) -> Data {
        Sodium.ensureInitialized()
        var out = Data(count: message.count + Int(crypto_box_sealbytes()))
        out.withUnsafeMutableBytes { outRaw in
            Sodium.withPointer(message) { m, mlen in
                Sodium.withPointer(bytes) { pk, _ in
                    _ = crypto_box_seal(outRaw.bindMemory(to: UInt8.self).baseAddress!, m, UInt64(mlen), pk)
                }
            }
        }
        return out
    }

    /// Lower-case hex of the key bytes.
    public var description: String { ContentHash.hex([UInt8](bytes)) }
}

/// An X25519 key pair that opens sealed boxes addressed to its public key. The secret
/// half is zeroed when released and never printed.
public struct BoxKeyPair: Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Length of an X25519 secret key, in bytes.
    public static let secretKeyByteCount = 32

    /// The public half, safe to share.
    public let publicKey: BoxPublicKey
    let secret: SecureBytes

    /// A new random key pair.
    public init() {
        Sodium.ensureInitialized()
        var pk = Data(count: BoxPublicKey.byteCount)
        secret = SecureBytes(count: Self.secretKeyByteCount) { sk in
            pk.withUnsafeMutableBytes { _ = crypto_box_keypair($0.bindMemory(to: UInt8.self).baseAddress!, sk) }
        }
        publicKey = try! BoxPublicKey(bytes: pk)
    }

    /// The key pair with this 32-byte X25519 secret key (the public key is
    /// `crypto_scalarmult_base` of it, as in RFC 7748).
    public init(secretKey: Data) throws {
        try Sodium.requireLength(secretKey, Self.secretKeyByteCount, "X25519 secret key")
        Sodium.ensureInitialized()
        let sk = secretKey.withUnsafeBytes { SecureBytes(copying: $0) }
        var pk = Data(count: BoxPublicKey.byteCount)
        let rc = sk.withUnsafeBytes { skPtr in
            pk.withUnsafeMutableBytes { crypto_scalarmult_base($0.bindMemory(to: UInt8.self).baseAddress!, skPtr) }
        }
        if rc != 0 { throw CryptoError.malformed("X25519 secret key gives a degenerate public key") }
        secret = sk
        publicKey = try BoxPublicKey(bytes: pk)
    }

    /// The 32-byte secret key. Use only to seal it under another key.
    public func exportedSecretKey() -> Data { secret.copyToData() }

    /// Opens a sealed box addressed to this key pair.
    /// - Throws: `CryptoError.authenticationFailed` if it was altered or sealed to another key.
    public func open(_ sealed: Data) throws -> Data {
        let overhead = Int(crypto_box_sealbytes())
        guard sealed.count >= overhead else { throw CryptoError.authenticationFailed }
        var out = Data(count: sealed.count - overhead)
        let rc = Sodium.withMutablePointer(&out) { o, _ in
            Sodium.withPointer(sealed) { c, clen in
                Sodium.withPointer(publicKey.bytes) { pk, _ in
                    secret.withUnsafeBytes { sk in crypto_box_seal_open(o, c, UInt64(clen), pk, sk) }
                }
            }
        }
        guard rc == 0 else { throw CryptoError.authenticationFailed }
        return out
    }

    /// Shows only the public key.
    public var description: String { "BoxKeyPair(public: \(publicKey), secret: redacted)" }
    /// Shows only the public key.
    public var debugDescription: String { description }
}
