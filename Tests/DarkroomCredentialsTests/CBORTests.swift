import XCTest
@testable import DarkroomCredentials

/// Bytes from hex digits (spaces ignored); shared by the codec test files.
func codecHex(_ text: String) -> [UInt8] {
    let digits = Array(text.filter { !$0.isWhitespace })
    return stride(from: 0, to: digits.count - 1, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16) ?? 0 }
}

final class CBORTests: XCTestCase {
    /// RFC 8949 Appendix A examples whose value this encoder writes back byte for byte.
    private let encodable: [(CBOR, String)] = [
        (0, "00"), (1, "01"), (10, "0a"), (23, "17"), (24, "1818"), (25, "1819"), (100, "1864"),
        (1000, "1903e8"), (1_000_000, "1a000f4240"), (1_000_000_000_000, "1b000000e8d4a51000"),
        (.unsigned(UInt64.max), "1bffffffffffffffff"), (.negative(UInt64.max), "3bffffffffffffffff"),
        (.tagged(2, .bytes(codecHex("010000000000000000"))), "c249010000000000000000"),
        (.tagged(3, .bytes(codecHex("010000000000000000"))), "c349010000000000000000"),
        (-1, "20"), (-10, "29"), (-100, "3863"), (-1000, "3903e7"),
        (1.1, "fb3ff199999999999a"), (1.0e300, "fb7e37e43c8800759c"), (-4.1, "fbc010666666666666"),
        (.float(.infinity), "fb7ff0000000000000"), (.float(-.infinity), "fbfff0000000000000"),
        (false, "f4"), (true, "f5"), (.null, "f6"), (.undefined, "f7"),
        (.simple(16), "f0"), (.simple(255), "f8ff"),
        (.tagged(0, "2013-03-21T20:04:00Z"), "c074323031332d30332d32315432303a30343a30305a"),
        (.tagged(1, 1_363_896_240), "c11a514b67b0"), (.tagged(1, 1_363_896_240.5), "c1fb41d452d9ec200000"),
        (.tagged(23, .bytes([1, 2, 3, 4])), "d74401020304"),
        (.tagged(24, .bytes(codecHex("6449455446"))), "d818456449455446"),
        (.tagged(32, "http://www.example.com"), "d82076687474703a2f2f7777772e6578616d706c652e636f6d"),
        (.bytes([]), "40"), (.bytes([1, 2, 3, 4]), "4401020304"),
        ("", "60"), ("a", "6161"), ("IETF", "6449455446"), ("\"\\", "62225c"),
        ("\u{00fc}", "62c3bc"), ("\u{6c34}", "63e6b0b4"), ("\u{10151}", "64f0908591"),
        ([], "80"), ([1, 2, 3], "83010203"), ([1, [2, 3], [4, 5]], "8301820203820405"),
        (.array((1...25).map { CBOR($0) }), "98190102030405060708090a0b0c0d0e0f101112131415161718181819"),
        ([:], "a0"), ([1: 2, 3: 4], "a201020304"), (["a": 1, "b": [2, 3]], "a26161016162820203"),
        (["a", ["b": "c"]], "826161a161626163"),
        (["a": "A", "b": "B", "c": "C", "d": "D", "e": "E"], "a56161614161626142616361436164614461656145"),
    ]

    /// RFC 8949 Appendix A examples in forms the encoder does not write (narrow floats,
    /// indefinite lengths), with the value they decode to.
    private let decodeOnly: [(String, CBOR)] = [
        ("f90000", 0.0), ("f98000", -0.0), ("f93c00", 1.0), ("f93e00", 1.5), ("f97bff", 65504.0),
        ("fa47c35000", 100_000.0), ("fa7f7fffff", 3.4028234663852886e38),
        ("f90001", 5.960464477539063e-8), ("f90400", 0.00006103515625), ("f9c400", -4.0),
        ("f97c00", .float(.infinity)), ("f9fc00", .float(-.infinity)),
        ("fa7f800000", .float(.infinity)), ("faff800000", .float(-.infinity)),
        ("5f42010243030405ff", .bytes([1, 2, 3, 4, 5])), ("7f657374726561646d696e67ff", "streaming"),
        ("9fff", []), ("9f018202039f0405ffff", [1, [2, 3], [4, 5]]),
        ("9f01820203820405ff", [1, [2, 3], [4, 5]]), ("83018202039f0405ff", [1, [2, 3], [4, 5]]),
        ("83019f0203ff820405", [1, [2, 3], [4, 5]]),
        ("9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff", .array((1...25).map { CBOR($0) })),
        ("bf61610161629f0203ffff", ["a": 1, "b": [2, 3]]), ("826161bf61626163ff", ["a", ["b": "c"]]),
        ("bf6346756ef563416d7421ff", ["Fun": true, "Amt": -2]),
        // Non-preferred heads are accepted.
        ("1801", 1), ("190001", 1), ("1a00000001", 1), ("1b0000000000000001", 1), ("5800", .bytes([])),
    ]

    func testAppendixAEncodesAndDecodes() throws {
        for (value, hex) in encodable {
            XCTAssertEqual(value.encoded(), codecHex(hex), "encoding \(hex)")
            XCTAssertEqual(try CBOR.decode(codecHex(hex)), value, "decoding \(hex)")
        }
    }

    func testAppendixADecodeOnlyForms() throws {
        for (hex, value) in decodeOnly {
            XCTAssertEqual(try CBOR.decode(codecHex(hex)), value, "decoding \(hex)")
        }
    }

    func testNaNInAllWidths() throws {
        for hex in ["f97e00", "fa7fc00000", "fb7ff8000000000000"] {
            let value = try CBOR.decode(codecHex(hex))
            XCTAssertEqual(value.doubleValue?.isNaN, true, hex)
            XCTAssertEqual(value, .float(.nan), "quiet NaN keeps its bit pattern: \(hex)")
        }
        XCTAssertEqual(try CBOR.decode(codecHex("f98000")).doubleValue?.sign, .minus)
        XCTAssertNotEqual(CBOR.float(0.0), CBOR.float(-0.0))
    }

    func testTextComparesByBytes() throws {
        let composed: CBOR = "\u{e9}"
        let decomposed: CBOR = "e\u{301}"
        XCTAssertNotEqual(composed, decomposed)
        let map = CBOR.map([CBOR.Pair(composed, 1), CBOR.Pair(decomposed, 2)])
        XCTAssertEqual(try CBOR.decode(map.encoded()), map)
        XCTAssertEqual(map["e\u{301}"], 2)
    }

    func testConveniences() throws {
        XCTAssertEqual(CBOR(Int.min), .negative(UInt64(Int.max)))
        XCTAssertEqual(CBOR(Int.min).intValue, Int.min)
        XCTAssertEqual(CBOR(Int.max).intValue, Int.max)
        XCTAssertNil(CBOR.unsigned(UInt64.max).intValue)
        XCTAssertNil(CBOR.negative(UInt64.max).intValue)
        let header: CBOR = [1: -7, 33: [.bytes([1, 2])], "label": "x"]
        XCTAssertEqual(header[intKey: 1]?.intValue, -7)
        XCTAssertEqual(header[intKey: 33]?.arrayValue?.first?.bytesValue, [1, 2])
        XCTAssertEqual(header["label"]?.textValue, "x")
        XCTAssertNil(header["missing"])
        XCTAssertNil(CBOR.array([])["label"])
        XCTAssertEqual(header.mapValue?.map(\.key), [1, 33, "label"], "literal keeps source order")
        XCTAssertEqual(CBOR.tagged(18, .null).taggedValue?.tag, 18)
        XCTAssertTrue(CBOR.null.isNull)
        XCTAssertEqual(CBOR.bool(true).boolValue, true)
        XCTAssertEqual(CBOR.unsigned(5).uint64Value, 5)
    }

    func testMapsKeepInsertionOrder() throws {
        let map: CBOR = ["z": 1, "a": 2, "m": 3]
        XCTAssertEqual(map.encoded(), codecHex("a3 617a01 616102 616d03"))
        XCTAssertEqual(try CBOR.decode(map.encoded()), map)
    }

    func testSimpleValuesWithoutOwnEncoding() throws {
        XCTAssertEqual(CBOR.simple(20).encoded(), [0xF4])
        XCTAssertEqual(CBOR.simple(23).encoded(), [0xF7])
        XCTAssertEqual(CBOR.simple(24).encoded(), [0xF7])
        XCTAssertEqual(CBOR.simple(32).encoded(), [0xF8, 0x20])
    }

    func testDecodePrefixAndSlices() throws {
        let (value, length) = try CBOR.decodePrefix(codecHex("8201 02 ff ff"))
        XCTAssertEqual(value, [1, 2])
        XCTAssertEqual(length, 3)
        let bytes = codecHex("00 00 62 c3 28")
        XCTAssertThrowsError(try CBOR.decode(bytes[2...])) { error in
            XCTAssertEqual(error as? CBORError, .invalidUTF8(offset: 0), "offsets count from the slice start")
        }
    }

    func testWellFormednessErrors() {
        let cases: [(String, CBORError)] = [
            ("", .truncated(offset: 0)), ("18", .truncated(offset: 0)), ("6261", .truncated(offset: 0)),
            ("8201", .truncated(offset: 0)), ("82 01 6261", .truncated(offset: 2)), ("9f01", .truncated(offset: 0)), ("5f4101", .truncated(offset: 0)),
            ("a101", .truncated(offset: 0)), ("fa0000", .truncated(offset: 0)),
            ("1c", .reserved(offset: 0, info: 28)), ("3d", .reserved(offset: 0, info: 29)),
            ("fe", .reserved(offset: 0, info: 30)), ("815c", .reserved(offset: 1, info: 28)),
            ("5f5c", .reserved(offset: 1, info: 28)),
            ("1f", .indefiniteNotAllowed(offset: 0, majorType: 0)),
            ("3f", .indefiniteNotAllowed(offset: 0, majorType: 1)),
            ("df", .indefiniteNotAllowed(offset: 0, majorType: 6)),
            ("62c328", .invalidUTF8(offset: 0)), ("62c080", .invalidUTF8(offset: 0)),
            ("63eda080", .invalidUTF8(offset: 0)), ("64f4908080", .invalidUTF8(offset: 0)),
            ("7f61c361bcff", .invalidUTF8(offset: 1)),
            ("0102", .trailingBytes(offset: 1)),
            ("a2 01 02 01 03", .duplicateKey(offset: 3)), ("a2 6161 00 6161 01", .duplicateKey(offset: 4)),
            ("bf 01 02 01 03 ff", .duplicateKey(offset: 3)), ("a2 8101 00 8101 00", .duplicateKey(offset: 4)),
            ("ff", .unexpectedBreak(offset: 0)), ("82 ff 00", .unexpectedBreak(offset: 1)),
            ("bf 6161 ff", .unexpectedBreak(offset: 3)), ("c6 ff", .unexpectedBreak(offset: 1)),
            ("5f 6161 ff", .badIndefiniteChunk(offset: 1)), ("5f 5f ff ff", .badIndefiniteChunk(offset: 1)),
            ("7f 01 ff", .badIndefiniteChunk(offset: 1)),
            ("f818", .invalidSimpleValue(offset: 0, value: 24)), ("f800", .invalidSimpleValue(offset: 0, value: 0)),
        ]
        for (hex, expected) in cases {
            XCTAssertThrowsError(try CBOR.decode(codecHex(hex)), hex) { error in
                XCTAssertEqual(error as? CBORError, expected, hex)
            }
        }
    }

    func testDepthLimit() throws {
        let ok = [UInt8](repeating: 0x81, count: 64) + [0]
        XCTAssertNoThrow(try CBOR.decode(ok))
        let deep = [UInt8](repeating: 0x81, count: 65) + [0]
        XCTAssertThrowsError(try CBOR.decode(deep)) { error in
            XCTAssertEqual(error as? CBORError, .tooDeep(offset: 65, limit: 64))
        }
        let tags = [UInt8](repeating: 0xC6, count: 100_000) + [0]
        XCTAssertThrowsError(try CBOR.decode(tags)) { error in
            XCTAssertEqual(error as? CBORError, .tooDeep(offset: 65, limit: 64))
        }
        let shallow = CBOR.Limits(maxDepth: 1, maxItems: 100)
        XCTAssertNoThrow(try CBOR.decode(codecHex("8100"), limits: shallow))
        XCTAssertThrowsError(try CBOR.decode(codecHex("818100"), limits: shallow))
    }

    func testItemLimit() throws {
        let limits = CBOR.Limits(maxDepth: 8, maxItems: 4)
        XCTAssertNoThrow(try CBOR.decode(codecHex("83010203"), limits: limits))
        XCTAssertThrowsError(try CBOR.decode(codecHex("8401020304"), limits: limits)) { error in
            XCTAssertEqual(error as? CBORError, .tooManyItems(offset: 4, limit: 4))
        }
    }

    func testHugeDeclaredLengthsFailFast() {
        for head: UInt8 in [0x5B, 0x7B, 0x9B, 0xBB] {
            let bytes = [head, 0x40, 0, 0, 0, 0, 0, 0, 0, 1, 2]
            XCTAssertThrowsError(try CBOR.decode(bytes)) { error in
                XCTAssertEqual(error as? CBORError, .truncated(offset: 0))
            }
        }
    }
}
