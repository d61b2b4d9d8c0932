import DarkroomCrypto
import Foundation

/// Everything needed to fetch and decrypt one blob; it travels inside an (encrypted)
/// envelope payload, never in clear.
public struct BlobReference: Sendable, Equatable, Codable {
    /// The transport name: `blob/<BLAKE2b-256 of the ciphertext>`.
    public var name: ObjectName
    /// The random key this blob alone is encrypted with.
    public var key: SymmetricKey
    /// The plaintext's SHA-256 (hex) when the caller gave it (the store's image hash); checked on open.
    public var plaintextSHA256: String?
    /// Plaintext length in bytes.
    public var plaintextBytes: Int
    /// Ciphertext length in bytes.
    public var ciphertextBytes: Int

    private enum CodingKeys: String, CodingKey { case name, key, plaintextSHA256, plaintextBytes, ciphertextBytes }

    /// A reference with explicit parts.
    public init(name: ObjectName, key: SymmetricKey, plaintextSHA256: String?, plaintextBytes: Int, ciphertextBytes: Int) {
        self.name = name
        self.key = key
        self.plaintextSHA256 = plaintextSHA256
        self.plaintextBytes = plaintextBytes
        self.ciphertextBytes = ciphertextBytes
    }

    /// Decodes, the key from base64.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(ObjectName.self, forKey: .name)
        key = try SymmetricKey(bytes: try c.decode(Data.self, forKey: .key))
        plaintextSHA256 = try c.decodeIfPresent(String.self, forKey: .plaintextSHA256)
        plaintextBytes = try c.decode(Int.self, forKey: .plaintextBytes)
        ciphertextBytes = try c.decode(Int.self, forKey: .ciphertextBytes)
    }

    /// Encodes, the key as base64 (only ever inside an encrypted payload).
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(key.exportedBytes(), forKey: .key)
        try c.encodeIfPresent(plaintextSHA256, forKey: .plaintextSHA256)
        try c.encode(plaintextBytes, forKey: .plaintextBytes)
        try c.encode(ciphertextBytes, forKey: .ciphertextBytes)
    }
}

/// Encrypts image files as secretstream blobs (`SecretStream` format) under a fresh random
/// key per blob, and names each blob by the BLAKE2b-256 of its ciphertext.
///
/// Why a random key per blob rather than one derived from the plaintext hash: a derived
/// (convergent) key lets anyone who has a picture confirm that the library holds it, and
/// ties every copy to one key forever. The key travels in the envelope that references the
/// blob, so it is protected by the epoch key like every other record, and a device revoked
/// later cannot read blobs referenced only by later envelopes.
public enum BlobSealer {
    /// Bytes of ciphertext written between flushes to the disk while sealing a file.
    static let flushInterval = 8 << 20

    /// Encrypts the file at `source` into a new file at `destination`, hashing the
    /// ciphertext as it is written, one chunk in memory at a time.
    public static func seal(fileAt source: URL, to destination: URL, plaintextSHA256: String? = nil,
                            chunkSize: Int = SecretStream.defaultChunkSize) throws -> BlobReference {
        let key = SymmetricKey()
        let input = try FileHandle(forReadingFrom: source)
        defer { try? input.close() }
        guard FileManager.default.createFile(atPath: destination.path, contents: nil) else {
            throw SyncError.blobMismatch("cannot create \(destination.path)")
        }
        let output = try FileHandle(forWritingTo: destination)
        defer { try? output.close() }
        // Hashing and writing each run on their own thread while the next chunk is encrypted.
        let hasher = try GenericHash.Hasher(length: 32)
        let hashing = PipelineStage(label: "darkroom.blob-sealer.hash") { hasher.update($0) }
        // Every 8 MiB the writing thread flushes what it wrote: the disk writes while the next
        // chunks are encrypted and hashed, and the final flush waits only for the tail
        // (about 10% more throughput for a 128 MiB blob on the development VM).
        var unflushed = 0
        let writing = PipelineStage(label: "darkroom.blob-sealer.write") {
            try output.write(contentsOf: $0)
            unflushed += $0.count
            if unflushed >= Self.flushInterval {
                try output.synchronize()
                unflushed = 0
            }
        }
        let counts: SecretStream.Counts
        do {
            counts = try SecretStream.encrypt(read: SecretStream.reader(for: input), write: { chunk in
                hashing.submit(chunk)
                writing.submit(chunk)
            }, key: key, chunkSize: chunkSize)
        } catch {
            hashing.drain()  // no queued work may outlive the file handles
            writing.drain()
            throw error
        }
        hashing.drain()
        try writing.finish()
        try output.synchronize()
        let digest = hasher.finalize()
        return BlobReference(name: name(forDigest: digest), key: key, plaintextSHA256: plaintextSHA256,
                             plaintextBytes: counts.plaintextBytes, ciphertextBytes: counts.ciphertextBytes)
    }

    /// Encrypts in-memory bytes; returns the reference and the ciphertext.
    public static func seal(_ plaintext: Data, plaintextSHA256: String? = nil,
                            chunkSize: Int = SecretStream.defaultChunkSize) throws -> (reference: BlobReference, ciphertext: Data) {
        let key = SymmetricKey()
        let ciphertext = try SecretStream.encrypt(plaintext, key: key, chunkSize: chunkSize)
        let reference = BlobReference(name: name(forDigest: try GenericHash.hash(ciphertext)), key: key, plaintextSHA256: plaintextSHA256,
                                      plaintextBytes: plaintext.count, ciphertextBytes: ciphertext.count)
        return (reference, ciphertext)
    }

    /// Checks that `ciphertext` is the blob `reference` names, decrypts it, and checks the
    /// plaintext hash when the reference has one.
    public static func open(_ ciphertext: Data, reference: BlobReference) throws -> Data {
        guard name(forDigest: try GenericHash.hash(ciphertext)) == reference.name else {
            throw SyncError.blobMismatch("the bytes served for \(reference.name) do not hash to its name")
        }
        let plaintext = try SecretStream.decrypt(ciphertext, key: reference.key)
        if let expected = reference.plaintextSHA256, ContentHash.sha256Hex(plaintext) != expected {
            throw SyncError.blobMismatch("\(reference.name) decrypts to content other than \(expected)")
        }
        return plaintext
    }

    /// Encrypts the file and stores the blob in `transport`.
    public static func upload(fileAt source: URL, plaintextSHA256: String? = nil, to transport: some SyncTransport) async throws -> BlobReference {
        let temp = FileManager.default.temporaryDirectory.appendingPathComponent("blob-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: temp) }
        let reference = try seal(fileAt: source, to: temp, plaintextSHA256: plaintextSHA256)
        try await transport.put(try Data(contentsOf: temp), name: reference.name)
        return reference
    }

    /// Fetches, checks and decrypts the blob `reference` names from `transport`.
    public static func download(_ reference: BlobReference, from transport: some SyncTransport) async throws -> Data {
        try open(try await transport.get(reference.name), reference: reference)
    }

    private static func name(forDigest digest: Data) -> ObjectName {
        SyncObjectName.blob(ContentHash.hex([UInt8](digest))).objectName
    }
}

/// Runs `work` on each submitted chunk, in order, on its own serial queue, at most four
/// chunks behind the submitter. The first error stops the work and is rethrown by `finish`.
private final class PipelineStage: @unchecked Sendable {
    // Unchecked: `work` and `failure` are only touched on `queue`.
    private let queue: DispatchQueue
    private let slots = DispatchSemaphore(value: 4)
    private let work: (Data) throws -> Void
    private var failure: Error?

    init(label: String, work: @escaping (Data) throws -> Void) {
        queue = DispatchQueue(label: label)
        self.work = work
    }

    /// Queues one chunk; blocks while four are already queued.
    func submit(_ chunk: Data) {
        slots.wait()
        queue.async { [self] in
            defer { slots.signal() }
            guard failure == nil else { return }
            do { try work(chunk) } catch { failure = error }
        }
    }

    /// Waits until every queued chunk is handled.
    func drain() { queue.sync {} }

    /// Waits for the queued chunks and rethrows the first error.
    func finish() throws {
        try queue.sync { if let failure { throw failure } }
    }
}
