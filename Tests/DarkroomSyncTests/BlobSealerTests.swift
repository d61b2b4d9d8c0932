import DarkroomCrypto
import Foundation
import Testing
@testable import DarkroomSync

@Test func blobFileRoundTripsThroughATransport() async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("blob-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let image = Data((0..<2_300_000).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) })
    let source = dir.appendingPathComponent("image.png")
    try image.write(to: source)
    let transport = InMemoryTransport(store: InMemoryObjectStore())
    let reference = try await BlobSealer.upload(fileAt: source, plaintextSHA256: ContentHash.sha256Hex(image), to: transport)
    #expect(reference.plaintextBytes == image.count)
    let stored = try await transport.get(reference.name)
    #expect(reference.ciphertextBytes == stored.count)
    #expect(reference.name.rawValue == "blob/" + ContentHash.hex([UInt8](try GenericHash.hash(stored))))
    #expect(stored.range(of: image.prefix(64)) == nil)
    #expect(try await BlobSealer.download(reference, from: transport) == image)
    // The reference survives a JSON round trip (it travels inside an envelope payload).
    let decoded = try JSONDecoder().decode(BlobReference.self, from: JSONEncoder().encode(reference))
    #expect(decoded == reference)
}

@Test func blobRejectsSubstitutedTruncatedAndMislabelledBytes() throws {
    let (reference, ciphertext) = try BlobSealer.seal(Data(repeating: 5, count: 5000), plaintextSHA256: ContentHash.sha256Hex(Data(repeating: 5, count: 5000)), chunkSize: 1024)
    #expect(try BlobSealer.open(ciphertext, reference: reference) == Data(repeating: 5, count: 5000))
    #expect(throws: SyncError.self) { try BlobSealer.open(ciphertext.prefix(ciphertext.count - 17), reference: reference) }
    #expect(throws: SyncError.self) { try BlobSealer.open(ciphertext.flippingBit(at: 100), reference: reference) }
    let (other, otherCiphertext) = try BlobSealer.seal(Data(repeating: 6, count: 10))
    #expect(throws: SyncError.self) { try BlobSealer.open(otherCiphertext, reference: reference) }
    // Right name, wrong key: the stream does not authenticate.
    var wrongKey = reference
    wrongKey.key = other.key
    #expect(throws: CryptoError.authenticationFailed) { try BlobSealer.open(ciphertext, reference: wrongKey) }
    // Right bytes and key, wrong plaintext hash.
    var mislabelled = reference
    mislabelled.plaintextSHA256 = ContentHash.sha256Hex(Data("something else".utf8))
    #expect(throws: SyncError.self) { try BlobSealer.open(ciphertext, reference: mislabelled) }
    // Two seals of the same picture use different keys and names.
    let again = try BlobSealer.seal(Data(repeating: 5, count: 5000), chunkSize: 1024)
    #expect(again.reference.name != reference.name)
}
