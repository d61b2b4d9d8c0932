/// Why a cryptographic operation in `DarkroomCrypto` failed.
///
/// Every case says what went wrong in terms a user or caller can act on; none of them
/// carries key material.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A key, nonce, seed, salt or signature had the wrong number of bytes.
    case invalidLength(what: String, expected: Int, actual: Int)
    /// Decryption or verification failed: the data was altered, truncated, or opened
    /// with the wrong key or associated data.
    case authenticationFailed
    /// A signature did not verify against the given public key.
    case invalidSignature
    /// An encrypted stream ended before its final chunk: the data was truncated.
    case truncatedStream
    /// An encrypted stream had bytes after its final chunk.
    case trailingData
    /// Data did not have the expected format.
    case malformed(String)
    /// Argon2id could not run with the requested limits (usually: not enough memory).
    case keyDerivationFailed(opsLimit: UInt64, memLimitBytes: UInt64)
    /// Padding could not be added or removed.
    case invalidPadding
    /// Recovery words could not be decoded.
    case invalidRecoveryWords(String)
    /// A file could not be read or written.
    case io(String)

    /// A message that says what failed and what to check.
    public var description: String {
        switch self {
        case .invalidLength(let what, let expected, let actual):
            return "\(what) must be \(expected) bytes, got \(actual)"
        case .authenticationFailed:
            return "decryption failed: the data was modified or truncated, or the key or associated data is wrong"
        case .invalidSignature:
            return "the signature does not match the message and public key"
        case .truncatedStream:
            return "the encrypted stream ends before its final chunk: the file was truncated (re-download it)"
        case .trailingData:
            return "the encrypted stream has extra bytes after its final chunk"
        case .malformed(let detail):
            return "malformed data: \(detail)"
        case .keyDerivationFailed(let ops, let mem):
            return "Argon2id failed with opslimit \(ops) and memlimit \(mem) bytes: the device may not have enough free memory"
        case .invalidPadding:
            return "invalid padding: the padded data is corrupt or the block size is wrong"
        case .invalidRecoveryWords(let detail):
            return "recovery words rejected: \(detail)"
        case .io(let detail):
            return "file error: \(detail)"
        }
    }
}
