#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// Encrypts serialized key material at rest, under a key derived from a passphrase
/// (Argon2id) or under a random device-local key kept in a separate file (`DeviceKeyFile`).
///
/// ## Format (version 1)
/// ```
/// "DRKF" | version 0x01 | protection (0x01 passphrase, 0x02 device key)
/// passphrase only: opslimit (UInt64 BE) | memlimit bytes (UInt64 BE) | salt (16 bytes)
/// nonce (24) | XChaCha20-Poly1305 ciphertext | tag (16)
/// ```
/// Everything before the nonce is the associated data, so the limits, salt and protection
/// kind cannot be changed without the open failing. The limits are read from the file:
/// files made with other limits still open.
public enum KeyringFile {
    /// How a keyring file is protected.
    public enum Protection: UInt8, Sendable, Equatable {
        /// A key derived from a passphrase with Argon2id.
        case passphrase = 1
        /// A random 32-byte key stored in a separate device-local file.
        case deviceKey = 2
    }

    private static let magic = Data("DRKF".utf8)
    private static let version: UInt8 = 1

    /// Seals `secret` under a key derived from `passphrase` with a fresh random salt.
    public static func seal(_ secret: Data, passphrase: String,
                            limits: PassphraseKeyDerivation.Limits = .standard) throws -> Data {
        let salt = SecureRandom.bytes(PassphraseKeyDerivation.saltByteCount)
        let key = try PassphraseKeyDerivation.deriveKey(passphrase: passphrase, salt: salt, limits: limits)
        var header = preamble(.passphrase)
        header.append(bigEndian: limits.opsLimit)
        header.append(bigEndian: limits.memLimitBytes)
        header.append(salt)
        return header + AEAD.seal(secret, key: key, associatedData: header)
    }

    /// Seals `secret` under a device-local key.
    public static func seal(_ secret: Data, deviceKey: SymmetricKey) -> Data {
        let header = preamble(.deviceKey)
        return header + AEAD.seal(secret, key: deviceKey, associatedData: header)
    }

    /// The protection kind of a sealed file, so a caller knows whether to ask for a passphrase.
    public static func protection(of sealed: Data) throws -> Protection {
        guard sealed.count >= 6, sealed.prefix(4) == magic else { throw CryptoError.malformed("not a Darkroom keyring file (bad magic)") }
        let bytes = [UInt8](sealed.prefix(6))
        guard bytes[4] == version else { throw CryptoError.malformed("keyring file version \(bytes[4]) is not supported (expected \(version))") }
        guard let p = Protection(rawValue: bytes[5]) else { throw CryptoError.malformed("unknown keyring protection \(bytes[5])") }
        return p
    }

    /// Opens a passphrase-protected file.
    /// - Throws: `CryptoError.authenticationFailed` for a wrong passphrase or a modified file.
    public static func open(_ sealed: Data, passphrase: String) throws -> Data {
        guard try protection(of: sealed) == .passphrase else { throw CryptoError.malformed("this keyring file is protected by a device key, not a passphrase") }
        let headerLength = 6 + 16 + PassphraseKeyDerivation.saltByteCount
        guard sealed.count >= headerLength + AEAD.overhead else { throw CryptoError.malformed("keyring file is truncated") }
        let bytes = [UInt8](sealed.prefix(headerLength))
        let ops = UInt64(bigEndianBytes: bytes[6..<14])
        let mem = UInt64(bigEndianBytes: bytes[14..<22])
        guard ops >= 1, ops <= 16, mem >= 8192, mem <= (4 << 30) else {
            throw CryptoError.malformed("keyring file asks for Argon2id limits outside the accepted range (ops \(ops), mem \(mem))")
        }
        let salt = Data(bytes[22..<headerLength])
        let key = try PassphraseKeyDerivation.deriveKey(passphrase: passphrase, salt: salt,
                                                        limits: .init(opsLimit: ops, memLimitBytes: mem))
        return try AEAD.open(Data(sealed.dropFirst(headerLength)), key: key, associatedData: Data(bytes))
    }

    /// Opens a file protected by a device key.
    /// - Throws: `CryptoError.authenticationFailed` for the wrong key or a modified file.
    public static func open(_ sealed: Data, deviceKey: SymmetricKey) throws -> Data {
        guard try protection(of: sealed) == .deviceKey else { throw CryptoError.malformed("this keyring file is protected by a passphrase, not a device key") }
        let header = sealed.prefix(6)
        return try AEAD.open(Data(sealed.dropFirst(6)), key: deviceKey, associatedData: Data(header))
    }

    private static func preamble(_ protection: Protection) -> Data {
        var d = magic
        d.append(version)
        d.append(protection.rawValue)
        return d
    }
}

/// A random 32-byte key in its own file (permissions 0600), used to protect a keyring at
/// rest on a device without asking for a passphrase. It protects against copies of the
/// keyring file alone (a backup, a synced folder), not against someone who can read both files.
public enum DeviceKeyFile {
    /// Creates a new random key at `url`; fails if the file exists.
    public static func create(at url: URL) throws -> SymmetricKey {
        let key = SymmetricKey()
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw CryptoError.io("could not create device key file at \(url.path) (errno \(errno)); it must not exist yet")
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        do {
            try handle.write(contentsOf: key.exportedBytes())
            try handle.synchronize()
            try handle.close()
        } catch {
            throw CryptoError.io("could not write device key file at \(url.path): \(error.localizedDescription)")
        }
        return key
    }

    /// Reads the key at `url`.
    public static func load(from url: URL) throws -> SymmetricKey {
        let data: Data
        do { data = try Data(contentsOf: url) } catch { throw CryptoError.io("could not read device key file at \(url.path): \(error.localizedDescription)") }
        return try SymmetricKey(bytes: data)
    }
}

extension Data {
    /// Appends `value` as 8 big-endian bytes.
    mutating func append(bigEndian value: UInt64) {
        Swift.withUnsafeBytes(of: value.bigEndian) { append(contentsOf: $0) }
    }
}

extension UInt64 {
    /// Reads 8 big-endian bytes.
    init(bigEndianBytes bytes: ArraySlice<UInt8>) {
        self = bytes.reduce(0) { $0 << 8 | UInt64($1) }
    }
}
