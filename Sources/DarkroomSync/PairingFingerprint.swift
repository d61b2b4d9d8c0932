import DarkroomCrypto
import Foundation

/// A short code both devices show while pairing; the people compare it to make sure each
/// device holds the other's real public keys (no one in between).
public enum PairingFingerprint {
    /// Six groups of four digits from BLAKE2b-256 of both devices' public keys, taken in
    /// a fixed order (so both sides compute the same string), e.g. `"0412 9931 ..."`.
    public static func digits(_ a: DeviceCard, _ b: DeviceCard) -> String {
        let ka = a.signingKey.bytes + a.boxKey.bytes
        let kb = b.signingKey.bytes + b.boxKey.bytes
        let (first, second) = ka.lexicographicallyPrecedes(kb) ? (ka, kb) : (kb, ka)
        let digest = [UInt8](try! GenericHash.hash(Data("darkroom-pairing-v1".utf8) + first + second, length: 32))
        return (0..<6).map { group in
            let v = digest[(group * 4)..<(group * 4 + 4)].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            return String(format: "%04u", v % 10_000)
        }.joined(separator: " ")
    }
}
