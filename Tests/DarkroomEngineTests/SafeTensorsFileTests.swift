import Foundation
import Testing
@testable import DarkroomEngine

/// Builds safetensors bytes for tests: an 8-byte little-endian header length, the JSON header, the data.
struct SafeTensorsBytes {
    /// `(name, dtype, shape, raw little-endian bytes)` in data order.
    var tensors: [(name: String, dtype: String, shape: [Int], bytes: [UInt8])]

    /// The JSON header text.
    var header: String {
        var offset = 0
        let entries = tensors.map { t -> String in
            defer { offset += t.bytes.count }
            return "\"\(t.name)\":{\"dtype\":\"\(t.dtype)\",\"shape\":\(t.shape),\"data_offsets\":[\(offset),\(offset + t.bytes.count)]}"
        }
        return "{\"__metadata__\":{\"format\":\"pt\"}," + entries.joined(separator: ",") + "}"
    }

    /// The whole file.
    var file: [UInt8] {
        let headerBytes = Array(header.utf8)
        var out = withUnsafeBytes(of: UInt64(headerBytes.count).littleEndian) { Array($0) }
        out += headerBytes
        for t in tensors { out += t.bytes }
        return out
    }

    static func float32(_ values: [Float]) -> [UInt8] {
        values.flatMap { withUnsafeBytes(of: $0.bitPattern.littleEndian) { Array($0) } }
    }
}

/// A scratch directory removed when the value is released.
final class ScratchDirectory {
    let url: URL
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(at: url) }

    func write(_ bytes: [UInt8], name: String = "model.safetensors") throws -> URL {
        let file = url.appendingPathComponent(name)
        try Data(bytes).write(to: file)
        return file
    }
}

@Suite struct SafeTensorsFileTests {
    static let sample = SafeTensorsBytes(tensors: [
        ("a", "F32", [2, 2], SafeTensorsBytes.float32([1, -2, 3.5, 0.25])),
        ("b", "F16", [3], [0x00, 0x3C, 0x00, 0xC0, 0x00, 0x35]),       // 1, -2, 0.3125
        ("c", "BF16", [2], [0x80, 0x3F, 0x40, 0xC0]),                  // 1, -3
    ])

    @Test func readsF32F16AndBF16() throws {
        let scratch = try ScratchDirectory()
        let file = try SafeTensorsFile(url: try scratch.write(Self.sample.file))
        #expect(file.metadata == ["format": "pt"])
        #expect(try file.tensor(named: "a") == Tensor(shape: [2, 2], scalars: [1, -2, 3.5, 0.25]))
        #expect(try file.tensor(named: "b").scalars == [1, -2, 0.3125])
        #expect(try file.tensor(named: "c").scalars == [1, -3])
    }

    private func loadError(_ bytes: [UInt8]) throws -> ModelLoadError? {
        let scratch = try ScratchDirectory()
        let url = try scratch.write(bytes)
        do {
            _ = try SafeTensorsFile(url: url)
            return nil
        } catch {
            return error
        }
    }

    @Test func rejectsEachKindOfMalformedFile() throws {
        var bytes = Self.sample.file
        // Truncated below the length field, and a header length past the end.
        #expect(try loadError(Array(bytes.prefix(5))).map { if case .truncatedFile = $0 { true } else { false } } == true)
        bytes[0] = 0xFF; bytes[1] = 0xFF
        #expect(try loadError(bytes).map { if case .headerLengthBeyondFile = $0 { true } else { false } } == true)
        // Truncated data section.
        #expect(try loadError(Array(Self.sample.file.dropLast(3))).map { if case .overlappingOrGappedTensors = $0 { true } else { if case .offsetsOutOfRange = $0 { true } else { false } } } == true)

        func variant(_ edit: (inout SafeTensorsBytes) -> Void) -> [UInt8] {
            var copy = Self.sample
            edit(&copy)
            return copy.file
        }
        let unknown = variant { $0.tensors[1].dtype = "F8_E4M3" }
        #expect(try loadError(unknown).map { if case .unknownDType(_, "b", "F8_E4M3") = $0 { true } else { false } } == true)
        let mismatch = variant { $0.tensors[0].shape = [2, 3] }
        #expect(try loadError(mismatch).map { if case .byteSizeMismatch(_, "a", 24, 16) = $0 { true } else { false } } == true)

        // Non-UTF-8 and non-JSON headers.
        var header = Array("{\"a\":1}".utf8)
        header[1] = 0xC3
        var raw = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + header
        #expect(try loadError(raw).map { if case .headerNotUTF8 = $0 { true } else { false } } == true)
        header = Array("[1,2,3]".utf8)
        raw = withUnsafeBytes(of: UInt64(header.count).littleEndian) { Array($0) } + header
        #expect(try loadError(raw).map { if case .headerNotJSON = $0 { true } else { false } } == true)

        // Overlapping offsets: two entries claiming the same bytes.
        let overlapping = "{\"x\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"y\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}"
        raw = withUnsafeBytes(of: UInt64(overlapping.utf8.count).littleEndian) { Array($0) } + Array(overlapping.utf8) + [0, 0, 0, 0]
        #expect(try loadError(raw).map { if case .overlappingOrGappedTensors = $0 { true } else { false } } == true)
        // Out-of-range offsets.
        let outside = "{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}"
        raw = withUnsafeBytes(of: UInt64(outside.utf8.count).littleEndian) { Array($0) } + Array(outside.utf8) + [0, 0, 0, 0]
        #expect(try loadError(raw).map { if case .offsetsOutOfRange(_, "x", 0, 8, 4) = $0 { true } else { false } } == true)
    }

    /// Random byte flips, truncations and length-field edits of a valid file: every outcome is a
    /// clean error or a valid load whose tensors can all be read, never a crash.
    @Test func fuzzedHeadersThrowOrLoadButNeverCrash() throws {
        let scratch = try ScratchDirectory()
        let original = Self.sample.file
        let headerEnd = 8 + Int(original[0]) + Int(original[1]) << 8
        var generator = SplitMix64(seed: 0x5eed)
        var outcomes = (errors: 0, loads: 0)
        for iteration in 0..<3000 {
            var bytes = original
            switch iteration % 4 {
            case 0:  // flip 1-4 random bytes in the length field or header
                for _ in 0..<(1 + Int(generator.next() % 4)) {
                    let index = Int(generator.next() % UInt64(headerEnd))
                    bytes[index] ^= UInt8(truncatingIfNeeded: generator.next() | 1)
                }
            case 1:  // truncate anywhere
                bytes = Array(bytes.prefix(Int(generator.next() % UInt64(bytes.count))))
            case 2:  // rewrite the length field
                let length = [UInt64(0), 1, 7, UInt64(headerEnd - 9), UInt64(headerEnd - 7), UInt64.max, UInt64(generator.next() % 4096)]
                withUnsafeBytes(of: length[Int(generator.next() % UInt64(length.count))].littleEndian) { bytes.replaceSubrange(0..<8, with: $0) }
            default:  // overwrite a header digit or quote with another printable character
                let index = 8 + Int(generator.next() % UInt64(headerEnd - 8))
                bytes[index] = Array("0123456789\"{}[],:-eE.".utf8)[Int(generator.next() % 21)]
            }
            let url = try scratch.write(bytes, name: "fuzz.safetensors")
            do {
                let file = try SafeTensorsFile(url: url)
                for name in file.entries.keys { _ = try file.tensor(named: name) }
                outcomes.loads += 1
            } catch {
                #expect(!error.description.isEmpty)
                outcomes.errors += 1
            }
        }
        #expect(outcomes.errors > 1000)
        #expect(outcomes.errors + outcomes.loads == 3000)
    }
}

/// A small deterministic PRNG for tests.
struct SplitMix64 {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}
