import CSodium
import Foundation

/// XChaCha20-Poly1305 (IETF) authenticated encryption with associated data.
///
/// Sealed format: `nonce (24 bytes) || ciphertext || tag (16 bytes)`. `seal` draws a random
/// nonce, which is safe with 192-bit nonces for any number of messages under one key.
public enum AEAD {
    /// Nonce length, in bytes.
    public static let nonceByteCount = Int(crypto_aead_xchacha20poly1305_ietf_npubbytes())
    /// Authentication tag length, in bytes.
    public static let tagByteCount = Int(crypto_aead_xchacha20poly1305_ietf_abytes())
    /// Bytes `seal` adds to a plaintext: nonce plus tag.
    public static let overhead = nonceByteCount + tagByteCount

    /// Encrypts `plaintext` under `key`, binding `associatedData`, with a random nonce
    /// prepended to the result.
    public static func seal(_ plaintext: Data, key: SymmetricKey, associatedData: Data = Data()) -> Data {
        try! seal(plaintext, key: key, nonce: SecureRandom.bytes(nonceByteCount), associatedData: associatedData)
    }

    /// Encrypts with a caller-chosen nonce (for known-answer tests; a nonce must never be
    /// reused with the same key). Returns `nonce || ciphertext || tag`.
    public static func seal(_ plaintext: Data, key: SymmetricKey, nonce: Data, associatedData: Data = Data()) throws -> Data {
        try Sodium.requireLength(nonce, nonceByteCount, "XChaCha20-Poly1305 nonce")
        Sodium.ensureInitialized()
        var ct = Data(count: plaintext.count + tagByteCount)
        ct.withUnsafeMutableBytes { ctRaw in
            Sodium.withPointer(plaintext) { m, mlen in
                Sodium.withPointer(associatedData) { ad, adlen in
                    Sodium.withPointer(nonce) { npub, _ in
                        key.storage.withUnsafeBytes { k in
                            _ = crypto_aead_xchacha20poly1305_ietf_encrypt(
                                ctRaw.bindMemory(to: UInt8.self).baseAddress!, nil, m, UInt64(mlen),
                                ad, UInt64(adlen), nil, npub, k)
                        }
                    }
                }
            }
        }
        return nonce + ct
    }

    /// Decrypts the output of `seal`.
    /// - Throws: `CryptoError.authenticationFailed` if the data was altered or truncated, or
    ///   the key or associated data differ from those used to seal.
    public static func open(_ sealed: Data, key: SymmetricKey, associatedData: Data = Data()) throws -> Data {
        guard sealed.count >= overhead else { throw CryptoError.authenticationFailed }
        let nonce = sealed.prefix(nonceByteCount)
        let ct = Data(sealed.dropFirst(nonceByteCount))
        var out = Data(count: ct.count - tagByteCount)
        let rc = Sodium.withMutablePointer(&out) { m, _ in
            Sodium.withPointer(ct) { c, clen in
                Sodium.withPointer(associatedData) { ad, adlen in
                    Sodium.withPointer(Data(nonce)) { npub, _ in
                        key.storage.withUnsafeBytes { k in
                            crypto_aead_xchacha20poly1305_ietf_decrypt(
                                m, nil, nil, c, UInt64(clen), ad, UInt64(adlen), npub, k)
                        }
                    }
                }
            }
        }
        guard rc == 0 else { throw CryptoError.authenticationFailed }
        return out
    }
}
