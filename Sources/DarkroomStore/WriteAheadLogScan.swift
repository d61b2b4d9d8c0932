import Foundation

/// What a SQLite write-ahead log file holds, read straight from the file (format: sqlite.org/walformat.html).
///
/// The library keeps its log between opens, so recent commits live only there until a checkpoint
/// copies them into the database file. SQLite treats a missing log as empty and stops reading a log
/// at the first frame whose checksum fails, without a word: the commits after it vanish. This scan
/// lets the store notice that (``LogWitness``).
struct WriteAheadLogScan: Equatable, Sendable {
    /// The salts of the log's header: they change each time SQLite starts the log over.
    var salt1: UInt32
    var salt2: UInt32
    /// How many frames the log holds up to and including its last valid commit frame.
    var committedFrames: Int

    static let headerSize = 32
    static let frameHeaderSize = 24

    /// Scans the log at `path`. Nil when there is no file or no valid header.
    ///
    /// Frames count only while their salts match the header and their cumulative checksums hold, as
    /// SQLite reads them (a flipped byte ends the valid log there). `maxFrames` stops the scan early
    /// (0: the header alone).
    static func scan(path: String, maxFrames: Int = .max) -> WriteAheadLogScan? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let header = try? handle.read(upToCount: headerSize), header.count == headerSize else { return nil }
        let bytes = [UInt8](header)
        let magic = word(bytes, 0, bigEndian: true)
        guard magic == 0x377f_0682 || magic == 0x377f_0683 else { return nil }
        let bigEndian = magic & 1 == 1
        let pageSize = Int(word(bytes, 8, bigEndian: true))
        guard pageSize >= 512, pageSize <= 65536, pageSize & (pageSize - 1) == 0 else { return nil }
        var sum = Checksum(bigEndian: bigEndian)
        sum.add(bytes[0..<24])
        guard sum.s1 == word(bytes, 24, bigEndian: true), sum.s2 == word(bytes, 28, bigEndian: true) else { return nil }
        let salt1 = word(bytes, 16, bigEndian: true), salt2 = word(bytes, 20, bigEndian: true)
        var result = WriteAheadLogScan(salt1: salt1, salt2: salt2, committedFrames: 0)
        var frames = 0
        let frameSize = frameHeaderSize + pageSize
        while frames < maxFrames {
            guard let chunk = try? handle.read(upToCount: frameSize), chunk.count == frameSize else { break }
            let frame = [UInt8](chunk)
            guard word(frame, 8, bigEndian: true) == salt1, word(frame, 12, bigEndian: true) == salt2 else { break }
            sum.add(frame[0..<8])
            sum.add(frame[frameHeaderSize...])
            guard sum.s1 == word(frame, 16, bigEndian: true), sum.s2 == word(frame, 20, bigEndian: true) else { break }
            frames += 1
            if word(frame, 4, bigEndian: true) != 0 { result.committedFrames = frames }   // a commit frame
        }
        return result
    }

    private static func word<C: RandomAccessCollection>(_ bytes: C, _ offset: Int, bigEndian: Bool) -> UInt32
    where C.Element == UInt8, C.Index == Int {
        let base = bytes.startIndex + offset
        let (b0, b1, b2, b3) = (UInt32(bytes[base]), UInt32(bytes[base + 1]), UInt32(bytes[base + 2]), UInt32(bytes[base + 3]))
        return bigEndian ? b0 << 24 | b1 << 16 | b2 << 8 | b3 : b3 << 24 | b2 << 16 | b1 << 8 | b0
    }

    /// SQLite's log checksum: over 32-bit words in the byte order the magic number names,
    /// `s1 += x[i] + s2; s2 += x[i+1] + s1`, carried from the header through every frame.
    private struct Checksum {
        var bigEndian: Bool
        var s1: UInt32 = 0
        var s2: UInt32 = 0

        mutating func add(_ bytes: ArraySlice<UInt8>) {
            bytes.withUnsafeBufferPointer { buffer in
                var i = 0
                let n = buffer.count
                var (a, b) = (s1, s2)
                while i + 8 <= n {
                    let x0 = WriteAheadLogScan.word(buffer, i, bigEndian: bigEndian)
                    let x1 = WriteAheadLogScan.word(buffer, i + 4, bigEndian: bigEndian)
                    a = a &+ x0 &+ b
                    b = b &+ x1 &+ a
                    i += 8
                }
                (s1, s2) = (a, b)
            }
        }
    }
}
