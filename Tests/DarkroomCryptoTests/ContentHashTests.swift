import Foundation
import Testing
@testable import DarkroomCrypto

@Test func sha256KnownAnswers() {
    #expect(ContentHash.sha256Hex(Data()) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    #expect(ContentHash.sha256Hex(Data("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
}

@Test func sha256OfFileMatchesInMemory() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("hash-\(UUID()).bin")
    let bytes = Data((0..<3_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    try bytes.write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    #expect(try ContentHash.sha256Hex(fileAt: url) == ContentHash.sha256Hex(bytes))
}
