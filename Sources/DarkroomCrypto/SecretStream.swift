import CSodium
import Foundation

/// Chunked encryption of large data (image blobs) with libsodium's
/// `crypto_secretstream_xchacha20poly1305`, streaming from and to `Data` or `FileHandle`.
///
/// ## Format (version 1)
/// ```
/// "DRSS" (4 bytes) | version 0x01 | chunk size (UInt32, big-endian) | secretstream header (24 bytes)
/// chunk 1 | chunk 2 | ... | chunk n
/// ```
/// Every chunk is `plaintext + 17` bytes (1 encrypted tag byte, 16-byte MAC). Chunks 1 to
/// n-1 carry exactly `chunk size` plaintext bytes and the tag `MESSAGE`; chunk n carries
/// 0 to `chunk size` bytes and the tag `FINAL`. Each chunk authenticates the 9-byte prefix
/// (magic, version, chunk size) as associated data. Chunk order is bound by the stream
/// state, so reordered, dropped, altered or appended chunks fail, and a stream cut at a
/// chunk boundary fails because no chunk tagged `FINAL` arrives.
public enum SecretStream {
    /// Plaintext bytes per chunk unless the caller chooses otherwise.
    public static let defaultChunkSize = 1 << 20
    /// Smallest and largest accepted chunk sizes.
    public static let chunkSizeRange = 1...(64 << 20)
    /// Bytes each chunk adds to its plaintext.
    public static let chunkOverhead = Int(crypto_secretstream_xchacha20poly1305_abytes())
    /// Length of libsodium's stream header.
    public static let headerByteCount = Int(crypto_secretstream_xchacha20poly1305_headerbytes())
    /// Length of this format's prefix: magic, version, chunk size.
    public static let prefixByteCount = 9
    private static let magic = Data("DRSS".utf8)
    private static let version: UInt8 = 1

    /// Byte counts of one encryption or decryption.
    public struct Counts: Sendable, Equatable {
        /// Plaintext bytes.
        public var plaintextBytes: Int
        /// Ciphertext bytes, prefix and header included.
        public var ciphertextBytes: Int
    }

    /// Encrypts `plaintext` into the format above.
    public static func encrypt(_ plaintext: Data, key: SymmetricKey, chunkSize: Int = defaultChunkSize) throws -> Data {
        var reader = DataReader(data: plaintext)
        var out = Data()
        out.reserveCapacity(plaintext.count + (plaintext.count / chunkSize + 1) * chunkOverhead + 64)
        _ = try encrypt(read: { reader.read($0) }, write: { out.append($0) }, key: key, chunkSize: chunkSize)
        return out
    }

    /// Decrypts data produced by `encrypt`.
    /// - Throws: `CryptoError.authenticationFailed`, `.truncatedStream`, `.trailingData` or `.malformed`.
    public static func decrypt(_ ciphertext: Data, key: SymmetricKey) throws -> Data {
        var reader = DataReader(data: ciphertext)
        var out = Data()
        _ = try decrypt(read: { reader.read($0) }, write: { out.append($0) }, key: key)
        return out
    }

    /// Encrypts everything readable from `input` into `output`, one chunk in memory at a time.
    public static func encrypt(from input: FileHandle, to output: FileHandle, key: SymmetricKey,
                               chunkSize: Int = defaultChunkSize) throws -> Counts {
        try encrypt(read: { try readFully(input, $0) }, write: { try output.write(contentsOf: $0) }, key: key, chunkSize: chunkSize)
    }

    /// Decrypts everything readable from `input` into `output`. On failure `output` may hold
    /// a verified prefix of the plaintext: delete it.
    public static func decrypt(from input: FileHandle, to output: FileHandle, key: SymmetricKey) throws -> Counts {
        try decrypt(read: { try readFully(input, $0) }, write: { try output.write(contentsOf: $0) }, key: key)
    }

    /// The one encryption loop behind every overload, for callers that stream elsewhere
    /// (hashing the ciphertext as it is written, say). `read(n)` must return `n` bytes,
    /// fewer only at the end of the input.
    public static func encrypt(read: (Int) throws -> Data, write: (Data) throws -> Void, key: SymmetricKey, chunkSize: Int) throws -> Counts {
        guard chunkSizeRange.contains(chunkSize) else { throw CryptoError.malformed("chunk size \(chunkSize) outside \(chunkSizeRange)") }
        Sodium.ensureInitialized()
        var prefix = magic
        prefix.append(version)
        prefix.append(contentsOf: withUnsafeBytes(of: UInt32(chunkSize).bigEndian, Array.init))
        var state = crypto_secretstream_xchacha20poly1305_state()
        var header = Data(count: headerByteCount)
        Sodium.withMutablePointer(&header) { h, _ in
            key.storage.withUnsafeBytes { k in _ = crypto_secretstream_xchacha20poly1305_init_push(&state, h, k) }
        }
        defer { withUnsafeMutableBytes(of: &state) { sodium_memzero($0.baseAddress!, $0.count) } }
        try write(prefix + header)
        var counts = Counts(plaintextBytes: 0, ciphertextBytes: prefix.count + header.count)
        var current = try read(chunkSize)
        while true {
            let next = current.count == chunkSize ? try read(chunkSize) : Data()
            let isFinal = next.isEmpty
            let tag = isFinal ? crypto_secretstream_xchacha20poly1305_tag_final() : crypto_secretstream_xchacha20poly1305_tag_message()
            var written: UInt64 = 0
            // Each chunk gets its own buffer, handed to `write` without a copy: `write` may keep the chunk
            // (a pipeline stage hashing or writing it on another thread), and reusing one buffer would then
            // copy a whole chunk on every iteration (copy-on-write).
            let capacity = current.count + chunkOverhead
            let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
            Sodium.withPointer(current) { m, mlen in
                Sodium.withPointer(prefix) { ad, adlen in
                    _ = crypto_secretstream_xchacha20poly1305_push(&state, buffer, &written, m, UInt64(mlen), ad, UInt64(adlen), tag)
                }
            }
            try write(Data(bytesNoCopy: buffer, count: Int(written), deallocator: .custom { pointer, _ in
                pointer.assumingMemoryBound(to: UInt8.self).deallocate()
            }))
            counts.plaintextBytes += current.count
            counts.ciphertextBytes += Int(written)
            if isFinal { return counts }
            current = next
        }
    }

    /// The one decryption loop behind every overload; `read(n)` as for `encrypt`. `write`
    /// receives verified plaintext chunk by chunk: discard it all if this throws.
    public static func decrypt(read: (Int) throws -> Data, write: (Data) throws -> Void, key: SymmetricKey) throws -> Counts {
        Sodium.ensureInitialized()
        let prefix = try read(prefixByteCount)
        guard prefix.count == prefixByteCount else { throw CryptoError.truncatedStream }
        guard prefix.prefix(4) == magic else { throw CryptoError.malformed("not a Darkroom encrypted stream (bad magic)") }
        guard prefix[prefix.startIndex + 4] == version else {
            throw CryptoError.malformed("encrypted stream version \(prefix[prefix.startIndex + 4]) is not supported (expected \(version))")
        }
        let chunkSize = Int(prefix.suffix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        guard chunkSizeRange.contains(chunkSize) else { throw CryptoError.malformed("chunk size \(chunkSize) outside \(chunkSizeRange)") }
        let header = try read(headerByteCount)
        guard header.count == headerByteCount else { throw CryptoError.truncatedStream }
        var state = crypto_secretstream_xchacha20poly1305_state()
        let rcInit = Sodium.withPointer(header) { h, _ in
            key.storage.withUnsafeBytes { k in crypto_secretstream_xchacha20poly1305_init_pull(&state, h, k) }
        }
        defer { withUnsafeMutableBytes(of: &state) { sodium_memzero($0.baseAddress!, $0.count) } }
        guard rcInit == 0 else { throw CryptoError.malformed("invalid secretstream header") }
        var counts = Counts(plaintextBytes: 0, ciphertextBytes: prefixByteCount + headerByteCount)
        var plain = Data(count: chunkSize)
        let finalTag = crypto_secretstream_xchacha20poly1305_tag_final()
        while true {
            let chunk = try read(chunkSize + chunkOverhead)
            if chunk.isEmpty { throw CryptoError.truncatedStream }
            guard chunk.count >= chunkOverhead else { throw CryptoError.truncatedStream }
            var plainLength: UInt64 = 0
            var tag: UInt8 = 0
            let rc = Sodium.withMutablePointer(&plain) { m, _ in
                Sodium.withPointer(chunk) { c, clen in
                    Sodium.withPointer(prefix) { ad, adlen in
                        crypto_secretstream_xchacha20poly1305_pull(&state, m, &plainLength, &tag, c, UInt64(clen), ad, UInt64(adlen))
                    }
                }
            }
            guard rc == 0 else { throw CryptoError.authenticationFailed }
            try write(plain.prefix(Int(plainLength)))
            counts.plaintextBytes += Int(plainLength)
            counts.ciphertextBytes += chunk.count
            if tag == finalTag {
                guard try read(1).isEmpty else { throw CryptoError.trailingData }
                return counts
            }
            // A short chunk that is not final means the stream was cut inside a chunk.
            guard Int(plainLength) == chunkSize else { throw CryptoError.truncatedStream }
        }
    }

    /// A `read` function for the streaming overloads that reads `handle` until it has `n`
    /// bytes or reaches the end.
    public static func reader(for handle: FileHandle) -> (Int) throws -> Data {
        { try readFully(handle, $0) }
    }

    /// Reads with `read(2)` straight into the chunk's own buffer: no intermediate `Data` per call and
    /// no append copy (a whole chunk copied once more per iteration, measurable on a 1 MiB stream).
    private static func readFully(_ handle: FileHandle, _ count: Int) throws -> Data {
        var out = Data(count: count)
        let filled = try out.withUnsafeMutableBytes { (raw: UnsafeMutableRawBufferPointer) -> Int in
            var filled = 0
            while filled < count {
                let n = read(handle.fileDescriptor, raw.baseAddress! + filled, count - filled)
                if n > 0 { filled += n; continue }
                if n == 0 { break }
                if errno == EINTR { continue }
                throw CryptoError.malformed("reading the input failed: \(String(cString: strerror(errno)))")
            }
            return filled
        }
        if filled < count { out.removeSubrange(filled..<count) }
        return out
    }

    /// Sequential reads over in-memory data.
    private struct DataReader {
        let data: Data
        var offset = 0
        mutating func read(_ count: Int) -> Data {
            let start = data.startIndex + offset
            let end = min(start + count, data.endIndex)
            offset = end - data.startIndex
            return data[start..<end]
        }
    }
}
