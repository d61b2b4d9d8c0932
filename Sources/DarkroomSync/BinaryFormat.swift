import Foundation

/// Appends fixed-width big-endian integers and length-prefixed fields: the canonical
/// encoding of envelope headers and checkpoints.
struct BinaryWriter {
    private(set) var data = Data()

    mutating func bytes(_ d: Data) { data.append(d) }
    mutating func u8(_ v: UInt8) { data.append(v) }
    mutating func u16(_ v: UInt16) { Swift.withUnsafeBytes(of: v.bigEndian) { data.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { Swift.withUnsafeBytes(of: v.bigEndian) { data.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { Swift.withUnsafeBytes(of: v.bigEndian) { data.append(contentsOf: $0) } }
    /// A UTF-8 string with a 16-bit length.
    mutating func string(_ s: String) {
        let utf8 = Data(s.utf8)
        u16(UInt16(utf8.count))
        data.append(utf8)
    }
    /// Bytes with a 32-bit length.
    mutating func blob(_ d: Data) {
        u32(UInt32(d.count))
        data.append(d)
    }
}

/// Reads what `BinaryWriter` wrote; every read checks bounds and throws
/// `SyncError.malformed` naming the field when the data ends early.
struct BinaryReader {
    let data: Data
    private(set) var offset = 0

    init(_ data: Data) { self.data = Data(data) }

    var isAtEnd: Bool { offset == data.count }

    mutating func bytes(_ n: Int, _ field: String) throws -> Data {
        guard n >= 0, data.count - offset >= n else { throw SyncError.malformed("data ends inside \(field)") }
        defer { offset += n }
        return data.subdata(in: offset..<(offset + n))
    }
    mutating func u8(_ field: String) throws -> UInt8 { try bytes(1, field)[0] }
    mutating func u16(_ field: String) throws -> UInt16 { UInt16(try uint(2, field)) }
    mutating func u32(_ field: String) throws -> UInt32 { UInt32(try uint(4, field)) }
    mutating func u64(_ field: String) throws -> UInt64 { try uint(8, field) }
    mutating func string(_ field: String) throws -> String {
        let n = Int(try u16(field))
        guard let s = String(data: try bytes(n, field), encoding: .utf8) else { throw SyncError.malformed("\(field) is not UTF-8") }
        return s
    }
    mutating func blob(_ field: String, maximum: Int = 1 << 30) throws -> Data {
        let n = Int(try u32(field))
        guard n <= maximum else { throw SyncError.malformed("\(field) claims \(n) bytes, more than the \(maximum) allowed") }
        return try bytes(n, field)
    }
    private mutating func uint(_ n: Int, _ field: String) throws -> UInt64 {
        try bytes(n, field).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
}
