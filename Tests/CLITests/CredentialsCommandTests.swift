import DarkroomCredentials
import DarkroomImaging
import Foundation
import Testing

/// Content Credentials through the CLI, judged by Darkroom and by the C2PA reference implementation.
@Suite struct CredentialsCommandTests {
    static let fixtures = C2PAJudge.root.appendingPathComponent("Fixtures/credentials")
    static let prompt = "a red circle above a blue square"

    /// A library with one generated picture; returns the harness, the item's id and its stored file.
    func generated(_ settings: [[String]] = []) throws -> (CLIHarness, String, URL) {
        let cli = try CLIHarness()
        #expect(try cli.run(["init"]).code == 0)
        for setting in settings { #expect(try cli.run(["settings", "set"] + setting).code == 0) }
        let result = try cli.run(["generate", Self.prompt, "--seed", "7"])
        #expect(result.code == 0, "\(result.stderr)")
        let item = try #require(try cli.listJSON().first)
        let path = try #require((item["image"] as? [String: Any])?["path"] as? String)
        return (cli, try #require(item["id"] as? String), URL(fileURLWithPath: path))
    }

    func manifestBytes(_ file: URL) throws -> [UInt8] {
        let bytes = [UInt8](try Data(contentsOf: file))
        let chunk = try #require(try PNGCodec.chunkLocations(in: bytes).first { $0.type == "caBX" })
        return Array(bytes[chunk.dataRange])
    }

    func contains(_ haystack: [UInt8], _ text: String) -> Bool {
        let needle = Array(text.utf8)
        return haystack.count >= needle.count && (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    @Test func aGeneratedPictureValidatesInTheReferenceAndKeepsThePromptOutOfItsManifest() throws {
        let (cli, id, file) = try generated(); defer { cli.cleanup() }
        #expect(!contains(try manifestBytes(file), Self.prompt))
        let ours = try cli.run(["credentials", id, "--json"])
        #expect(ours.code == 0, "\(ours.stderr)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(ours.stdout.utf8)) as? [String: Any])
        #expect(report["state"] as? String == "valid")   // this library's own authority is trusted here
        if let verdict = try C2PAJudge.verdict(file) {
            #expect(verdict["state"] as? String == "Valid")
            #expect(verdict["failures"] as? [String] == ["signingCredential.untrusted"])
            #expect(verdict["digital_source_type"] as? String == DigitalSourceType.trainedAlgorithmicMedia)
            #expect((verdict["claim_generator"] as? String)?.hasPrefix("Darkroom/") == true)
        }
        let show = try cli.run(["show", id, "--image", "none"])
        #expect(show.stdout.contains("credentials") && show.stdout.contains("AI-generated"), "\(show.stdout)")
    }

    @Test func includePromptPutsThePromptInTheSignedManifest() throws {
        let (cli, _, file) = try generated([["credentials.include_prompt", "true"]]); defer { cli.cleanup() }
        #expect(contains(try manifestBytes(file), Self.prompt))
        if let verdict = try C2PAJudge.verdict(file) { #expect(verdict["state"] as? String == "Valid") }
    }

    @Test func exportWithoutPromptHasNoPromptAnywhereAndAValidManifest() throws {
        let (cli, _, _) = try generated(); defer { cli.cleanup() }
        let folder = cli.scratch.appendingPathComponent("shared")
        #expect(try cli.run(["export", "--all", "--to", folder.path, "--no-prompt"]).code == 0)
        let exported = try #require(try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil).first)
        #expect(!contains([UInt8](try Data(contentsOf: exported)), Self.prompt))
        #expect(!contains([UInt8](try Data(contentsOf: exported)), "red circle"))
        #expect(try cli.run(["credentials", exported.path]).code == 0)
        if let verdict = try C2PAJudge.verdict(exported) {
            #expect(verdict["state"] as? String == "Valid")
            #expect(verdict["failures"] as? [String] == ["signingCredential.untrusted"])
        }
        let bare = cli.scratch.appendingPathComponent("bare")
        #expect(try cli.run(["export", "--all", "--to", bare.path, "--no-credentials"]).code == 0)
        let plain = try #require(try FileManager.default.contentsOfDirectory(at: bare, includingPropertiesForKeys: nil).first)
        #expect(try PNGCodec.chunkLocations(in: [UInt8](Data(contentsOf: plain))).allSatisfy { $0.type != "caBX" })
        #expect(try cli.run(["credentials", plain.path]).stdout.contains("credentials: none"))
    }

    @Test func oneChangedByteOfImageDataIsAHashMismatchForDarkroomAndTheReference() throws {
        let (cli, _, file) = try generated(); defer { cli.cleanup() }
        var bytes = [UInt8](try Data(contentsOf: file))
        let idat = try #require(try PNGCodec.chunkLocations(in: bytes).first { $0.type == "IDAT" })
        bytes[idat.dataRange.lowerBound + idat.dataRange.count / 2] ^= 0x04
        let crc = PNGCodec.framedChunk(type: "IDAT", data: Array(bytes[idat.dataRange])).suffix(4)
        bytes.replaceSubrange(idat.dataRange.upperBound..<(idat.dataRange.upperBound + 4), with: crc)   // still a well-formed PNG
        let changed = cli.scratch.appendingPathComponent("changed.png")
        try Data(bytes).write(to: changed)
        let ours = try cli.run(["credentials", changed.path])
        #expect(ours.code == 19, "\(ours.stdout) \(ours.stderr)")
        #expect(ours.stdout.contains("assertion.dataHash.mismatch") && ours.stdout.contains("INVALID"))
        if let verdict = try C2PAJudge.verdict(changed) {
            #expect(verdict["state"] as? String == "Invalid")
            #expect((verdict["failures"] as? [String])?.contains("assertion.dataHash.mismatch") == true)
        }
    }

    @Test func importKeepsWhatAnotherToolsCredentialsSay() throws {
        let cli = try CLIHarness(); defer { cli.cleanup() }
        // valid.png: signed by the reference implementation as "FixtureTool/1.0", AI-generated.
        // Then three pictures of other pixels: unsigned; signed and intact; signed, then changed by a tool that
        // added a text chunk (the data hash no longer matches). Signed with the fixtures' test signer.
        let signer = try SigningIdentity(certificatesPEM: try String(contentsOf: Self.fixtures.appendingPathComponent("signer.cert.pem"), encoding: .utf8),
                                         keyPEM: try String(contentsOf: Self.fixtures.appendingPathComponent("signer.key.pem"), encoding: .utf8))
        let camera = ManifestDefinition(generator: GeneratorInfo(name: "CameraTool", version: "2"), actions: [
            ManifestAction(action: ManifestAction.created, digitalSourceType: "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture")])
        let unsigned = try cli.writePNG("unsigned.png", seed: 1, noise: true)
        let intact = try cli.writePNG("intact.png", seed: 2, noise: true)
        try Data(try PNGCredentials.sign([UInt8](Data(contentsOf: intact)), definition: camera, identity: signer)).write(to: intact)
        let changed = try cli.writePNG("changed.png", seed: 3, noise: true)
        var bytes = try PNGCredentials.sign([UInt8](Data(contentsOf: changed)), definition: camera, identity: signer)
        let end = try #require(try PNGCodec.chunkLocations(in: bytes).last)
        bytes.insert(contentsOf: PNGCodec.framedChunk(type: "tEXt", data: Array("Comment\0re-saved".utf8)), at: end.range.lowerBound)
        try Data(bytes).write(to: changed)
        for file in [Self.fixtures.appendingPathComponent("valid.png"), unsigned, intact, changed] {
            let result = try cli.run(["import", file.path])
            #expect(result.code == 0, "\(result.stderr)")
        }
        #expect(try cli.listJSON().count == 4)
        func count(_ search: String) throws -> Int { try cli.listJSON([search]).count }
        #expect(try count("credentials:ai") == 1)
        #expect(try count("credentials:none") == 1)
        #expect(try count("credentials:invalid") == 1)
        #expect(try count("credentials:untrusted") == 2)
        #expect(try count("credentials:signed") == 2)
        let ai = try #require(try cli.listJSON(["credentials:ai"]).first?["id"] as? String)
        let show = try cli.run(["show", ai, "--image", "none"])
        #expect(show.stdout.contains("FixtureTool/1.0") && show.stdout.contains("Darkroom Fixture Signer"), "\(show.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(try cli.run(["show", ai, "--json"]).stdout.utf8)) as? [String: Any])
        let credentials = try #require(json["credentials"] as? [String: Any])
        #expect(credentials["claim_generator"] as? String == "FixtureTool/1.0")
        #expect((credentials["signer"] as? [String: Any])?["common_name"] as? String == "Darkroom Fixture Signer")
        let direct = try cli.run(["credentials", ai])
        #expect(direct.code == 0 && direct.stdout.contains("signer: Darkroom Test Fixtures / Darkroom Fixture Signer"), "\(direct.stdout)")
        let invalid = try #require(try cli.listJSON(["credentials:invalid"]).first?["id"] as? String)
        #expect(try cli.run(["credentials", invalid]).code == 19)
        let forged = try cli.run(["list", "credentials:forged"])
        #expect(forged.code == 64 && forged.stderr.contains("ai, none, invalid"), "\(forged.stderr)")
    }

    @Test func anOrganisationsCertificateSignsInsteadAndIsTrusted() throws {
        let chain = Self.fixtures.appendingPathComponent("signer.cert.pem"), key = Self.fixtures.appendingPathComponent("signer.key.pem")
        let (cli, id, file) = try generated([["credentials.certificate", chain.path], ["credentials.key", key.path]])
        defer { cli.cleanup() }
        let report = try cli.run(["credentials", id])
        #expect(report.stdout.contains("Darkroom Fixture Signer"), "\(report.stdout)")
        if let verdict = try C2PAJudge.verdict(file, trustAnchors: Self.fixtures.appendingPathComponent("ca.cert.pem")) {
            #expect(verdict["state"] as? String == "Trusted", "\(verdict)")
        }
        #expect(try cli.run(["settings", "set", "credentials.key", "null"]).code == 0)
        let half = try cli.run(["generate", Self.prompt, "--seed", "8"])
        #expect(half.code == 20 && half.stderr.contains("credentials.certificate and credentials.key"), "\(half.stderr)")
    }

    @Test func aVariationNamesItsParentAndAPromptFreeCopyOfAnotherToolsPictureStaysValid() throws {
        let (cli, id, _) = try generated(); defer { cli.cleanup() }
        #expect(try cli.run(["vary", id, "--count", "1"]).code == 0)
        let child = try #require(try cli.listJSON().first { $0["parent_id"] as? String == id })
        let childFile = URL(fileURLWithPath: try #require((child["image"] as? [String: Any])?["path"] as? String))
        let ours = try cli.run(["credentials", childFile.path, "--json"])
        let report = try #require(try JSONSerialization.jsonObject(with: Data(ours.stdout.utf8)) as? [String: Any])
        #expect((report["ingredients"] as? [[String: Any]])?.first?["relationship"] as? String == "inputTo")
        // An imported picture signed by another tool, exported without its prompt: re-encoded, so Darkroom signs
        // a manifest naming the original as its parent.
        #expect(try cli.run(["import", Self.fixtures.appendingPathComponent("valid.png").path]).code == 0)
        let imported = try #require(try cli.listJSON(["credentials:ai", "credentials:untrusted"]).first?["id"] as? String)
        let folder = cli.scratch.appendingPathComponent("out")
        #expect(try cli.run(["export", imported, "--to", folder.path, "--no-prompt"]).code == 0)
        let copy = try #require(try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil).first)
        let mine = try #require(try JSONSerialization.jsonObject(with: Data(try cli.run(["credentials", copy.path, "--json"]).stdout.utf8)) as? [String: Any])
        #expect(mine["actions"] as? [String] == ["c2pa.opened", "c2pa.edited"])
        #expect(mine["state"] as? String == "valid")
        if let verdicts = try C2PAJudge.verdicts([childFile, copy]) {
            for verdict in verdicts {
                #expect(verdict["state"] as? String == "Valid", "\(verdict)")
                #expect(verdict["failures"] as? [String] == ["signingCredential.untrusted"], "\(verdict)")
            }
            #expect((verdicts[0]["ingredients"] as? [[String: Any]])?.first?["relationship"] as? String == "inputTo")
            #expect((verdicts[1]["ingredients"] as? [[String: Any]])?.first?["relationship"] as? String == "parentOf")
        }
    }
}
