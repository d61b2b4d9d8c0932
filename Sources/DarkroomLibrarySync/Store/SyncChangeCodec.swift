import DarkroomStore
import Foundation
import GRDB

/// The byte format of a batch of `SyncChange`s (an envelope's payload before encryption).
///
/// Version 1: `"DRCS" | 0x01 | name count u16 | names | count u32 |` then per change: entity,
/// key, field (strings), clock i64, device (string), value count u16, then per value the
/// index of its column name in the name table (u16) and a typed value: `0` null, `1` i64,
/// `2` f64 (bit pattern), `3` string, `4` bytes. Integers are little-endian; strings and bytes
/// are a u32 length and the bytes (UTF-8 for strings). Hand-written rather than JSON, with
/// column names stored once per batch: a first sync moves 100,000 records.
public enum SyncChangeCodec {
    private static let magic: [UInt8] = Array("DRCS".utf8) + [1]

    /// Why a payload does not decode.
    public struct MalformedPayload: Error, CustomStringConvertible {
        /// What was wrong.
        public var description: String
    }

    /// Encodes `changes`.
    public static func encode(_ changes: [SyncChange]) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(64 + changes.count * 256)
        out += magic
        var nameIndex: [String: UInt16] = [:]
        var names: [String] = []
        for change in changes {
            for name in change.values.keys where nameIndex[name] == nil {
                nameIndex[name] = UInt16(names.count)
                names.append(name)
            }
        }
        put(UInt16(names.count), &out)
        for name in names { put(name, &out) }
        put(UInt32(changes.count), &out)
        for change in changes {
            put(change.entity.rawValue, &out)
            put(change.key, &out)
            put(change.field, &out)
            put(UInt64(bitPattern: change.clock.rawValue), &out)
            put(change.device, &out)
            put(UInt16(change.values.count), &out)
            for (name, value) in change.values {
                put(nameIndex[name]!, &out)
                switch value.storage {
                case .null: out.append(0)
                case .int64(let v): out.append(1); put(UInt64(bitPattern: v), &out)
                case .double(let v): out.append(2); put(v.bitPattern, &out)
                case .string(let v): out.append(3); put(v, &out)
                case .blob(let v): out.append(4); put(UInt32(v.count), &out); out += v
                }
            }
        }
        return Data(out)
    }

    /// Decodes a payload made by `encode`.
    /// - Throws: `MalformedPayload` for anything else.
    public static func decode(_ data: Data) throws -> [SyncChange] {
        try data.withUnsafeBytes { raw -> [SyncChange] in
            var reader = Reader(bytes: raw)
            guard try reader.bytes(magic.count).elementsEqual(magic) else { throw MalformedPayload(description: "not a change batch (bad magic or version)") }
            let names = try (0..<reader.u16()).map { _ in try reader.string() }
            let count = try reader.u32()
            guard count <= raw.count / 16 else { throw MalformedPayload(description: "change count \(count) exceeds the payload") }
            var changes: [SyncChange] = []
            changes.reserveCapacity(Int(count))
            for _ in 0..<count {
                guard let entity = SyncEntity(rawValue: try reader.string()) else { throw MalformedPayload(description: "unknown entity") }
                let key = try reader.string()
                let field = try reader.string()
                let clock = SyncClock(rawValue: Int64(bitPattern: try reader.u64()))
                let device = try reader.string()
                let valueCount = try reader.u16()
                var values: [String: DatabaseValue] = [:]
                values.reserveCapacity(Int(valueCount))
                for _ in 0..<valueCount {
                    let index = Int(try reader.u16())
                    guard index < names.count else { throw MalformedPayload(description: "a value names column \(index) of \(names.count)") }
                    let name = names[index]
                    switch try reader.u8() {
                    case 0: values[name] = .null
                    case 1: values[name] = Int64(bitPattern: try reader.u64()).databaseValue
                    case 2: values[name] = Double(bitPattern: try reader.u64()).databaseValue
                    case 3: values[name] = try reader.string().databaseValue
                    case 4: values[name] = Data(try reader.bytes(Int(try reader.u32()))).databaseValue
                    default: throw MalformedPayload(description: "unknown value type")
                    }
                }
                changes.append(SyncChange(entity: entity, key: key, field: field, clock: clock, device: device, values: values))
            }
            guard reader.isAtEnd else { throw MalformedPayload(description: "trailing bytes after the last change") }
            return changes
        }
    }

    private static func put(_ v: UInt16, _ out: inout [UInt8]) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    private static func put(_ v: UInt32, _ out: inout [UInt8]) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    private static func put(_ v: UInt64, _ out: inout [UInt8]) { withUnsafeBytes(of: v.littleEndian) { out += $0 } }
    private static func put(_ s: String, _ out: inout [UInt8]) {
        var s = s
        s.withUTF8 { utf8 in
            put(UInt32(utf8.count), &out)
            out += utf8
        }
    }

    private struct Reader {
        let bytes: UnsafeRawBufferPointer
        var offset = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        var isAtEnd: Bool { offset == bytes.count }

        mutating func bytes(_ n: Int) throws -> UnsafeRawBufferPointer.SubSequence {
            guard n >= 0, n <= bytes.count - offset else { throw MalformedPayload(description: "truncated change batch") }
            defer { offset += n }
            return bytes[offset..<(offset + n)]
        }

        mutating func u8() throws -> UInt8 { try bytes(1).first! }
        mutating func u16() throws -> UInt16 { UInt16(try integer(2)) }
        mutating func u32() throws -> UInt32 { UInt32(try integer(4)) }
        mutating func u64() throws -> UInt64 { try integer(8) }

        private mutating func integer(_ width: Int) throws -> UInt64 {
            var v: UInt64 = 0
            for (i, byte) in try bytes(width).enumerated() { v |= UInt64(byte) << (8 * UInt64(i)) }
            return v
        }

        mutating func string() throws -> String {
            let slice = try bytes(Int(try u32()))
            let utf8 = UnsafeRawBufferPointer(rebasing: slice).assumingMemoryBound(to: UInt8.self)
            guard let s = String(validating: utf8, as: UTF8.self) else { throw MalformedPayload(description: "a string is not UTF-8") }
            return s
        }
    }
}
