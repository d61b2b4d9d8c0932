import CSodium
import Foundation

/// Fixed-size secret bytes held in memory that is wiped with `sodium_memzero` when the
/// last reference goes away. Immutable after initialisation, hence safe to share.
final class SecureBytes: @unchecked Sendable {
    /// Number of bytes held.
    let count: Int
    private let pointer: UnsafeMutableRawPointer

    /// Copies `bytes` into fresh storage.
    init(copying bytes: UnsafeRawBufferPointer) {
        count = bytes.count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        if count > 0 { pointer.copyMemory(from: bytes.baseAddress!, byteCount: count) }
    }

    /// Fills fresh storage by calling `fill` with a pointer to `count` writable bytes.
    init(count: Int, fill: (UnsafeMutablePointer<UInt8>) throws -> Void) rethrows {
        self.count = count
        pointer = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 16)
        let typed = pointer.bindMemory(to: UInt8.self, capacity: max(count, 1))
        do { try fill(typed) } catch {
            sodium_memzero(pointer, max(count, 1))
            pointer.deallocate()
            throw error
        }
    }

    /// Random bytes from libsodium's CSPRNG.
    convenience init(randomCount: Int) {
        Sodium.ensureInitialized()
        self.init(count: randomCount) { randombytes_buf($0, randomCount) }
    }

    deinit {
        sodium_memzero(pointer, max(count, 1))
        pointer.deallocate()
    }

    /// Read access to the bytes; do not let the pointer escape.
    func withUnsafeBytes<R>(_ body: (UnsafePointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafePointer(pointer.assumingMemoryBound(to: UInt8.self)))
    }

    /// Constant-time equality with `other` (`sodium_memcmp`).
    func constantTimeEquals(_ other: SecureBytes) -> Bool {
        guard count == other.count else { return false }
        return sodium_memcmp(pointer, other.pointer, count) == 0
    }

    /// A copy of the bytes as `Data`, for sealing under another key only.
    func copyToData() -> Data { Data(bytes: pointer, count: count) }
}
