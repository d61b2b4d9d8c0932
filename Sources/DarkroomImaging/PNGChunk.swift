/// One chunk of a PNG stream: its four-letter type and its payload.
struct PNGChunk {
    /// The chunk type, e.g. `IHDR`.
    var type: String
    /// The payload (a slice of the file's bytes).
    var data: ArraySlice<UInt8>

    /// Whether the chunk is critical (upper-case first letter): a decoder that
    /// does not know it must refuse the file.
    var isCritical: Bool { type.utf8.first.map { $0 & 0x20 == 0 } ?? false }

    /// The 8 bytes every PNG file starts with.
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Splits a PNG file into its chunks, checking the signature, each chunk's
    /// length and CRC, and stopping after `IEND`.
    static func readAll(from bytes: [UInt8]) throws -> [PNGChunk] {
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else { throw PNGError.notPNG }
        var chunks: [PNGChunk] = []
        var offset = 8
        while true {
            guard offset + 8 <= bytes.count else { throw PNGError.truncated }
            let length = Int(ByteReading.uint32(bytes, at: offset))
            let typeBytes = bytes[(offset + 4)..<(offset + 8)]
            guard typeBytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
                throw PNGError.malformedChunk(chunk: "at byte \(offset)", reason: "chunk type is not four letters")
            }
            let type = String(decoding: typeBytes, as: UTF8.self)
            guard length <= Int(Int32.max) else {
                throw PNGError.malformedChunk(chunk: type, reason: "length \(length) exceeds 2^31-1")
            }
            let dataStart = offset + 8
            guard dataStart + length + 4 <= bytes.count else { throw PNGError.truncated }
            let stored = ByteReading.uint32(bytes, at: dataStart + length)
            let computed = bytes.withUnsafeBytes { raw in
                Zlib.crc32(UnsafeRawBufferPointer(rebasing: raw[(offset + 4)..<(dataStart + length)]))
            }
            guard stored == computed else { throw PNGError.badCRC(chunk: type) }
            chunks.append(PNGChunk(type: type, data: bytes[dataStart..<(dataStart + length)]))
            offset = dataStart + length + 4
            if type == "IEND" { return chunks }
        }
    }

    /// Appends a chunk with its length and CRC to `output`.
    static func write(type: String, data: [UInt8], to output: inout [UInt8]) {
        output += ByteReading.bigEndian(UInt32(data.count))
        let start = output.count
        output += Array(type.utf8)
        output += data
        let crc = output.withUnsafeBytes { raw in Zlib.crc32(UnsafeRawBufferPointer(rebasing: raw[start...])) }
        output += ByteReading.bigEndian(crc)
    }
}
