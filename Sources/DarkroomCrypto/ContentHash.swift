import CSodium
import Foundation

/// Content hashes used to name things by what they contain: images in the
/// library, model weights in generation records, blobs in sync.
///
/// Backed by libsodium's SHA-256 (`crypto_hash_sha256`). Hex output is lower case.
public enum ContentHash {
    /// Ensures libsodium is initialised; safe to call from any thread, any number of times.
    @discardableResult
    public static func ensureSodium() -> Bool { sodium_init() >= 0 }

    /// The SHA-256 of `data`, as 64 lower-case hex characters.
    public static func sha256Hex(_ data: some ContiguousBytes) -> String {
        hex(sha256(data))
    }

    /// The SHA-256 of `data`, as 32 raw bytes.
    public static func sha256(_ data: some ContiguousBytes) -> [UInt8] {
        ensureSodium()
        var out = [UInt8](repeating: 0, count: 32)
        data.withUnsafeBytes { raw in
            _ = crypto_hash_sha256(&out, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(raw.count))
        }
        return out
    }

    /// The SHA-256 of a file's bytes, read in 1 MiB chunks, as lower-case hex.
    public static func sha256Hex(fileAt url: URL) throws -> String {
        ensureSodium()
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var state = crypto_hash_sha256_state()
        crypto_hash_sha256_init(&state)
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { raw in
                _ = crypto_hash_sha256_update(&state, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(raw.count))
            }
        }
        var out = [UInt8](repeating: 0, count: 32)
        crypto_hash_sha256_final(&state, &out)
        return hex(out)
    }

    /// Lower-case hex of `bytes`.
    public static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var chars = [UInt8]()
        chars.reserveCapacity(bytes.count * 2)
        for b in bytes {
            chars.append(digits[Int(b >> 4)])
            chars.append(digits[Int(b & 0xF)])
        }
        return String(decoding: chars, as: UTF8.self)
    }
}
