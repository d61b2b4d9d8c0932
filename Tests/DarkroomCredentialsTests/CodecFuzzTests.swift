import DarkroomCredentials
import Foundation
import XCTest

/// SplitMix64: a small seeded generator, so every fuzz run sees the same inputs.
struct CodecFuzzRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in byte() } }
    mutating func chance(_ percent: Int) -> Bool { int(0..<100) < percent }
}

/// Random values for the round-trip properties.
extension CodecFuzzRandom {
    mutating func text(maxLength: Int) -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<int(0..<(maxLength + 1)) {
            let ranges: [ClosedRange<UInt32>] = [0x00...0x7F, 0x80...0x7FF, 0x800...0xFFFF, 0x1_0000...0x10_FFFF]
            let range = ranges[int(0..<ranges.count)]
            if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &self)) { scalars.append(scalar) }
        }
        return String(scalars)
    }

    mutating func cbor(depth: Int) -> CBOR {
        switch int(0..<(depth > 0 ? 13 : 9)) {
        case 0: return .unsigned(chance(50) ? UInt64(int(0..<300)) : next() >> UInt64(int(0..<64)))
        case 1: return .negative(chance(50) ? UInt64(int(0..<300)) : next() >> UInt64(int(0..<64)))
        case 2: return .bytes(bytes(int(0..<40)))
        case 3: return .text(text(maxLength: 20))
        case 4: return .bool(chance(50))
        case 5: return chance(50) ? .null : .undefined
        case 6: return .float(chance(70) ? Double(bitPattern: next()) : [0.0, -0.0, .infinity, .nan, 1.5][int(0..<5)])
        case 7: return .simple(chance(50) ? UInt8(int(0..<20)) : UInt8(int(32..<256)))
        case 8: return .unsigned(UInt64(int(0..<24)))
        case 9, 10: return .array((0..<int(0..<6)).map { _ in cbor(depth: depth - 1) })
        case 11:
            var seen = Set<CBOR>()
            var pairs: [CBOR.Pair] = []
            for _ in 0..<int(0..<6) {
                let key = cbor(depth: depth - 1)
                if seen.insert(key).inserted { pairs.append(CBOR.Pair(key, cbor(depth: depth - 1))) }
            }
            return .map(pairs)
        default: return .tagged(next() >> UInt64(int(0..<64)), cbor(depth: depth - 1))
        }
    }

    mutating func superbox(depth: Int) -> JUMBFSuperbox {
        let types: [FourCC] = [.cbor, .json, .bidb, .bfdb, .uuid, .c2sh, FourCC(rawValue: UInt32(truncatingIfNeeded: next()))]
        let uuid = JUMBFUUID(bytes(16)) ?? JUMBFType.cbor
        let description = JUMBFDescription(
            uuid: uuid, label: chance(80) ? String(String.UnicodeScalarView(text(maxLength: 12).unicodeScalars.filter { $0 != "\0" })) : nil,
            requestable: chance(70), id: chance(20) ? UInt32(truncatingIfNeeded: next()) : nil,
            signature: chance(20) ? JUMBFSignature(bytes(32)) : nil,
            privateBox: chance(20) ? .salt(bytes(int(16..<33))) : nil)
        var children: [JUMBFNode] = []
        for _ in 0..<int(0..<5) {
            if depth > 0, chance(35) {
                children.append(.superbox(superbox(depth: depth - 1)))
            } else {
                var type = types[int(0..<types.count)]
                if type == .jumb || type == .jumd { type = .cbor }
                children.append(.content(JUMBFContentBox(type: type, payload: bytes(int(0..<24)))))
            }
        }
        return JUMBFSuperbox(description: description, children: children)
    }

    /// `bytes` damaged once: a bit flip, a cut, an inserted or deleted byte, or a length field
    /// inflated to a huge value.
    mutating func mutate(_ input: [UInt8], lengthHeads: [UInt8]) -> [UInt8] {
        var bytes = input
        guard !bytes.isEmpty else { return self.bytes(int(0..<8)) }
        let at = int(0..<bytes.count)
        switch int(0..<6) {
        case 0: bytes[at] ^= 1 << UInt8(int(0..<8))
        case 1: bytes.removeSubrange(at...)
        case 2: bytes.insert(byte(), at: at)
        case 3: bytes.remove(at: at)
        case 4:
            let huge: [UInt8] = [0x40 | UInt8(int(0..<64)), 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
            let head = lengthHeads[int(0..<lengthHeads.count)]
            bytes.replaceSubrange(at..<min(bytes.count, at + 9), with: [head] + huge)
        default:
            bytes.replaceSubrange(at..<min(bytes.count, at + 4), with: [0xFF, 0xFF, 0xFF, UInt8(int(0..<256))])
        }
        return bytes
    }
}

/// A 4-byte size and a type: a box header.
func codecBoxHeader(size: Int, type: String) -> [UInt8] {
    [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: size >> $0) } + Array(type.utf8.prefix(4))
}

final class CodecFuzzTests: XCTestCase {
    private let cborLengthHeads: [UInt8] = [0x1B, 0x3B, 0x5B, 0x7B, 0x9B, 0xBB, 0xDB]

    func testCBORRandomBytesDecodeOrThrow() {
        var random = CodecFuzzRandom(seed: 1)
        var decoded = 0
        for _ in 0..<20_000 {
            let input = random.bytes(random.int(0..<48))
            if let value = try? CBOR.decode(input) {
                decoded += 1
                XCTAssertEqual(try CBOR.decode(value.encoded()), value)
            }
        }
        XCTAssertGreaterThan(decoded, 0)
    }

    func testCBORRoundTripsRandomValues() throws {
        var random = CodecFuzzRandom(seed: 2)
        for _ in 0..<3_000 {
            let value = random.cbor(depth: 4)
            let bytes = value.encoded()
            XCTAssertEqual(try CBOR.decode(bytes), value)
            let (prefix, length) = try CBOR.decodePrefix(bytes + [0x00])
            XCTAssertEqual(prefix, value)
            XCTAssertEqual(length, bytes.count)
        }
    }

    func testCBORMutationsDecodeOrThrow() {
        var random = CodecFuzzRandom(seed: 3)
        var decoded = 0
        for _ in 0..<10_000 {
            let valid = random.cbor(depth: 3).encoded()
            let damaged = random.mutate(valid, lengthHeads: cborLengthHeads)
            if let value = try? CBOR.decode(damaged) {
                decoded += 1
                XCTAssertEqual(try CBOR.decode(value.encoded()), value)
            }
        }
        XCTAssertGreaterThan(decoded, 100)
    }

    func testCBORHugeClaimsFailFast() {
        let start = Date()
        var random = CodecFuzzRandom(seed: 4)
        for _ in 0..<20_000 {
            // Up to three small heads, then a head claiming about 2^62 bytes or items.
            var input: [UInt8] = (0..<random.int(0..<4)).map { _ in [0x81, 0xA1, 0xC6, 0x9F, 0xBF][random.int(0..<5)] }
            input += [[0x5B, 0x7B, 0x9B, 0xBB][random.int(0..<4)], 0x40] + random.bytes(7)
            input += random.bytes(16 - min(16, input.count))
            XCTAssertThrowsError(try CBOR.decode(input))
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 2)
    }

    func testCBORDeepIndefiniteNestingIsRefused() {
        for opener: UInt8 in [0x9F, 0xBF, 0x81, 0xC6] {
            let input = [UInt8](repeating: opener, count: 200_000)
            XCTAssertThrowsError(try CBOR.decode(input)) { error in
                guard case .tooDeep? = error as? CBORError else { return XCTFail("\(error)") }
            }
        }
    }

    func testJUMBFRandomBytesDecodeOrThrow() {
        var random = CodecFuzzRandom(seed: 5)
        var decoded = 0
        for _ in 0..<20_000 {
            // Random bytes (a third of them NUL) behind plausible headers and toggles, so the
            // decoder gets past the first checks.
            var payload: [UInt8] = (0..<random.int(17..<90)).map { _ in random.chance(33) ? 0 : random.byte() }
            payload[16] = [0x00, 0x01, 0x03, 0x07, 0x0B, 0x13, random.byte()][random.int(0..<7)]
            let jumdSize = random.chance(80) ? random.int(25..<(payload.count + 9)) : random.int(0..<256)
            var input = codecBoxHeader(size: jumdSize, type: "jumd") + payload
            if random.chance(50), jumdSize >= 8, jumdSize <= input.count, input.count - jumdSize >= 8 {
                // Make what follows the description one whole content box.
                input.replaceSubrange(jumdSize..<(jumdSize + 8), with: codecBoxHeader(size: input.count - jumdSize, type: "cbor"))
            }
            input = codecBoxHeader(size: input.count + 8, type: "jumb") + input
            if random.chance(10) { input[random.int(0..<input.count)] = random.byte() }
            if let box = try? JUMBFSuperbox.decode(input) {
                decoded += 1
                XCTAssertEqual(try JUMBFSuperbox.decode(box.encoded()), box)
            }
        }
        XCTAssertGreaterThan(decoded, 100)
    }

    func testJUMBFRoundTripsRandomTreesWithRanges() throws {
        var random = CodecFuzzRandom(seed: 6)
        for _ in 0..<1_000 {
            let box = random.superbox(depth: 3)
            let bytes = box.encoded()
            let decoded = try JUMBFSuperbox.decode(bytes)
            XCTAssertEqual(decoded, box)
            var pending = [decoded]
            while let next = pending.popLast() {
                XCTAssertEqual(next.range.map { Array(bytes[$0]) }, next.encoded())
                XCTAssertEqual(next.payloadRange.map { Array(bytes[$0]) }, next.encodedPayload())
                for child in next.children {
                    if case .superbox(let nested) = child { pending.append(nested) }
                    XCTAssertEqual(child.range.map { Array(bytes[$0]) }, child.encoded())
                }
            }
        }
    }

    func testJUMBFMutationsDecodeOrThrow() {
        var random = CodecFuzzRandom(seed: 7)
        var decoded = 0
        let start = Date()
        for _ in 0..<5_000 {
            let valid = random.superbox(depth: 2).encoded()
            var damaged = random.mutate(valid, lengthHeads: [0x00, 0x01, 0x7F, 0xFF])
            if random.chance(20), damaged.count >= 16 {
                // An XLBox claiming about 2^62 bytes.
                damaged.replaceSubrange(0..<4, with: [0, 0, 0, 1])
                damaged.replaceSubrange(8..<16, with: [0x40, 0, 0, 0, 0, 0, 0, 0])
            }
            if let box = try? JUMBFSuperbox.decode(damaged) {
                decoded += 1
                XCTAssertEqual(try JUMBFSuperbox.decode(box.encoded()), box)
            }
        }
        XCTAssertGreaterThan(decoded, 100)
        XCTAssertLessThan(Date().timeIntervalSince(start), 3)
    }

    func testJUMBFDeepNestingIsRefused() {
        // 10,000 nested superbox headers, each one claiming the rest of the input (LBox 0).
        var input: [UInt8] = []
        for _ in 0..<10_000 { input += [0, 0, 0, 0] + Array("jumb".utf8) + [0, 0, 0, 0x19] + Array("jumd".utf8) + [UInt8](repeating: 0, count: 17) }
        XCTAssertThrowsError(try JUMBFSuperbox.decode(input)) { error in
            guard case .tooDeep? = error as? JUMBFError else { return XCTFail("\(error)") }
        }
    }
}
