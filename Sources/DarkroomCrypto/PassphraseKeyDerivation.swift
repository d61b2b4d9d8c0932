import CSodium
import Foundation

/// Argon2id (libsodium `crypto_pwhash`, algorithm `ARGON2ID13`) turning a passphrase and a
/// 16-byte salt into a `SymmetricKey`.
///
/// The limits are fixed numbers, not libsodium's named presets, and are stored next to
/// anything they protect so a file keeps opening if libsodium's presets change.
public enum PassphraseKeyDerivation {
    /// Salt length, in bytes.
    public static let saltByteCount = Int(crypto_pwhash_saltbytes())

    /// Argon2id cost parameters.
    public struct Limits: Sendable, Equatable, Codable {
        /// Passes over memory (libsodium `opslimit`).
        public var opsLimit: UInt64
        /// Memory in bytes (libsodium `memlimit`).
        public var memLimitBytes: UInt64

        /// Explicit limits (tests use tiny ones; memory must be at least 8 KiB).
        public init(opsLimit: UInt64, memLimitBytes: UInt64) {
            self.opsLimit = opsLimit
            self.memLimitBytes = memLimitBytes
        }

        /// The default for keyrings: 3 passes over 64 MiB. libsodium's MODERATE uses
        /// 256 MiB, more than the smallest supported device can spare (ente #456 #326);
        /// 3 passes keep the cost near 0.2 s on a laptop core.
        public static let standard = Limits(opsLimit: 3, memLimitBytes: 64 << 20)
        /// libsodium's INTERACTIVE preset: 2 passes over 64 MiB.
        public static let interactive = Limits(opsLimit: 2, memLimitBytes: 64 << 20)
        /// libsodium's MODERATE preset: 3 passes over 256 MiB.
        public static let moderate = Limits(opsLimit: 3, memLimitBytes: 256 << 20)
    }

    /// Derives a 32-byte key from `passphrase` (UTF-8) and `salt` with `limits`.
    /// - Throws: `CryptoError.invalidLength` for a bad salt, `.keyDerivationFailed` when
    ///   Argon2id cannot allocate the memory.
    public static func deriveKey(passphrase: String, salt: Data, limits: Limits = .standard) throws -> SymmetricKey {
        SymmetricKey(storage: try derive(passphrase: passphrase, salt: salt, limits: limits, length: SymmetricKey.byteCount))
    }

    /// Derives `length` raw bytes (for known-answer tests against other Argon2 implementations).
    public static func deriveBytes(passphrase: String, salt: Data, limits: Limits, length: Int) throws -> Data {
        try derive(passphrase: passphrase, salt: salt, limits: limits, length: length).copyToData()
    }

    private static func derive(passphrase: String, salt: Data, limits: Limits, length: Int) throws -> SecureBytes {
        try Sodium.requireLength(salt, saltByteCount, "Argon2id salt")
        Sodium.ensureInitialized()
        let password = Data(passphrase.utf8)
        return try SecureBytes(count: length) { out in
            let rc = Sodium.withPointer(password) { p, plen in
                Sodium.withPointer(salt) { s, _ in
                    crypto_pwhash(out, UInt64(length), p, UInt64(plen), s, limits.opsLimit, Int(limits.memLimitBytes),
                                  crypto_pwhash_alg_argon2id13())
                }
            }
            if rc != 0 { throw CryptoError.keyDerivationFailed(opsLimit: limits.opsLimit, memLimitBytes: limits.memLimitBytes) }
        }
    }
}
