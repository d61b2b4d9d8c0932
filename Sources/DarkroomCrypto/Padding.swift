import CSodium
import Foundation

/// ISO/IEC 7816-4 padding (`sodium_pad` / `sodium_unpad`) to a multiple of a block size,
/// so ciphertext lengths reveal only a coarse size.
public enum Padding {
    /// `data` followed by `0x80` and zeros up to the next multiple of `blockSize` (always at
    /// least one byte is added).
    public static func pad(_ data: Data, blockSize: Int) throws -> Data {
        guard blockSize > 0 else { throw CryptoError.invalidPadding }
        var buffer = data
        buffer.append(Data(count: blockSize))
        var paddedLength = 0
        let rc = Sodium.withMutablePointer(&buffer) { p, capacity in
            sodium_pad(&paddedLength, p, data.count, blockSize, capacity)
        }
        guard rc == 0 else { throw CryptoError.invalidPadding }
        return buffer.prefix(paddedLength)
    }

    /// Removes padding added by `pad` with the same `blockSize`.
    /// - Throws: `CryptoError.invalidPadding` if the padding is malformed.
    public static func unpad(_ data: Data, blockSize: Int) throws -> Data {
        guard blockSize > 0, !data.isEmpty else { throw CryptoError.invalidPadding }
        var unpaddedLength = 0
        let rc = Sodium.withPointer(data) { p, n in sodium_unpad(&unpaddedLength, p, n, blockSize) }
        guard rc == 0 else { throw CryptoError.invalidPadding }
        return data.prefix(unpaddedLength)
    }
}
