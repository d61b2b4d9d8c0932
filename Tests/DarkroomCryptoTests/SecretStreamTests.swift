import Foundation
import Testing
@testable import DarkroomCrypto

private func bytes(_ n: Int) -> Data { Data((0..<n).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }) }

@Test(arguments: [0, 1, 1023, 1024, 1025, 4096, 5000])
func secretStreamRoundTrips(length: Int) throws {
    let key = SymmetricKey()
    let sealed = try SecretStream.encrypt(bytes(length), key: key, chunkSize: 1024)
    let chunks = max(1, (length + 1023) / 1024)
    #expect(sealed.count == SecretStream.prefixByteCount + SecretStream.headerByteCount + length + chunks * SecretStream.chunkOverhead)
    #expect(try SecretStream.decrypt(sealed, key: key) == bytes(length))
}

@Test func secretStreamDetectsTruncationAtEveryChunkBoundaryAndInside() throws {
    let key = SymmetricKey()
    let sealed = try SecretStream.encrypt(bytes(3000), key: key, chunkSize: 1024)
    let start = SecretStream.prefixByteCount + SecretStream.headerByteCount
    let chunk = 1024 + SecretStream.chunkOverhead
    for cut in [start, start + chunk, start + 2 * chunk] {
        #expect(throws: CryptoError.truncatedStream) { try SecretStream.decrypt(sealed.prefix(cut), key: key) }
    }
    for cut in [3, start - 1, start + 10, start + chunk + 500, sealed.count - 1] {
        #expect(throws: CryptoError.self) { try SecretStream.decrypt(sealed.prefix(cut), key: key) }
    }
}

@Test func secretStreamRejectsTamperReorderTrailingBytesAndWrongKey() throws {
    let key = SymmetricKey()
    let sealed = try SecretStream.encrypt(bytes(3000), key: key, chunkSize: 1024)
    let start = SecretStream.prefixByteCount + SecretStream.headerByteCount
    let chunk = 1024 + SecretStream.chunkOverhead
    #expect(throws: CryptoError.authenticationFailed) { try SecretStream.decrypt(sealed.flippingBit(at: start + 5), key: key) }
    #expect(throws: CryptoError.authenticationFailed) { try SecretStream.decrypt(sealed.flippingBit(at: 12), key: key) }
    var swapped = sealed.prefix(start)
    swapped.append(sealed[(start + chunk)..<(start + 2 * chunk)])
    swapped.append(sealed[start..<(start + chunk)])
    swapped.append(sealed[(start + 2 * chunk)...])
    #expect(throws: CryptoError.authenticationFailed) { try SecretStream.decrypt(swapped, key: key) }
    // A byte after a short final chunk is read as part of it; after a full one, it is trailing.
    #expect(throws: CryptoError.authenticationFailed) { try SecretStream.decrypt(sealed + Data([0]), key: key) }
    let full = try SecretStream.encrypt(bytes(2048), key: key, chunkSize: 1024)
    #expect(throws: CryptoError.trailingData) { try SecretStream.decrypt(full + Data([0]), key: key) }
    #expect(throws: CryptoError.authenticationFailed) { try SecretStream.decrypt(sealed, key: SymmetricKey()) }
    // Changing the declared chunk size changes the associated data of every chunk.
    var resized = sealed
    resized[resized.startIndex + 7] ^= 0x08
    #expect(throws: CryptoError.self) { try SecretStream.decrypt(resized, key: key) }
    #expect(throws: CryptoError.self) { try SecretStream.decrypt(Data("XXXX".utf8) + sealed.dropFirst(4), key: key) }
}

@Test func secretStreamStreamsBetweenFiles() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ss-\(UUID())")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let plain = bytes(2_500_000)
    let (a, b, c) = (dir.appendingPathComponent("a"), dir.appendingPathComponent("b"), dir.appendingPathComponent("c"))
    try plain.write(to: a)
    _ = FileManager.default.createFile(atPath: b.path, contents: nil)
    _ = FileManager.default.createFile(atPath: c.path, contents: nil)
    let key = SymmetricKey()
    let inA = try FileHandle(forReadingFrom: a), outB = try FileHandle(forWritingTo: b)
    let enc = try SecretStream.encrypt(from: inA, to: outB, key: key)
    try inA.close(); try outB.close()
    #expect(enc.plaintextBytes == plain.count)
    #expect(enc.ciphertextBytes == (try Data(contentsOf: b)).count)
    #expect(try SecretStream.decrypt(Data(contentsOf: b), key: key) == plain)
    let inB = try FileHandle(forReadingFrom: b), outC = try FileHandle(forWritingTo: c)
    let dec = try SecretStream.decrypt(from: inB, to: outC, key: key)
    try inB.close(); try outC.close()
    #expect(dec.plaintextBytes == plain.count)
    #expect(try Data(contentsOf: c) == plain)
}
