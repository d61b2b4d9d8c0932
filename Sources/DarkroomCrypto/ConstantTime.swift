import CSodium
import Foundation

/// Comparisons whose running time does not depend on where the inputs differ.
public enum ConstantTime {
    /// Whether `a` and `b` are equal, compared with `sodium_memcmp`. Different lengths
    /// return `false` immediately (lengths are not secret).
    public static func equals(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        if a.isEmpty { return true }
        return Sodium.withPointer(a) { pa, n in
            Sodium.withPointer(b) { pb, _ in sodium_memcmp(pa, pb, n) == 0 }
        }
    }
}
