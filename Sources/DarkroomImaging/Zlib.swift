import CZlib

/// Thin wrappers over the system zlib: whole-buffer deflate and inflate, and CRC-32.
enum Zlib {
    /// The CRC-32 of `bytes` continuing from `crc` (0 to start), as PNG chunks use it.
    static func crc32(_ bytes: UnsafeRawBufferPointer, continuing crc: UInt32 = 0) -> UInt32 {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return crc }
        return UInt32(CZlib.crc32(uLong(crc), base.assumingMemoryBound(to: Bytef.self), uInt(bytes.count)))
    }

    /// Compresses `input` into a zlib stream (RFC 1950) at `level` (0–9, clamped).
    ///
    /// The output depends only on the input, the level and the zlib version, so
    /// the same input always yields the same bytes.
    static func deflate(_ input: [UInt8], level: Int) throws -> [UInt8] {
        var stream = z_stream()
        let clamped = Int32(max(0, min(9, level)))
        var status = deflateInit2_(&stream, clamped, Z_DEFLATED, MAX_WBITS, 8, Z_DEFAULT_STRATEGY,
                                   zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw PNGError.zlib(code: status, message: "deflateInit2 failed") }
        defer { deflateEnd(&stream) }
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(input.count))) + 16)
        let produced: Int = try input.withUnsafeBufferPointer { source in
            try output.withUnsafeMutableBufferPointer { destination in
                stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
                stream.avail_in = uInt(source.count)
                stream.next_out = destination.baseAddress
                stream.avail_out = uInt(destination.count)
                status = CZlib.deflate(&stream, Z_FINISH)
                guard status == Z_STREAM_END else {
                    throw PNGError.zlib(code: status, message: Zlib.message(stream))
                }
                return destination.count - Int(stream.avail_out)
            }
        }
        output.removeSubrange(produced...)
        return output
    }

    /// Inflates a zlib stream expected to hold exactly `expectedSize` bytes.
    ///
    /// Throws `decompressedSizeMismatch` when the stream holds more or fewer
    /// bytes; never allocates more than `expectedSize + 1` bytes of output.
    static func inflate(_ input: [UInt8], expectedSize: Int) throws -> [UInt8] {
        let (bytes, complete) = try inflate(input, limit: expectedSize + 1)
        guard bytes.count == expectedSize else {
            throw PNGError.decompressedSizeMismatch(expected: expectedSize, actual: bytes.count)
        }
        guard complete else { throw PNGError.truncated }
        return bytes
    }

    /// Inflates a zlib stream, stopping after `limit` output bytes.
    ///
    /// Returns the bytes and whether the stream ended properly (false when it
    /// was cut short or the limit was reached first).
    static func inflate(_ input: [UInt8], limit: Int) throws -> (bytes: [UInt8], complete: Bool) {
        var stream = z_stream()
        var status = inflateInit2_(&stream, MAX_WBITS, zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw PNGError.zlib(code: status, message: "inflateInit2 failed") }
        defer { inflateEnd(&stream) }
        var output = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: min(max(limit, 1), 1 << 20))
        try input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = uInt(source.count)
            while output.count < limit {
                let room = min(chunk.count, limit - output.count)
                let produced: Int = chunk.withUnsafeMutableBufferPointer { destination in
                    stream.next_out = destination.baseAddress
                    stream.avail_out = uInt(room)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    return room - Int(stream.avail_out)
                }
                output.append(contentsOf: chunk[0..<produced])
                if status == Z_STREAM_END { return }
                if status == Z_BUF_ERROR && produced == 0 { return }  // input exhausted
                guard status == Z_OK else {
                    throw PNGError.zlib(code: status, message: Zlib.message(stream))
                }
            }
        }
        return (output, status == Z_STREAM_END)
    }

    private static func message(_ stream: z_stream) -> String {
        stream.msg.map { String(cString: $0) } ?? "no detail"
    }
}
