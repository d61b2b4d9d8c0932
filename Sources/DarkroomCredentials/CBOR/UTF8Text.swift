/// Strict UTF-8 checks shared by the CBOR and JUMBF decoders.
enum UTF8Text {
    /// The string spelled by `bytes`, or nil when they are not valid UTF-8 (overlong forms,
    /// surrogates, code points above U+10FFFF and cut sequences are all invalid).
    ///
    /// The standard library's decoder replaces every invalid sequence with U+FFFD, so the bytes
    /// are valid exactly when decoding and re-encoding gives them back unchanged.
    static func string(_ bytes: ArraySlice<UInt8>) -> String? {
        let string = String(decoding: bytes, as: UTF8.self)
        return string.utf8.elementsEqual(bytes) ? string : nil
    }
}
