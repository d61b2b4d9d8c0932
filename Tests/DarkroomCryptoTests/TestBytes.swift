import Foundation

/// Bytes from a hex string literal (test vectors).
func hexData(_ hex: String) -> Data {
    let chars = Array(hex.utf8)
    var out = Data(capacity: chars.count / 2)
    var i = 0
    while i + 1 < chars.count {
        let hi = Int(chars[i] > 57 ? chars[i] - 87 : chars[i] - 48)
        let lo = Int(chars[i + 1] > 57 ? chars[i + 1] - 87 : chars[i + 1] - 48)
        out.append(UInt8(hi << 4 | lo))
        i += 2
    }
    return out
}

extension Data {
    /// Lower-case hex.
    var hex: String { map { String(format: "%02x", $0) }.joined() }

    /// A copy with one bit flipped at `index`.
    func flippingBit(at index: Int) -> Data {
        var copy = self
        copy[copy.startIndex + index] ^= 0x01
        return copy
    }
}
