import CSodium
import Foundation

/// Random bytes from libsodium's CSPRNG (`randombytes_buf`).
public enum SecureRandom {
    /// `count` uniformly random bytes.
    public static func bytes(_ count: Int) -> Data {
        Sodium.ensureInitialized()
        var out = Data(count: count)
        if count > 0 {
            out.withUnsafeMutableBytes { randombytes_buf($0.baseAddress!, count) }
        }
        return out
    }

    /// A uniformly random integer in `0..<upperBound` (`randombytes_uniform`).
    public static func uniform(_ upperBound: UInt32) -> UInt32 {
        Sodium.ensureInitialized()
        return randombytes_uniform(upperBound)
    }
}
