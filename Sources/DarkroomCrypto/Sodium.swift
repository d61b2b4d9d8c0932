import CSodium
import Foundation

/// Internal entry points shared by every wrapper: initialisation and pointer plumbing.
enum Sodium {
    /// Initialises libsodium once; later calls are cheap.
    static func ensureInitialized() {
        precondition(sodium_init() >= 0, "libsodium failed to initialise")
    }

    /// Runs `body` with a pointer to `data`'s bytes, never nil (libsodium prefers a valid
    /// pointer even for zero-length input).
    static func withPointer<R>(_ data: Data, _ body: (UnsafePointer<UInt8>, Int) throws -> R) rethrows -> R {
        if data.isEmpty {
            var zero: UInt8 = 0
            return try body(&zero, 0)
        }
        return try data.withUnsafeBytes { raw in
            try body(raw.bindMemory(to: UInt8.self).baseAddress!, raw.count)
        }
    }

    /// Runs `body` with a mutable pointer to `data`'s bytes, never nil.
    static func withMutablePointer<R>(_ data: inout Data, _ body: (UnsafeMutablePointer<UInt8>, Int) throws -> R) rethrows -> R {
        if data.isEmpty {
            var zero: UInt8 = 0
            return try body(&zero, 0)
        }
        return try data.withUnsafeMutableBytes { raw in
            try body(raw.bindMemory(to: UInt8.self).baseAddress!, raw.count)
        }
    }

    /// Checks that `data` has exactly `expected` bytes.
    static func requireLength(_ data: Data, _ expected: Int, _ what: String) throws {
        if data.count != expected { throw CryptoError.invalidLength(what: what, expected: expected, actual: data.count) }
    }
}
