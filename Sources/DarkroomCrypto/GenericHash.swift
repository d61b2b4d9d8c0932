import CSodium
import Foundation

/// BLAKE2b (libsodium's `crypto_generichash`), keyed or unkeyed, with outputs of 16 to 64 bytes.
public enum GenericHash {
    /// Shortest output length, in bytes.
    public static let minimumLength = Int(crypto_generichash_bytes_min())
    /// Longest output length, in bytes.
    public static let maximumLength = Int(crypto_generichash_bytes_max())
    /// Longest key, in bytes.
    public static let maximumKeyLength = Int(crypto_generichash_keybytes_max())

    /// BLAKE2b of `data` with `length` output bytes (16...64, default 32), keyed by `key`
    /// (up to 64 bytes) when given.
    public static func hash(_ data: Data, length: Int = 32, key: Data? = nil) throws -> Data {
        let state = try Hasher(length: length, key: key)
        state.update(data)
        return state.finalize()
    }

    /// BLAKE2b keyed by a `SymmetricKey` (a MAC or a key derivation step).
    public static func hash(_ data: Data, length: Int = 32, key: SymmetricKey) throws -> Data {
        try hash(data, length: length, key: key.exportedBytes())
    }

    /// Incremental BLAKE2b for data that arrives in pieces. Not thread-safe: use one per task.
    public final class Hasher {
        // libsodium's state is 64-byte aligned and opaque to Swift: keep it in raw memory.
        private let state: OpaquePointer
        private let raw: UnsafeMutableRawPointer
        private let length: Int

        /// Starts a hash with `length` output bytes, keyed by `key` when given.
        public init(length: Int = 32, key: Data? = nil) throws {
            guard (GenericHash.minimumLength...GenericHash.maximumLength).contains(length) else {
                throw CryptoError.invalidLength(what: "BLAKE2b output", expected: 32, actual: length)
            }
            if let key, key.count > GenericHash.maximumKeyLength || key.isEmpty {
                throw CryptoError.invalidLength(what: "BLAKE2b key", expected: 32, actual: key.count)
            }
            Sodium.ensureInitialized()
            self.length = length
            raw = UnsafeMutableRawPointer.allocate(byteCount: crypto_generichash_statebytes(), alignment: 64)
            state = OpaquePointer(raw)
            if let key {
                Sodium.withPointer(key) { k, klen in _ = crypto_generichash_init(state, k, klen, length) }
            } else {
                _ = crypto_generichash_init(state, nil, 0, length)
            }
        }

        /// Wipes and frees the state.
        deinit {
            sodium_memzero(raw, crypto_generichash_statebytes())
            raw.deallocate()
        }

        /// Adds `data` to the hash.
        public func update(_ data: Data) {
            Sodium.withPointer(data) { p, n in _ = crypto_generichash_update(state, p, UInt64(n)) }
        }

        /// The digest. The hasher must not be used afterwards.
        public func finalize() -> Data {
            var out = Data(count: length)
            Sodium.withMutablePointer(&out) { o, n in _ = crypto_generichash_final(state, o, n) }
            return out
        }
    }
}
