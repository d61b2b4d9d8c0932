/// Where one chunk lies in a PNG file, for code that edits files chunk by chunk without
/// decoding them (embedding or removing a C2PA manifest store, for example).
public struct PNGChunkLocation: Sendable, Equatable {
    /// The four-letter chunk type, e.g. `IHDR` or `caBX`.
    public var type: String
    /// The whole chunk: its length field, type, data and CRC.
    public var range: Range<Int>
    /// The chunk's data alone.
    public var dataRange: Range<Int>
}

extension PNGCodec {
    /// The chunks of a PNG file in file order, up to and including `IEND`, after checking
    /// the signature, each chunk's framing and its CRC.
    ///
    /// - Throws: `PNGError` when the file's chunk structure is broken.
    public static func chunkLocations(in bytes: [UInt8]) throws -> [PNGChunkLocation] {
        try PNGChunk.readAll(from: bytes).map { chunk in
            PNGChunkLocation(type: chunk.type, range: (chunk.data.startIndex - 8)..<(chunk.data.endIndex + 4),
                             dataRange: chunk.data.startIndex..<chunk.data.endIndex)
        }
    }

    /// One chunk framed for a PNG file: big-endian length, `type`, `data` and the CRC.
    public static func framedChunk(type: String, data: [UInt8]) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(data.count + 12)
        PNGChunk.write(type: type, data: data, to: &output)
        return output
    }
}
