import CSodium
import Foundation

/// A 256-bit secret key for XChaCha20-Poly1305 (AEAD and secretstream) and keyed BLAKE2b.
///
/// The bytes live in memory that is zeroed when the last copy of the key is released.
/// `description` never shows them, and `==` runs in constant time.
public struct SymmetricKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    /// Length of every symmetric key, in bytes.
    public static let byteCount = 32

    let storage: SecureBytes

    /// A new random key.
    public init() {
        storage = SecureBytes(randomCount: Self.byteCount)
    }

    /// A key from exactly 32 bytes (for example, a key read back from a sealed keyring).
    public init(bytes: Data) throws {
        try Sodium.requireLength(bytes, Self.byteCount, "symmetric key")
        storage = bytes.withUnsafeBytes { SecureBytes(copying: $0) }
    }

    init(storage: SecureBytes) { self.storage = storage }

    /// The raw key bytes. Use only to seal the key under another key; never log or store them in clear.
    public func exportedBytes() -> Data { storage.copyToData() }

    /// Always `"SymmetricKey(redacted)"`.
    public var description: String { "SymmetricKey(redacted)" }
    /// Always `"SymmetricKey(redacted)"`.
    public var debugDescription: String { description }

    /// Constant-time comparison of two keys.
    public static func == (lhs: SymmetricKey, rhs: SymmetricKey) -> Bool {
        lhs.storage.constantTimeEquals(rhs.storage)
    }
}
