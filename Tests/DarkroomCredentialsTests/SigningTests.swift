import DarkroomCredentials
import DarkroomImaging
import Foundation
import Testing

@Suite struct SigningTests {
    func signed() throws -> [UInt8] {
        try PNGCredentials.sign(try CredentialsFixtures.bytes("unsigned.png"), definition: CredentialsFixtures.darkroomDefinition,
                                identity: try CredentialsFixtures.signer())
    }

    @Test func aSignedPictureVerifiesAndSaysItIsAIGenerated() async throws {
        let report = await CredentialsVerifier().verify(try signed())
        #expect(report.state == .untrusted)
        #expect(report.failures == ["signingCredential.untrusted"])
        #expect(report.aiGenerated)
        #expect(report.claimGenerator == "Darkroom/test")
        #expect(report.actions == ["c2pa.created"])
        #expect(report.generation?["seed"] == "7")
        #expect(report.assertionLabels.contains("c2pa.hash.data"))
    }

    @Test func signingKeepsThePixelsAndReplacesAnEarlierManifest() async throws {
        let once = try signed()
        let twice = try PNGCredentials.sign(once, definition: CredentialsFixtures.darkroomDefinition, identity: try CredentialsFixtures.signer())
        #expect(try PNGCodec.chunkLocations(in: twice).filter { $0.type == "caBX" }.count == 1)
        #expect(try PNGCredentials.removingManifest(from: twice) == CredentialsFixtures.bytes("unsigned.png"))
        #expect(try PNGCodec.decode(Data(twice)).image == PNGCodec.decode(Data(try CredentialsFixtures.bytes("unsigned.png"))).image)
        #expect(await CredentialsVerifier().verify(twice).state == .untrusted)
    }

    @Test func everyChangedByteOutsideTheManifestIsCaught() async throws {
        let file = try signed()
        let store = try #require(try PNGCodec.chunkLocations(in: file).first { $0.type == "caBX" })
        for offset in 0..<file.count where !store.range.contains(offset) {
            var changed = file
            changed[offset] ^= 0x01
            let report = await CredentialsVerifier().verify(changed)
            // A change that breaks the PNG framing (a CRC, a length) leaves no readable manifest: never "valid".
            #expect(report.state == .invalid || report.state == .none, "byte \(offset)")
        }
    }

    @Test func everyChangedByteInsideTheManifestIsCaught() async throws {
        let file = try signed()
        let store = try #require(try PNGCodec.chunkLocations(in: file).first { $0.type == "caBX" })
        for offset in store.dataRange {
            var changed = file
            changed[offset] ^= 0x01
            let crcStart = store.dataRange.upperBound
            let crc = PNGCodec.framedChunk(type: "caBX", data: Array(changed[store.dataRange])).suffix(4)
            changed.replaceSubrange(crcStart..<(crcStart + 4), with: crc)
            let report = await CredentialsVerifier().verify(changed)
            #expect(report.state == .invalid, "byte \(offset - store.dataRange.lowerBound) of the store: \(String(decoding: changed[(offset - 12)..<(offset + 12)].map { $0 < 32 || $0 > 126 ? 46 : $0 }, as: UTF8.self))")
        }
    }

    @Test func theDarkroomAuthorityIssuesASignerTheVerifierAccepts() async throws {
        let authority = try CredentialsAuthority.makeAuthority(commonName: "Test authority", organization: "Test library")
        let device = try CredentialsAuthority.issueDevice(by: authority, commonName: "Test device", organization: "Test library")
        let file = try PNGCredentials.sign(try CredentialsFixtures.bytes("unsigned.png"), definition: CredentialsFixtures.darkroomDefinition,
                                           identity: device)
        #expect(await CredentialsVerifier().verify(file).state == .untrusted)
        let trusted = await CredentialsVerifier(trustAnchors: authority.chain).verify(file)
        #expect(trusted.state == .valid, "\(trusted.details)")
        #expect(trusted.signer?.commonName == "Test device")
        let other = try CredentialsAuthority.makeAuthority(commonName: "Other", organization: "Other")
        #expect(await CredentialsVerifier(trustAnchors: other.chain).verify(file).state == .untrusted)
    }
}

/// Hostile files: random mutations of a signed picture never crash the verifier and never read as verified.
@Suite struct VerifierFuzzTests {
    @Test func mutatedFilesAreNeverVerified() async throws {
        let original = try PNGCredentials.sign(try CredentialsFixtures.bytes("unsigned.png"), definition: CredentialsFixtures.darkroomDefinition,
                                               identity: try CredentialsFixtures.signer())
        var state: UInt64 = 0x9E3779B97F4A7C15
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 }
        for _ in 0..<400 {
            var file = original
            switch next() % 4 {
            case 0: file[Int(next() % UInt64(file.count))] ^= UInt8(1 << (next() % 8))
            case 1: file.removeLast(Int(next() % UInt64(file.count)))
            case 2: file.insert(UInt8(truncatingIfNeeded: next()), at: Int(next() % UInt64(file.count)))
            default:
                let at = Int(next() % UInt64(file.count - 4))
                file.replaceSubrange(at..<(at + 4), with: [0x7F, 0xFF, 0xFF, 0xFF])   // an inflated length field
            }
            guard file != original else { continue }
            let report = await CredentialsVerifier().verify(file)
            #expect(report.state == .invalid || report.state == .none)
        }
    }
}
